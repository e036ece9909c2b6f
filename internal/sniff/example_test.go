package sniff_test

import (
	"fmt"

	"github.com/fanout-dev/fanout/internal/sniff"
)

func ExampleFormat() {
	// A PNG served as "photo.jpg" is still a PNG.
	data := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	f := sniff.Format(data)
	fmt.Println(f, sniff.Ext(f))
	// Output: png .png
}
