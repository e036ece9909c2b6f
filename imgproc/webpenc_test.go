package imgproc_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// mustEncodeWebP encodes pic as WebP, skipping the test without libwebp.
func mustEncodeWebP(t *testing.T, pic *imgproc.Picture, opts imgproc.EncodeOptions) []byte {
	t.Helper()
	opts.Format = imgproc.WebP
	var buf bytes.Buffer
	err := imgproc.Encode(&buf, pic, &opts)
	if errors.Is(err, imgproc.ErrUnsupported) {
		t.Skipf("no libwebp (install libwebp7): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestEncodeWebP round-trips WebP output through fanout's decoder and
// through Pillow's (libwebp), an independent reader: lossless keeps every
// pixel and the alpha, lossy stays close, an opaque image has no alpha,
// and the ICC profile is kept.
func TestEncodeWebP(t *testing.T) {
	photo, err := imgproc.Decode(mustReadFile(t, "coffee-444.jpg"), &imgproc.DecodeOptions{RGB: true})
	if err != nil {
		t.Fatal(err)
	}
	alpha := newTestPattern(61, 37, 5, true)
	icc := []byte("fake ICC profile, long enough to name its colour space: RGB ")
	copy(icc[16:20], "RGB ")
	for _, tc := range []struct {
		name     string
		img      image.Image
		icc      []byte
		lossless bool
		minDB    float64 // 0: bit-exact
	}{
		{"lossless alpha", alpha, nil, true, 0},
		{"lossless opaque", photo.Image, nil, true, 0},
		{"lossy opaque", photo.Image, nil, false, 30},
		{"lossy alpha", alpha, nil, false, 18},
		{"lossy with ICC", photo.Image, icc, false, 30},
		{"lossless alpha with ICC", alpha, icc, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := mustEncodeWebP(t, &imgproc.Picture{Image: tc.img, Oriented: true, ICC: tc.icc}, imgproc.EncodeOptions{Lossless: tc.lossless})
			back, err := imgproc.Decode(data, nil)
			if err != nil {
				t.Fatal(err)
			}
			if back.Format != imgproc.WebP || back.Image.Bounds().Size() != tc.img.Bounds().Size() {
				t.Fatalf("decoded %s %v, want webp %v", back.Format, back.Image.Bounds().Size(), tc.img.Bounds().Size())
			}
			// Colour under fully transparent pixels is not kept (libwebp
			// zeroes it, as cwebp and sharp do by default): compare what
			// shows, premultiplied.
			if tc.minDB == 0 && !samePixels(premultiplied(back.Image), premultiplied(tc.img)) {
				t.Errorf("lossless round trip changed the pixels (%.1f dB)", psnr(premultiplied(back.Image), premultiplied(tc.img)))
			}
			if db := psnr(premultiplied(back.Image), premultiplied(tc.img)); tc.minDB > 0 && db < tc.minDB {
				t.Errorf("lossy round trip %.1f dB, want at least %g", db, tc.minDB)
			}
			if !bytes.Equal(back.ICC, tc.icc) {
				t.Errorf("ICC profile of %d bytes read back as %d bytes", len(tc.icc), len(back.ICC))
			}
			_, opaque := tc.img.(*image.RGBA)
			if _, isRGBA := back.Image.(*image.RGBA); opaque != isRGBA {
				t.Errorf("decoded as %T; an opaque source must give an opaque WebP and back", back.Image)
			}
			if pillowCheck() != nil {
				return
			}
			dir := t.TempDir()
			in := filepath.Join(dir, "out.webp")
			if err := os.WriteFile(in, data, 0o644); err != nil {
				t.Fatal(err)
			}
			report := filepath.Join(dir, "report")
			runPillow(t, `
import sys
from PIL import Image
im = Image.open(sys.argv[1])
im.load()
open(sys.argv[2], "w").write("%s %dx%d icc=%d" % (im.mode, im.size[0], im.size[1], len(im.info.get("icc_profile") or b"")))
im.convert("RGBA").save(sys.argv[1] + ".png")
`, in, report)
			got, _ := os.ReadFile(report)
			mode := "RGBA"
			if opaque {
				mode = "RGB"
			}
			b := tc.img.Bounds()
			want := fmt.Sprintf("%s %dx%d icc=%d", mode, b.Dx(), b.Dy(), len(tc.icc))
			if string(got) != want {
				t.Errorf("Pillow reads %q, want %q", got, want)
			}
			if pil := mustReadPNG(t, in+".png"); !samePixels(pil, back.Image) {
				t.Errorf("Pillow's decoding differs from fanout's (%.1f dB)", psnr(pil, back.Image))
			}
		})
	}
}

// premultiplied returns img as an opaque *image.RGBA of its colours
// premultiplied by alpha, so that colour under transparent pixels, which
// does not show, does not count.
func premultiplied(img image.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			c := colorNRGBA(img.At(b.Min.X+x, b.Min.Y+y))
			a := uint32(c.A)
			out.SetRGBA(x, y, color.RGBA{byte((uint32(c.R)*a + 127) / 255), byte((uint32(c.G)*a + 127) / 255), byte((uint32(c.B)*a + 127) / 255), 255})
		}
	}
	return out
}

// TestEncodeAVIF writes AVIF, opaque and with alpha and an ICC profile, and
// reads it back: sizes, alpha and the profile kept, the pixels close.
func TestEncodeAVIF(t *testing.T) {
	if _, err := imgproc.AVIFInfo(); err != nil {
		t.Skipf("no AVIF encoder (install libheif1): %v", err)
	}
	photo, err := imgproc.Decode(mustReadFile(t, "coffee-444.jpg"), &imgproc.DecodeOptions{RGB: true})
	if err != nil {
		t.Fatal(err)
	}
	icc := []byte("fake ICC profile, long enough to name its colour space: RGB ")
	for _, tc := range []struct {
		name  string
		img   image.Image
		icc   []byte
		minDB float64
	}{
		{"opaque", photo.Image, nil, 30},
		{"alpha", newTestPattern(61, 37, 5, true), nil, 12},
		{"ICC", photo.Image, icc, 30},
	} {
		var buf bytes.Buffer
		err := imgproc.Encode(&buf, &imgproc.Picture{Image: tc.img, Oriented: true, ICC: tc.icc}, &imgproc.EncodeOptions{Format: imgproc.AVIF, Quality: 60})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		back, err := imgproc.Decode(buf.Bytes(), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if back.Format != imgproc.AVIF || back.Image.Bounds().Size() != tc.img.Bounds().Size() || !bytes.Equal(back.ICC, tc.icc) {
			t.Errorf("%s: read back %s %v with %d bytes of ICC", tc.name, back.Format, back.Image.Bounds().Size(), len(back.ICC))
		}
		if db := psnr(premultiplied(back.Image), premultiplied(tc.img)); db < tc.minDB {
			t.Errorf("%s: %.1f dB from the source, want at least %g", tc.name, db, tc.minDB)
		}
	}
	err = imgproc.Encode(&bytes.Buffer{}, photo, &imgproc.EncodeOptions{Format: imgproc.AVIF, Lossless: true})
	if !errors.Is(err, imgproc.ErrUnsupported) {
		t.Errorf("lossless AVIF: error %v, want ErrUnsupported", err)
	}
}
