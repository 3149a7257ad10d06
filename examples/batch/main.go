// Command batch places an order and takes it out of stock in one batch:
// both writes are applied together or not at all, and a remote database
// receives them in a single HTTP request. It runs on a local file
// (batch.db); with TURSO_DATABASE_URL (and TURSO_AUTH_TOKEN) set it uses
// that server instead.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/gorm-libsql/libsql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Stock is how many of a product are left.
type Stock struct {
	ID      uint
	Product string `gorm:"uniqueIndex"`
	Qty     int    `gorm:"check:qty >= 0"`
}

// Order is one customer order.
type Order struct {
	ID      uint
	Ref     string `gorm:"uniqueIndex"`
	Product string
	Qty     int
	Status  string `gorm:"default:placed"`
}

func main() {
	cfg := libsql.Config{Database: "batch.db"}
	if os.Getenv("TURSO_DATABASE_URL") != "" {
		var err error
		if cfg, err = libsql.ConfigFromEnv(); err != nil {
			log.Fatal(err)
		}
	}
	db, err := gorm.Open(libsql.New(cfg), &gorm.Config{TranslateError: true})
	if err != nil {
		log.Fatal(err)
	}
	if err := db.AutoMigrate(&Stock{}, &Order{}); err != nil {
		log.Fatal(err)
	}
	if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&Stock{Product: "lamp", Qty: 5}).Error; err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	order := Order{Ref: fmt.Sprintf("A-%d", time.Now().UnixNano()), Product: "lamp", Qty: 2}
	results, err := placeOrder(ctx, db, &order)
	switch {
	case errors.Is(err, gorm.ErrCheckConstraintViolated):
		fmt.Println("out of stock: nothing was written")
		return
	case err != nil:
		log.Fatal(err)
	}
	fmt.Printf("order %s: id %d, status %q\n", order.Ref, order.ID, order.Status)
	for i, r := range results {
		fmt.Printf("  statement %d changed %d row(s)\n", i, r.RowsAffected)
	}

	// The same order again fails on its unique Ref: the batch names the
	// statement, and the stock is left as it was.
	again := Order{Ref: order.Ref, Product: "lamp", Qty: 1}
	_, err = placeOrder(ctx, db, &again)
	var be *libsql.BatchError
	if errors.As(err, &be) && errors.Is(err, gorm.ErrDuplicatedKey) {
		fmt.Printf("duplicate order refused at statement %d; nothing applied\n", be.Index)
	} else {
		log.Fatalf("expected a duplicate-key error, got %v", err)
	}
	var left Stock
	if err := db.Where("product = ?", "lamp").First(&left).Error; err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d lamps left\n", left.Qty)
}

// placeOrder takes the order out of stock and records it, in one batch.
func placeOrder(ctx context.Context, db *gorm.DB, order *Order) ([]libsql.BatchResult, error) {
	return libsql.Batch(ctx, db, func(b *gorm.DB) error {
		b.Model(&Stock{}).Where("product = ?", order.Product).Update("qty", gorm.Expr("qty - ?", order.Qty))
		b.Create(order)
		return nil
	})
}
