module github.com/gorm-libsql/libsql/tests/bench/cmd/bench-mattn

go 1.26.8

require (
	github.com/gorm-libsql/libsql/tests v0.0.0
	github.com/mattn/go-sqlite3 v1.14.22
	gorm.io/driver/sqlite v1.6.0
	gorm.io/gorm v1.31.2
)

require (
	github.com/jinzhu/inflection v1.0.0 // indirect
	github.com/jinzhu/now v1.1.5 // indirect
	golang.org/x/text v0.20.0 // indirect
)

replace github.com/gorm-libsql/libsql => ../../../..

replace github.com/gorm-libsql/libsql/tests => ../../..
