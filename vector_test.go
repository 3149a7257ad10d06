//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"time"

	"testing"

	"github.com/gorm-libsql/libsql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type document struct {
	ID        uint
	Title     string
	Embedding libsql.Vector32 `gorm:"size:3;index:document_embedding_idx,expression:libsql_vector_idx(embedding)"`
}

func TestVector32RoundTripAndSearch(t *testing.T) {
	db := openLocal(t, &gorm.Config{})
	require.NoError(t, db.AutoMigrate(&document{}))

	var colType string
	require.NoError(t, db.Raw("SELECT type FROM pragma_table_info('documents') WHERE name = 'embedding'").Scan(&colType).Error)
	assert.Equal(t, "F32_BLOB(3)", colType)

	docs := []document{
		{Title: "x", Embedding: libsql.Vector32{1, 0, 0}},
		{Title: "y", Embedding: libsql.Vector32{0, 1, 0}},
		{Title: "xy", Embedding: libsql.Vector32{0.7, 0.7, 0}},
	}
	require.NoError(t, db.Create(&docs).Error)

	var got document
	require.NoError(t, db.First(&got, docs[2].ID).Error)
	assert.Equal(t, libsql.Vector32{0.7, 0.7, 0}, got.Embedding)

	var text libsql.Vector32
	require.NoError(t, db.Raw("SELECT vector_extract(embedding) FROM documents WHERE id = ?", docs[0].ID).Row().Scan(&text))
	assert.Equal(t, libsql.Vector32{1, 0, 0}, text)

	query := libsql.Vector32{0.9, 0.1, 0}
	var byDistance []document
	require.NoError(t, db.Clauses(clause.OrderBy{Expression: libsql.VectorDistanceCos("embedding", query)}).Find(&byDistance).Error)
	require.Len(t, byDistance, 3)
	assert.Equal(t, []string{"x", "xy", "y"}, []string{byDistance[0].Title, byDistance[1].Title, byDistance[2].Title})

	var nearest []document
	require.NoError(t, db.Joins("JOIN ? AS top ON top.id = documents.rowid", libsql.VectorTopK("document_embedding_idx", query, 2)).
		Order("documents.id").Find(&nearest).Error)
	require.Len(t, nearest, 2)
	assert.Equal(t, "x", nearest[0].Title)
	assert.Equal(t, "xy", nearest[1].Title)
}

func TestTimeFormatParsesAggregates(t *testing.T) {
	db := openLocal(t, &gorm.Config{})
	type event struct {
		ID uint
		At time.Time
	}
	require.NoError(t, db.AutoMigrate(&event{}))
	later := time.Date(2024, 3, 1, 12, 0, 0, 5, time.FixedZone("x", 3600))
	require.NoError(t, db.Create(&[]event{{At: later.Add(-time.Hour)}, {At: later}}).Error)
	var text string
	require.NoError(t, db.Model(&event{}).Select("max(at)").Row().Scan(&text))
	got, err := time.Parse(libsql.TimeFormat, text)
	require.NoError(t, err)
	assert.True(t, got.Equal(later), "%s vs %s", got, later)
}
