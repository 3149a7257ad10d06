// Package sqldjwt makes the keys and tokens of sqld's JWT authentication:
// an Ed25519 key pair, the public key in the two forms sqld reads, and
// EdDSA-signed tokens. It is shared by examples/token and the tests' sqld
// (tests/internal/sqldtest), and no package of the library imports it: the
// dialect only passes a token on, it never makes one.
package sqldjwt

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// Access is sqld's claim "a": what a token may do.
type Access string

const (
	// ReadWrite lets the token read and write.
	ReadWrite Access = "rw"
	// ReadOnly lets the token only read.
	ReadOnly Access = "ro"
)

// Claims are the fields of a token that sqld checks.
type Claims struct {
	Access    Access
	IssuedAt  time.Time
	ExpiresAt time.Time // zero: the token never expires
}

// claims is the JSON form; sqld requires no claim but "a".
type claims struct {
	Access    Access `json:"a"`
	IssuedAt  int64  `json:"iat,omitempty"`
	ExpiresAt int64  `json:"exp,omitempty"`
}

// header is the JOSE header of every token, already encoded: the
// algorithm sqld expects for an Ed25519 key.
var header = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"EdDSA","typ":"JWT"}`))

// Sign returns a JWT carrying c, signed with key.
func Sign(key ed25519.PrivateKey, c Claims) string {
	body := claims{Access: c.Access}
	if !c.IssuedAt.IsZero() {
		body.IssuedAt = c.IssuedAt.Unix()
	}
	if !c.ExpiresAt.IsZero() {
		body.ExpiresAt = c.ExpiresAt.Unix()
	}
	// A struct of a string and two integers always marshals.
	payload, _ := json.Marshal(body)
	signed := header + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signed + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(key, []byte(signed)))
}

// PublicKeyPEM is pub as sqld's --auth-jwt-key-file reads it: a PEM
// "PUBLIC KEY" block (PKIX), the form `openssl pkey -pubout` writes.
func PublicKeyPEM(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// PublicKeyBase64 is pub as a namespace's jwt_key takes it (the
// tenants.SQLDConfig.TenantJWTKey of a tenant): the raw key in URL-safe
// base64 without padding.
func PublicKeyBase64(pub ed25519.PublicKey) string {
	return base64.RawURLEncoding.EncodeToString(pub)
}

// PrivateKeyPEM is key as a PEM "PRIVATE KEY" block (PKCS #8), the form
// `openssl genpkey -algorithm ed25519` writes.
func PrivateKeyPEM(key ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKeyPEM reads the Ed25519 key of a PEM "PRIVATE KEY" block
// (PKCS #8), as PrivateKeyPEM or openssl write it.
func ParsePrivateKeyPEM(data []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New(`no PEM "PRIVATE KEY" block`)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the key is a %T, not an Ed25519 key", key)
	}
	return priv, nil
}
