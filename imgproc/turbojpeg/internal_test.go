package turbojpeg

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"os"
	"testing"
)

const flagProgressive = 16384

func mustLoadInternal(tb testing.TB) *Lib {
	tb.Helper()
	l, err := Load()
	if err != nil {
		tb.Skipf("libjpeg-turbo is not installed (Debian: apt-get install libturbojpeg0): %v", err)
	}
	return l
}

// TestProgressive decodes a progressive JPEG, written by the library itself
// since the public encoders write baseline only, and compares it with
// image/jpeg.
func TestProgressive(t *testing.T) {
	l := mustLoadInternal(t)
	data, err := os.ReadFile("../../testdata/turbojpeg/skimage-chelsea.jpg")
	if err != nil {
		t.Fatal(err)
	}
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(src.Bounds())
	draw.Draw(rgba, rgba.Rect, src, image.Point{}, draw.Src)
	w, h := rgba.Rect.Dx(), rgba.Rect.Dy()
	// A handle of its own: libjpeg-turbo 2.1 carries state from a
	// progressive compression into the next one on the same handle, which
	// then writes a corrupt file, so this handle must not join the pool.
	hd := l.fn.initCompress()
	defer l.fn.destroy(hd)
	prog, err := l.compressWith(hd, func(hd uintptr, out **byte, size *culong) int32 {
		return l.fn.compress2(hd, &rgba.Pix[0], int32(w), int32(rgba.Stride), int32(h), pfRGBX, out, size, int32(Subsample420), 90, flagAccurateDCT|flagProgressive)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(prog, []byte{0xff, 0xc2}) {
		t.Fatal("the library wrote no SOF2 (progressive) frame")
	}
	got, err := l.DecodeYCbCr(prog)
	if err != nil {
		t.Fatalf("DecodeYCbCr(progressive): %v", err)
	}
	want, err := jpeg.Decode(bytes.NewReader(prog))
	if err != nil {
		t.Fatal(err)
	}
	ref := want.(*image.YCbCr)
	var maxd int
	for y := range h {
		for x := range w {
			d := int(got.Y[got.YOffset(x, y)]) - int(ref.Y[ref.YOffset(x, y)])
			maxd = max(maxd, d, -d)
		}
	}
	if maxd > 2 {
		t.Errorf("progressive decode differs from image/jpeg by up to %d levels in Y, want <= 2", maxd)
	}
}

func TestHasAdobeMarker(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"empty", nil, false},
		{"SOI only", []byte{0xff, 0xd8}, false},
		{"APP14 Adobe", []byte{0xff, 0xd8, 0xff, 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 2, 0xff, 0xda}, true},
		{"APP14 after APP0", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2, 0xff, 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 1}, true},
		{"APP14 other", []byte{0xff, 0xd8, 0xff, 0xee, 0, 14, 'N', 'o', 'p', 'e', '!', 0, 100, 0, 0, 0, 0, 2}, false},
		{"after SOS", []byte{0xff, 0xd8, 0xff, 0xda, 0, 2, 0xff, 0xee, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 2}, false},
		{"length past end", []byte{0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := hasAdobeMarker(tc.data); got != tc.want {
				t.Errorf("hasAdobeMarker(% x) = %v, want %v", tc.data, got, tc.want)
			}
		})
	}
}

// BenchmarkHandles compares taking a handle from the Lib's free list with
// creating and destroying one per call.
func BenchmarkHandles(b *testing.B) {
	l := mustLoadInternal(b)
	b.Run("decoder/pooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h, err := l.dec.get()
			if err != nil {
				b.Fatal(err)
			}
			l.dec.put(h, true)
		}
	})
	b.Run("decoder/per-call", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			l.fn.destroy(l.fn.initDecompress())
		}
	})
	b.Run("encoder/pooled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h, err := l.enc.get()
			if err != nil {
				b.Fatal(err)
			}
			l.enc.put(h, true)
		}
	})
	b.Run("encoder/per-call", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			l.fn.destroy(l.fn.initCompress())
		}
	})
}
