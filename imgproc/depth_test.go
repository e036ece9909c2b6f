package imgproc_test

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// TestSixteenBitGeometry checks that the operations that only move pixels
// (fliph, flipv, rotate, crop) keep a 16-bit picture's type and every
// sample, and that PNG output then stays 16-bit; an operation that
// computes new samples (resize) works in 8 bits, as documented.
func TestSixteenBitGeometry(t *testing.T) {
	pic, err := imgproc.Decode(mustReadFile(t, "16-bit-grey-alpha.png"), nil)
	if err != nil {
		t.Fatal(err)
	}
	src, ok := pic.Image.(*image.NRGBA64)
	if !ok {
		t.Fatalf("decoded %T, want *image.NRGBA64", pic.Image)
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	for _, tc := range []struct {
		ops  string
		from func(x, y int) (int, int) // the source pixel of output (x, y)
	}{
		{"fliph", func(x, y int) (int, int) { return w - 1 - x, y }},
		{"flipv", func(x, y int) (int, int) { return x, h - 1 - y }},
		{"rotate=90", func(x, y int) (int, int) { return y, h - 1 - x }},
		{"crop=20x10+3+4", func(x, y int) (int, int) { return x + 3, y + 4 }},
		{"rotate=270,fliph", func(x, y int) (int, int) { return w - 1 - y, h - 1 - x }},
	} {
		ops, err := imgproc.ParseOps(tc.ops)
		if err != nil {
			t.Fatal(err)
		}
		img, err := ops.Apply(t.Context(), src)
		if err != nil {
			t.Fatal(err)
		}
		out, ok := img.(*image.NRGBA64)
		if !ok {
			t.Errorf("%s: %T, want *image.NRGBA64", tc.ops, img)
			continue
		}
		bad := 0
		for y := range out.Rect.Dy() {
			for x := range out.Rect.Dx() {
				sx, sy := tc.from(x, y)
				if out.NRGBA64At(x, y) != src.NRGBA64At(sx, sy) {
					bad++
				}
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d pixels are not the source's", tc.ops, bad)
		}
		var buf bytes.Buffer
		if err := imgproc.Encode(&buf, &imgproc.Picture{Image: img, Oriented: true}, &imgproc.EncodeOptions{Format: imgproc.PNG}); err != nil {
			t.Fatal(err)
		}
		back, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := back.(*image.NRGBA64); !ok {
			t.Errorf("%s: the PNG reads back as %T, want 16 bits (*image.NRGBA64)", tc.ops, back)
		}
	}
	ops, _ := imgproc.ParseOps("resize=50%")
	img, err := ops.Apply(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := img.(*image.NRGBA64); ok {
		t.Errorf("resize made %T: update the documentation, which says resize works in 8 bits", img)
	}
}
