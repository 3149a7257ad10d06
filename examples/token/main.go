// Command token makes what a sqld with JWT authentication needs: an Ed25519
// key pair (once) and tokens signed by it.
//
//	go run ./examples/token                 # prints a token valid for 24 h
//	sqld --auth-jwt-key-file jwt.pem ...    # the public key it wrote
//
// The private key (-key, default jwt-private.pem) is created with mode 0600
// when it does not exist, and read when it does, so later runs print more
// tokens for the same server; a key made by `openssl genpkey -algorithm
// ed25519` works too. The public key (-pub, default jwt.pem) is written
// from it on every run. The token goes to standard output, alone, so that
// TURSO_AUTH_TOKEN=$(go run ./examples/token) works.
package main

import (
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"time"

	"github.com/gorm-libsql/libsql/internal/sqldjwt"
)

func main() {
	keyFile := flag.String("key", "jwt-private.pem", "the signing key (PKCS #8 PEM), created if missing; keep it secret")
	pubFile := flag.String("pub", "jwt.pem", "where to write the public key for sqld's --auth-jwt-key-file")
	ttl := flag.Duration("ttl", 24*time.Hour, "how long the token is valid; 0: it never expires")
	readOnly := flag.Bool("ro", false, "a read-only token")
	jwtKey := flag.Bool("jwt-key", false, "print the public key as a namespace's jwt_key takes it (tenants.SQLDConfig.TenantJWTKey) instead of a token")
	flag.Parse()
	log.SetFlags(0)

	key, created, err := loadOrCreate(*keyFile)
	if err != nil {
		log.Fatal(err)
	}
	pub := key.Public().(ed25519.PublicKey)
	pubPEM, err := sqldjwt.PublicKeyPEM(pub)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*pubFile, pubPEM, 0o644); err != nil {
		log.Fatal(err)
	}
	if created {
		log.Printf("wrote a new key to %s (keep it secret) and its public key to %s (for sqld --auth-jwt-key-file)", *keyFile, *pubFile)
	}
	if *jwtKey {
		fmt.Println(sqldjwt.PublicKeyBase64(pub))
		return
	}
	claims := sqldjwt.Claims{Access: sqldjwt.ReadWrite, IssuedAt: time.Now()}
	if *readOnly {
		claims.Access = sqldjwt.ReadOnly
	}
	if *ttl > 0 {
		claims.ExpiresAt = claims.IssuedAt.Add(*ttl)
	}
	fmt.Println(sqldjwt.Sign(key, claims))
}

// loadOrCreate reads the private key in path, or creates it there (mode
// 0600, never replacing a file) when there is none; created says which.
func loadOrCreate(path string) (key ed25519.PrivateKey, created bool, err error) {
	data, err := os.ReadFile(path)
	if err == nil {
		key, err := sqldjwt.ParsePrivateKeyPEM(data)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	_, key, err = ed25519.GenerateKey(nil)
	if err != nil {
		return nil, false, err
	}
	data, err = sqldjwt.PrivateKeyPEM(key)
	if err != nil {
		return nil, false, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return nil, false, err
	}
	return key, true, f.Close()
}
