//go:build cgo && ((linux && !android && (amd64 || arm64)) || (darwin && !ios && arm64))

package libsql_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gorm-libsql/libsql"
)

// Use the dialect's driver through database/sql, without GORM (plain
// queries, sqlc): the same Config, in any mode.
func ExampleConfig_Connector() {
	dir := exampleDir()
	defer os.RemoveAll(dir)

	connector, err := libsql.Config{Database: filepath.Join(dir, "app.db")}.Connector()
	// or remote: libsql.Config{URL: "libsql://db.example.com", AuthToken: token}.Connector()
	if err != nil {
		panic(err)
	}
	db := sql.OpenDB(connector)
	defer db.Close() // closes the connector too

	if _, err := db.Exec("CREATE TABLE products (id INTEGER PRIMARY KEY, code TEXT)"); err != nil {
		panic(err)
	}
	if _, err := db.Exec("INSERT INTO products (code) VALUES (?)", "D42"); err != nil {
		panic(err)
	}
	var code string
	if err := db.QueryRow("SELECT code FROM products WHERE id = ?", 1).Scan(&code); err != nil {
		panic(err)
	}
	fmt.Println(code)
	// Output: D42
}
