package atomicfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/fanout-dev/fanout/internal/atomicfile"
)

func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	path := filepath.Join(dir, "processed_cat.jpg")
	if err := atomicfile.WriteFile(path, []byte("\xff\xd8\xff..."), 0o644); err != nil {
		fmt.Println(err)
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		fmt.Println(e.Name())
	}
	// Output: processed_cat.jpg
}
