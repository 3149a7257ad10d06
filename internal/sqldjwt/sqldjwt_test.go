package sqldjwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decode checks token's signature with pub and returns its header and
// claims as JSON objects.
func decode(t *testing.T, pub ed25519.PublicKey, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	require.Len(t, parts, 3)
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	require.NoError(t, err)
	require.True(t, ed25519.Verify(pub, []byte(parts[0]+"."+parts[1]), sig), "signature")
	for i, v := range []*map[string]any{&header, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, v))
	}
	return header, claims
}

func TestSign(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	iat := time.Unix(1_700_000_000, 0)
	header, claims := decode(t, pub, Sign(priv, Claims{Access: ReadWrite, IssuedAt: iat, ExpiresAt: iat.Add(time.Hour)}))
	assert.Equal(t, map[string]any{"alg": "EdDSA", "typ": "JWT"}, header)
	assert.Equal(t, map[string]any{"a": "rw", "iat": 1_700_000_000.0, "exp": 1_700_003_600.0}, claims)

	_, claims = decode(t, pub, Sign(priv, Claims{Access: ReadOnly}))
	assert.Equal(t, map[string]any{"a": "ro"}, claims, "no iat, no exp")
}

func TestPublicKeyForms(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	data, err := PublicKeyPEM(pub)
	require.NoError(t, err)
	block, rest := pem.Decode(data)
	require.NotNil(t, block)
	assert.Empty(t, rest)
	assert.Equal(t, "PUBLIC KEY", block.Type)
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	require.NoError(t, err)
	assert.Equal(t, pub, key)

	raw, err := base64.RawURLEncoding.DecodeString(PublicKeyBase64(pub))
	require.NoError(t, err)
	assert.Equal(t, []byte(pub), raw)
}

func TestPrivateKeyRoundTrip(t *testing.T) {
	_, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	data, err := PrivateKeyPEM(priv)
	require.NoError(t, err)
	got, err := ParsePrivateKeyPEM(data)
	require.NoError(t, err)
	assert.Equal(t, priv, got)
}

func TestParsePrivateKeyPEMRefuses(t *testing.T) {
	pub, _, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	pubPEM, err := PublicKeyPEM(pub)
	require.NoError(t, err)
	_, err = ParsePrivateKeyPEM(pubPEM)
	assert.ErrorContains(t, err, `no PEM "PRIVATE KEY" block`)
	_, err = ParsePrivateKeyPEM([]byte("not PEM"))
	assert.ErrorContains(t, err, `no PEM "PRIVATE KEY" block`)

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(ec)
	require.NoError(t, err)
	_, err = ParsePrivateKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	assert.ErrorContains(t, err, "not an Ed25519 key")
}

// TestOpenSSLKeys checks the README's claim that openssl's keys and these
// are the same files: a key openssl generates parses, and the public key
// openssl derives from it is PublicKeyPEM's, byte for byte.
func TestOpenSSLKeys(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
	dir := t.TempDir()
	privFile, pubFile := filepath.Join(dir, "jwt-private.pem"), filepath.Join(dir, "jwt.pem")
	out, err := exec.Command("openssl", "genpkey", "-algorithm", "ed25519", "-out", privFile).CombinedOutput()
	require.NoError(t, err, string(out))
	out, err = exec.Command("openssl", "pkey", "-in", privFile, "-pubout", "-out", pubFile).CombinedOutput()
	require.NoError(t, err, string(out))

	data, err := os.ReadFile(privFile)
	require.NoError(t, err)
	priv, err := ParsePrivateKeyPEM(data)
	require.NoError(t, err)
	want, err := os.ReadFile(pubFile)
	require.NoError(t, err)
	got, err := PublicKeyPEM(priv.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}
