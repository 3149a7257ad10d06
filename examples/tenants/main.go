// Command tenants gives three tenants a database each, migrates them all,
// and shows that each one sees only its own rows. It then migrates again
// (no DDL: every tenant is up to date) and drops the tenants.
//
//	go run ./examples/tenants                     # files in a temp folder, no server
//	go run ./examples/tenants -dir ./tenant-dbs   # files in a folder of your choice
//	go run ./examples/tenants -url http://127.0.0.1:8080 -admin http://127.0.0.1:9090
//	go run ./examples/tenants -url http://127.0.0.1:8080 -admin http://127.0.0.1:9090 -replica
//
// With -url, each tenant is a namespace of a sqld started with
// --enable-namespaces --admin-listen-addr 127.0.0.1:9090; the token, if the
// server wants one, comes from TURSO_AUTH_TOKEN. With -replica too, each
// tenant is an embedded replica of its namespace, a file in -dir (default:
// a temp folder): reads are local, writes go to the namespace.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/gorm-libsql/libsql"
	"github.com/gorm-libsql/libsql/tenants"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Invoice is each tenant's own data.
type Invoice struct {
	ID       uint
	Customer string `gorm:"index"`
	Cents    int64
}

func main() {
	dir := flag.String("dir", "", "folder of tenant files (default: a temp folder)")
	url := flag.String("url", "", "sqld HTTP address; use sqld namespaces instead of files")
	admin := flag.String("admin", "", "sqld admin API address (with -url)")
	replica := flag.Bool("replica", false, "with -url, make each tenant an embedded replica in -dir")
	keep := flag.Bool("keep", false, "keep the tenants at the end")
	flag.Parse()

	store, where, cleanup := pickStore(*dir, *url, *admin, *replica)
	defer cleanup()
	fmt.Println("tenants on", where)
	if err := run(context.Background(), store, *keep, os.Stdout); err != nil {
		cleanup()
		log.Fatal(err)
	}
}

// run creates the tenants, migrates them, shows their isolation, migrates
// again and, unless keep, drops them.
func run(ctx context.Context, store tenants.Store, keep bool, out io.Writer) error {
	m, err := tenants.New(tenants.Config{
		Store: store,
		GORM:  &gorm.Config{Logger: logger.Discard, TranslateError: true},
		OnMigrate: func(r tenants.MigrationResult, done, total int) {
			status := "ok"
			if r.Err != nil {
				status = "FAILED: " + r.Err.Error()
			}
			fmt.Fprintf(out, "  [%d/%d] %s %s, %d DDL statements\n", done, total, r.Tenant, status, len(r.DDL))
			for _, ddl := range r.DDL {
				fmt.Fprintf(out, "        %s\n", ddl)
			}
		},
	})
	if err != nil {
		return err
	}
	defer m.Close()

	names := []string{"acme", "globex", "initech"}
	for _, name := range names {
		if err := m.Create(ctx, name); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "migrate:")
	if _, err := m.Migrate(ctx, &Invoice{}); err != nil {
		return err
	}

	for i, name := range names {
		// Do keeps the tenant's pool open for the whole unit of work.
		err := m.Do(ctx, name, func(db *gorm.DB) error {
			for j := 0; j <= i; j++ {
				inv := Invoice{Customer: fmt.Sprintf("%s customer %d", name, j+1), Cents: int64(100 * (j + 1))}
				if err := db.Create(&inv).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "isolation: each tenant sees only its own invoices")
	for _, name := range names {
		db, err := m.DB(ctx, name)
		if err != nil {
			return err
		}
		var customers []string
		if err := db.Model(&Invoice{}).Order("id").Pluck("customer", &customers).Error; err != nil {
			return err
		}
		fmt.Fprintf(out, "  %-8s %d: %s\n", name, len(customers), strings.Join(customers, ", "))
	}

	fmt.Fprintln(out, "migrate again (up to date: no DDL):")
	report, err := m.Migrate(ctx, &Invoice{})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  %d tenants, %d changed\n", len(report.Tenants), len(report.Changed()))

	if keep {
		return nil
	}
	for _, name := range names {
		if err := m.Drop(ctx, name); err != nil {
			return err
		}
	}
	left, err := m.List(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "dropped; %d tenants left\n", len(left))
	return nil
}

// pickStore returns the store the flags name, where it is, and what to
// clean up at the end (a temp folder the example made).
func pickStore(dir, url, admin string, replica bool) (tenants.Store, string, func()) {
	if url == "" && replica {
		log.Fatal("-replica needs -url: replicas are of sqld namespaces")
	}
	if url != "" && admin == "" {
		log.Fatal("-url needs -admin, the address of sqld's --admin-listen-addr")
	}
	cleanup := func() {}
	if dir == "" && (url == "" || replica) {
		tmp, err := os.MkdirTemp("", "tenants-")
		if err != nil {
			log.Fatal(err)
		}
		dir, cleanup = tmp, func() { os.RemoveAll(tmp) }
	}
	if url == "" {
		store, err := tenants.NewLocalFiles(dir, libsql.Config{})
		if err != nil {
			log.Fatal(err)
		}
		return store, "local files in " + dir, cleanup
	}
	cfg := tenants.SQLDConfig{URL: url, AdminURL: admin, AuthToken: os.Getenv("TURSO_AUTH_TOKEN")}
	where := "sqld namespaces at " + url
	if replica {
		cfg.ReplicaDir = dir
		where += ", embedded replicas in " + dir
	}
	store, err := tenants.NewSQLDNamespaces(cfg)
	if err != nil {
		log.Fatal(err)
	}
	return store, where, cleanup
}
