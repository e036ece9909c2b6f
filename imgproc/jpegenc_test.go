package imgproc_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// TestPureGoJPEGEncoder compares the pure-Go codec's JPEG encoder with
// image/jpeg (same quality scaling, tables and DCT, so nearly the same
// bytes) and has Pillow decode its output.
func TestPureGoJPEGEncoder(t *testing.T) {
	photo, err := imgproc.Decode(mustReadFile(t, "skimage-chelsea.jpg"), &imgproc.DecodeOptions{JPEG: imgproc.JPEGStd})
	if err != nil {
		t.Fatal(err)
	}
	odd, err := imgproc.Crop(photo.Image, image.Rect(0, 0, 203, 117)) // edges inside an MCU
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	inputs := []struct {
		name string
		img  image.Image
	}{
		{"ycbcr-451x300", photo.Image},
		{"ycbcr-203x117", odd},
		{"gray-451x300", imgproc.Grayscale(photo.Image)},
		{"ycbcr444-203x117", to444(odd)},
	}
	var args []string
	for _, in := range inputs {
		for _, q := range []int{10, 75, 100} {
			t.Run(fmt.Sprintf("%s/q=%d", in.name, q), func(t *testing.T) {
				var ours, std bytes.Buffer
				p := &imgproc.Picture{Image: in.img, Oriented: true}
				if err := imgproc.Encode(&ours, p, &imgproc.EncodeOptions{Format: imgproc.JPEG, Quality: q, JPEG: imgproc.JPEGStd}); err != nil {
					t.Fatal(err)
				}
				if err := jpeg.Encode(&std, in.img, &jpeg.Options{Quality: q}); err != nil {
					t.Fatal(err)
				}
				a, err := jpeg.Decode(bytes.NewReader(ours.Bytes()))
				if err != nil {
					t.Fatalf("image/jpeg cannot decode the output: %v", err)
				}
				b, err := jpeg.Decode(bytes.NewReader(std.Bytes()))
				if err != nil {
					t.Fatal(err)
				}
				if db := psnr(a, b); db < 40 {
					t.Errorf("PSNR against image/jpeg's encoding = %.1f dB, want >= 40", db)
				}
				if ratio := float64(ours.Len()) / float64(std.Len()); ratio < 0.95 || ratio > 1.05 {
					t.Errorf("size %d bytes, image/jpeg's %d: ratio %.3f, want within 5%%", ours.Len(), std.Len(), ratio)
				}
				path := filepath.Join(dir, fmt.Sprintf("%s-%d.jpg", in.name, q))
				if err := os.WriteFile(path, ours.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				mustWritePNG(t, path+".go.png", a)
				args = append(args, path)
			})
		}
	}
	runPillow(t, `
import sys
from PIL import Image
for p in sys.argv[1:]:
    im = Image.open(p)
    im.load()
    im.convert("RGB").save(p + ".pil.png")
`, args...)
	for _, path := range args {
		if db := psnr(mustReadPNG(t, path+".go.png"), mustReadPNG(t, path+".pil.png")); db < 35 {
			t.Errorf("%s: Pillow's decode differs from image/jpeg's: PSNR %.1f dB", filepath.Base(path), db)
		}
	}
}

// to444 converts img to a 4:4:4 *image.YCbCr.
func to444(img image.Image) *image.YCbCr {
	r := img.Bounds()
	out := image.NewYCbCr(image.Rect(0, 0, r.Dx(), r.Dy()), image.YCbCrSubsampleRatio444)
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			c := colorNRGBA(img.At(r.Min.X+x, r.Min.Y+y))
			out.Y[out.YOffset(x, y)], out.Cb[out.COffset(x, y)], out.Cr[out.COffset(x, y)] = color.RGBToYCbCr(c.R, c.G, c.B)
		}
	}
	return out
}
