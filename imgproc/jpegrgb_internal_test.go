package imgproc

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/fanout-dev/fanout/imgproc/turbojpeg"
)

// TestJPEGRGBMatchesLibjpeg feeds the YCbCr planes that libjpeg-turbo
// decodes to jpegRGB and checks that the result is libjpeg-turbo's own RGB
// decoding bit for bit (which is Pillow's: TestDecodeJPEGRGBPillow): the
// chroma upsampling and the colour conversion are libjpeg's, so that the
// pure-Go decoder differs from Pillow only by its IDCT. Photos in 4:4:4,
// 4:2:2 and 4:2:0, and 4:2:0 images of every size from 1×1 to 9×9 and
// some wider ones (both sides of libjpeg's switch to replication for
// chroma planes of two samples or fewer).
func TestJPEGRGBMatchesLibjpeg(t *testing.T) {
	lib, err := turbojpeg.Load()
	if err != nil {
		t.Skipf("needs libjpeg-turbo as the reference (install libturbojpeg0): %v", err)
	}
	cases := map[string][]byte{}
	for _, f := range []string{"coffee-444.jpg", "coffee-422.jpg", "coffee-progressive.jpg", "skimage-chelsea.jpg", "Landscape_1.jpg"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "imgproc", f))
		if err != nil {
			t.Fatal(err)
		}
		cases[f] = data
	}
	for _, size := range [][2]int{{17, 5}, {33, 18}, {64, 3}} {
		cases[fmt.Sprintf("%dx%d", size[0], size[1])] = noisyJPEG(t, size[0], size[1])
	}
	for w := 1; w <= 9; w++ {
		for h := 1; h <= 9; h++ {
			cases[fmt.Sprintf("%dx%d", w, h)] = noisyJPEG(t, w, h)
		}
	}
	for name, data := range cases {
		planes, err := lib.DecodeScaled(data, 1)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m, ok := planes.(*image.YCbCr)
		if !ok {
			t.Fatalf("%s: libjpeg-turbo gave %T, not planes", name, planes)
		}
		want, err := lib.DecodeRGB(data, 1)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := jpegRGB(m)
		w := want.(*image.RGBA)
		if got.Rect != w.Rect {
			t.Fatalf("%s: %v, want %v", name, got.Rect, w.Rect)
		}
		for y := range got.Rect.Dy() {
			a, b := got.Pix[y*got.Stride:][:4*got.Rect.Dx()], w.Pix[y*w.Stride:][:4*got.Rect.Dx()]
			if !bytes.Equal(a, b) {
				for x := 0; x < len(a); x++ {
					if a[x] != b[x] {
						t.Errorf("%s (%v): pixel (%d, %d) channel %d is %d, libjpeg's %d", name, m.SubsampleRatio, x/4, y, x%4, a[x], b[x])
						break
					}
				}
				break
			}
		}
	}
}

// noisyJPEG encodes a w×h 4:2:0 JPEG whose chroma changes at every sample.
func noisyJPEG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for i := range m.Y {
		m.Y[i] = byte(i * 37 % 256)
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = byte(64+i*53%128), byte(200-i*29%150)
	}
	var buf bytes.Buffer
	if err := Encode(&buf, &Picture{Image: m, Oriented: true}, &EncodeOptions{Format: JPEG, Quality: 95}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestPureGoJPEGNearPillow decodes the test photos with the pure-Go codec
// to RGB and compares them with libjpeg-turbo's RGB decoding, which is
// Pillow's bit for bit: they differ only by image/jpeg's IDCT, and must be
// at least 55 dB apart (the bound is 45 dB; 61-62 dB measured,
// where image/jpeg's own conversion gave 44-54 dB).
func TestPureGoJPEGNearPillow(t *testing.T) {
	if _, err := turbojpeg.Load(); err != nil {
		t.Skipf("needs libjpeg-turbo as the reference (install libturbojpeg0): %v", err)
	}
	for _, f := range []string{"coffee-444.jpg", "coffee-422.jpg", "coffee-progressive.jpg", "skimage-chelsea.jpg", "Landscape_1.jpg", "Portrait_5.jpg"} {
		data, err := os.ReadFile(filepath.Join("..", "testdata", "imgproc", f))
		if err != nil {
			t.Fatal(err)
		}
		ref, err := Decode(data, &DecodeOptions{JPEG: JPEGTurbo, RGB: true})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decode(data, &DecodeOptions{JPEG: JPEGStd, RGB: true})
		if err != nil {
			t.Fatal(err)
		}
		if db := psnrRGB(t, got.Image, ref.Image); db < 55 {
			t.Errorf("%s: pure Go is %.1f dB from libjpeg-turbo's (Pillow's) decoding, want at least 55", f, db)
		} else {
			t.Logf("%s: %.1f dB", f, db)
		}
	}
}

// psnrRGB is the PSNR of two opaque images' RGB samples.
func psnrRGB(tb testing.TB, a, b image.Image) float64 {
	tb.Helper()
	x, y := toNRGBA(a), toNRGBA(b)
	if x.Rect.Size() != y.Rect.Size() {
		tb.Fatalf("sizes %v and %v", x.Rect.Size(), y.Rect.Size())
	}
	var se float64
	n := 0
	for i := range x.Pix {
		if i%4 == 3 {
			continue
		}
		d := float64(x.Pix[i]) - float64(y.Pix[i])
		se += d * d
		n++
	}
	if se == 0 {
		return 99
	}
	return 10 * math.Log10(255*255*float64(n)/se)
}
