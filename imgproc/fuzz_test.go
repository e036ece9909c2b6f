package imgproc_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// fuzzMaxPixels is the pixel budget of FuzzDecode: one megapixel.
const fuzzMaxPixels = 1 << 20

// FuzzDecode feeds Decode arbitrary bytes, seeded with the small files of
// testdata/imgproc and of the decode corpus (large seeds make the fuzzer's minimisation crawl) and a
// tiny image in every format Encode writes. Decode must not panic (a
// recovered decoder panic is reported as a failure too), must keep to the
// pixel budget, and must not allocate much more than the budget allows;
// what it decodes must encode.
func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "imgproc", "*"))
	if err != nil {
		f.Fatal(err)
	}
	corpus, err := filepath.Glob(filepath.Join("..", "testdata", "corpus", "*", "*"))
	if err != nil {
		f.Fatal(err)
	}
	files = append(files, corpus...)
	for _, name := range files {
		if fi, err := os.Stat(name); err == nil && fi.IsDir() {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) <= 40<<10 {
			f.Add(data)
		}
	}
	tiny := &imgproc.Picture{Image: newTestPattern(9, 7, 3, true), Oriented: true, ICC: []byte("icc profile")}
	for _, format := range []imgproc.Format{imgproc.JPEG, imgproc.PNG, imgproc.GIF, imgproc.BMP, imgproc.TIFF} {
		var buf bytes.Buffer
		if err := imgproc.Encode(&buf, tiny, &imgproc.EncodeOptions{Format: format}); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	opts := &imgproc.DecodeOptions{MaxPixels: fuzzMaxPixels, JPEG: imgproc.JPEGStd}
	f.Fuzz(func(t *testing.T, data []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		p, err := imgproc.Decode(data, opts)
		runtime.ReadMemStats(&after)
		// 8 bytes per pixel for 16-bit RGBA, twice for a JPEG's coefficients
		// plus its planes, and the decoders' own buffers.
		const budget = 16*fuzzMaxPixels + 16<<20
		if got := after.TotalAlloc - before.TotalAlloc; got > budget+uint64(8*len(data)) {
			t.Fatalf("Decode allocated %d bytes for %d bytes of input, over the budget of %d", got, len(data), budget)
		}
		if err != nil {
			if strings.Contains(err.Error(), "panicked") {
				t.Fatalf("decoder panicked: %v", err)
			}
			if p != nil {
				t.Fatalf("Decode returned a picture and an error: %v", err)
			}
			return
		}
		b := p.Image.Bounds()
		if int64(b.Dx())*int64(b.Dy()) > fuzzMaxPixels {
			t.Fatalf("decoded %v, over the budget of %d pixels", b, fuzzMaxPixels)
		}
		if err := imgproc.Encode(&bytes.Buffer{}, p, &imgproc.EncodeOptions{Format: imgproc.PNG}); err != nil {
			t.Fatalf("decoded %T %v but cannot encode it: %v", p.Image, b, err)
		}
	})
}
