package libsql

import (
	"errors"
	"os"
)

// ConfigFromEnv reads Turso's usual environment variables:
// TURSO_DATABASE_URL (required) and TURSO_AUTH_TOKEN. Set Database on the
// result to make it an embedded replica.
func ConfigFromEnv() (Config, error) {
	url := os.Getenv("TURSO_DATABASE_URL")
	if url == "" {
		return Config{}, errors.New("libsql: TURSO_DATABASE_URL is not set")
	}
	return Config{URL: url, AuthToken: os.Getenv("TURSO_AUTH_TOKEN")}, nil
}
