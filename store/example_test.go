package store_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/fanout-dev/fanout/store"
)

func Example() {
	dir, err := os.MkdirTemp("", "store-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	// Parse at the edge (-o file:///shared/out, s3://bucket/prefix?region=...),
	// open once, then write, check and read objects by key.
	loc, err := store.Parse("file://" + dir + "/out")
	if err != nil {
		log.Fatal(err)
	}
	b, err := store.Open(ctx, loc)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	if err := b.Write(ctx, "2024/a.jpg", []byte("image bytes")); err != nil {
		log.Fatal(err)
	}
	ok, _ := b.Exists(ctx, "2024/a.jpg")
	data, _ := b.Read(ctx, "2024/a.jpg", 1<<20)
	for key := range b.List(ctx, "") {
		fmt.Println(key)
	}
	fmt.Println(ok, string(data))
	// Output:
	// 2024/a.jpg
	// true image bytes
}
