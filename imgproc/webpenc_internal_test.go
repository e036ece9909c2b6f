package imgproc

import (
	"bytes"
	"image"
	"testing"

	"golang.org/x/image/webp"

	"github.com/fanout-dev/fanout/imgproc/libwebp"
)

// TestEncodeWebPWASM checks the portable WebP encoder, which runs where the
// system has no libwebp: lossless keeps every pixel and the alpha, lossy
// writes a WebP of the right size.
func TestEncodeWebPWASM(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 37, 23))
	for i := range img.Pix {
		img.Pix[i] = byte(i*31 + i/4)
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255 // alpha everywhere: colour under transparency is not kept
	}
	img.Pix[3] = 10
	for _, lossless := range []bool{true, false} {
		data, err := encodeWebPWASM(img, 80, lossless)
		if err != nil {
			t.Fatal(err)
		}
		back, err := webp.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if back.Bounds() != img.Bounds() {
			t.Fatalf("lossless %v: %v back, want %v", lossless, back.Bounds(), img.Bounds())
		}
		if n, ok := back.(*image.NRGBA); lossless && (!ok || !bytes.Equal(n.Pix, img.Pix)) {
			t.Errorf("lossless round trip changed the pixels (%T)", back)
		}
	}
}

// BenchmarkEncodeWebP encodes an 800×500 photo-like image at quality 80
// with the system's libwebp and with the WebAssembly build.
func BenchmarkEncodeWebP(b *testing.B) {
	img := image.NewNRGBA(image.Rect(0, 0, 800, 500))
	for y := range 500 {
		for x := range 800 {
			i := img.PixOffset(x, y)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = byte(x/4+y/8), byte(y/2), byte((x*y)>>9), 255
		}
	}
	b.Run("native", func(b *testing.B) {
		lib, err := libwebp.Load()
		if err != nil {
			b.Skip(err)
		}
		for b.Loop() {
			if _, err := lib.Encode(img, 80, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("wasm", func(b *testing.B) {
		encodeWebPWASM(img, 80, false) // compile outside the timing
		for b.Loop() {
			if _, err := encodeWebPWASM(img, 80, false); err != nil {
				b.Fatal(err)
			}
		}
	})
}
