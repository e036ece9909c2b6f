package imgproc

import (
	"bytes"
	"image"
	"testing"

	"golang.org/x/image/webp"
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
