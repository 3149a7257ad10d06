//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
)

const testKey = "0123456789abcdef0123456789abcdeT"

type secret struct {
	ID   uint
	Text string
}

// requireNoPlaintext reads the database file and its WAL and fails if any
// holds marker.
func requireNoPlaintext(t *testing.T, path, marker string) {
	t.Helper()
	for _, p := range []string{path, path + "-wal"} {
		data, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		}
		require.NoError(t, err)
		assert.False(t, bytes.Contains(data, []byte(marker)), "%s holds plaintext", filepath.Base(p))
	}
}

func TestEncryptedLocalFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "enc.db")
	marker := "top-secret-marker-" + strings.Repeat("x", 20)
	db := open(t, libsql.Config{Database: path, EncryptionKey: testKey}, nil)
	require.NoError(t, db.AutoMigrate(&secret{}))
	require.NoError(t, db.Create(&secret{Text: marker}).Error)
	st, err := os.Stat(path + "-wal")
	require.NoError(t, err)
	require.Positive(t, st.Size(), "the rows are still in the WAL")
	requireNoPlaintext(t, path, marker)

	before, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, cfg := range []libsql.Config{{Database: path}, {Database: path, EncryptionKey: strings.Repeat("w", 32)}} {
		_, err := gorm.Open(libsql.New(cfg), &gorm.Config{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "encrypt")
	}
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, before, after, "a failed open changes nothing")

	sqlDB, _ := db.DB()
	require.NoError(t, sqlDB.Close())
	requireNoPlaintext(t, path, marker)
	db = open(t, libsql.Config{Database: path, EncryptionKey: testKey}, nil)
	var got secret
	require.NoError(t, db.First(&got).Error)
	assert.Equal(t, marker, got.Text)
}

func TestEncryptionKeyChecks(t *testing.T) {
	dir := t.TempDir()
	for name, cfg := range map[string]libsql.Config{
		"short key":   {Database: filepath.Join(dir, "a.db"), EncryptionKey: "short"},
		"remote only": {URL: "http://127.0.0.1:1", EncryptionKey: testKey},
		"bad scheme":  {URL: "ftp://example.com", AuthToken: "t"},
	} {
		_, err := gorm.Open(libsql.New(cfg), &gorm.Config{})
		require.Error(t, err, name)
		t.Log(name, err)
	}
	_, err := os.Stat(filepath.Join(dir, "a.db"))
	assert.True(t, os.IsNotExist(err), "nothing was written")
}
