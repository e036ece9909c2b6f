package imgproc_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-dev/fanout/imgproc"
)

// TestICCKept checks that the ICC profile survives a decode-encode round
// trip in JPEG and PNG, and that DropICC drops it.
func TestICCKept(t *testing.T) {
	for _, file := range []string{"Landscape_3.jpg", "16-bit-grey-alpha.png"} {
		src, err := imgproc.Decode(mustReadFile(t, file), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(src.ICC) == 0 {
			t.Fatalf("%s: no ICC profile read", file)
		}
		for _, f := range []imgproc.Format{imgproc.JPEG, imgproc.PNG} {
			for _, drop := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s to %s drop=%v", file, f, drop), func(t *testing.T) {
					var buf bytes.Buffer
					if err := imgproc.Encode(&buf, src, &imgproc.EncodeOptions{Format: f, DropICC: drop}); err != nil {
						t.Fatal(err)
					}
					back, err := imgproc.Decode(buf.Bytes(), nil)
					if err != nil {
						t.Fatal(err)
					}
					want := src.ICC
					// The grey and alpha PNG is written as RGBA (PNG has
					// no grey and alpha at 16 bits in Go, JPEG no alpha
					// at all): its GRAY profile cannot describe that.
					if drop || string(src.ICC[16:20]) == "GRAY" {
						want = nil
					}
					if diff := cmp.Diff(want, back.ICC); diff != "" {
						t.Errorf("ICC after round trip (-want +got):\n%.300s", diff)
					}
					if back.Orientation != imgproc.OrientNormal {
						t.Errorf("written orientation = %d, want 1 (no EXIF)", back.Orientation)
					}
				})
			}
		}
	}
}

// TestICCMatchesColourSpace checks that a profile is written only onto
// output of its own colour space.
func TestICCMatchesColourSpace(t *testing.T) {
	profile := func(space string) []byte {
		b := make([]byte, 128)
		copy(b[16:], space)
		return b
	}
	grey := image.NewGray(image.Rect(0, 0, 8, 8))
	colour := newTestPattern(8, 8, 1, false)
	for _, tc := range []struct {
		name  string
		img   image.Image
		space string
		kept  bool
	}{
		{"rgb on colour", colour, "RGB ", true},
		{"gray on grey", grey, "GRAY", true},
		{"gray on colour", colour, "GRAY", false},
		{"rgb on grey", grey, "RGB ", false},
		{"lab on grey", grey, "Lab ", true},
	} {
		for _, f := range []imgproc.Format{imgproc.JPEG, imgproc.PNG} {
			t.Run(fmt.Sprintf("%s %s", tc.name, f), func(t *testing.T) {
				var buf bytes.Buffer
				p := &imgproc.Picture{Image: tc.img, Format: f, ICC: profile(tc.space), Oriented: true}
				if err := imgproc.Encode(&buf, p, nil); err != nil {
					t.Fatal(err)
				}
				back, err := imgproc.Decode(buf.Bytes(), nil)
				if err != nil {
					t.Fatal(err)
				}
				if got := back.ICC != nil; got != tc.kept {
					t.Errorf("profile kept = %v, want %v", got, tc.kept)
				}
			})
		}
	}
}

// TestLargeICCSplitsSegments checks a profile over 64 KiB in JPEG.
func TestLargeICCSplitsSegments(t *testing.T) {
	icc := bytes.Repeat([]byte("0123456789abcdef"), 10000) // 160 000 bytes: 3 segments
	p := &imgproc.Picture{Image: newTestPattern(16, 16, 1, false), Format: imgproc.JPEG, ICC: icc, Oriented: true}
	var buf bytes.Buffer
	if err := imgproc.Encode(&buf, p, nil); err != nil {
		t.Fatal(err)
	}
	back, err := imgproc.Decode(buf.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back.ICC, icc) {
		t.Errorf("ICC of %d bytes came back as %d bytes", len(icc), len(back.ICC))
	}
}

// TestICCAfterJFIF checks that the ICC segments do not come between SOI and
// a JFIF APP0 segment, which JFIF requires to follow SOI directly
// (libjpeg-turbo writes one; the pure-Go encoder does not).
func TestICCAfterJFIF(t *testing.T) {
	icc := bytes.Repeat([]byte("icc!"), 100)
	p := &imgproc.Picture{Image: newTestPattern(16, 16, 1, false), Format: imgproc.JPEG, ICC: icc, Oriented: true}
	for _, c := range []imgproc.JPEGCodec{imgproc.JPEGStd, imgproc.JPEGTurbo} {
		t.Run(c.String(), func(t *testing.T) {
			skipWithoutCodec(t, c)
			var buf bytes.Buffer
			if err := imgproc.Encode(&buf, p, &imgproc.EncodeOptions{JPEG: c}); err != nil {
				t.Fatal(err)
			}
			data := buf.Bytes()
			// Walk the segments before the first scan, noting the markers.
			var markers []byte
			for i := 2; i+4 <= len(data) && data[i] == 0xff && data[i+1] != 0xda; {
				markers = append(markers, data[i+1])
				i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
			}
			if k := bytes.IndexByte(markers, 0xe0); k > 0 {
				t.Errorf("JFIF APP0 is segment %d after SOI (markers % x), want it first", k, markers)
			}
			if bytes.IndexByte(markers, 0xe2) < 0 {
				t.Errorf("no APP2 segment (markers % x)", markers)
			}
			back, err := imgproc.Decode(data, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back.ICC, icc) {
				t.Errorf("ICC of %d bytes came back as %d bytes", len(icc), len(back.ICC))
			}
		})
	}
}

// TestEncodeAlpha checks that PNG keeps alpha and JPEG flattens it on the
// background.
func TestEncodeAlpha(t *testing.T) {
	src, err := imgproc.Decode(mustReadFile(t, "with-alpha.png"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := imgproc.Encode(&buf, src, nil); err != nil {
		t.Fatal(err)
	}
	back, err := imgproc.Decode(buf.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := diffCount(pixelsNRGBA(back.Image), pixelsNRGBA(src.Image)); n != 0 {
		t.Errorf("PNG round trip changed %d samples", n)
	}
	m := image.NewNRGBA(image.Rect(0, 0, 16, 16)) // fully transparent
	for _, tc := range []struct {
		bg   color.Color
		want uint8
	}{{nil, 255}, {color.Black, 0}} {
		buf.Reset()
		p := &imgproc.Picture{Image: m, Format: imgproc.JPEG, Oriented: true}
		if err := imgproc.Encode(&buf, p, &imgproc.EncodeOptions{Background: tc.bg}); err != nil {
			t.Fatal(err)
		}
		back, err := imgproc.Decode(buf.Bytes(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if c := colorNRGBA(back.Image.At(8, 8)); absDiff(c.R, tc.want) > 2 {
			t.Errorf("JPEG of transparent image on %v = %v, want grey level %d", tc.bg, c, tc.want)
		}
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestEncodeFormats(t *testing.T) {
	src, err := imgproc.Decode(mustReadFile(t, "skimage-chelsea.jpg"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"out.jpg", "out.JPEG", "out.png", "out.gif", "out.bmp", "out.tiff"} {
		t.Run(name, func(t *testing.T) {
			f, err := imgproc.FormatFromExt(name)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := imgproc.Encode(&buf, src, &imgproc.EncodeOptions{Format: f}); err != nil {
				t.Fatal(err)
			}
			back, err := imgproc.Decode(buf.Bytes(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if back.Format != f || back.Image.Bounds() != src.Image.Bounds() {
				t.Errorf("wrote %s %v, read back %s %v", f, src.Image.Bounds(), back.Format, back.Image.Bounds())
			}
			min := 25.0
			if f == imgproc.GIF {
				min = 20 // 256 colours, dithered
			}
			if got := psnr(back.Image, src.Image); got < min {
				t.Errorf("PSNR after %s round trip = %.1f dB, want >= %v", f, got, min)
			}
		})
	}
	for _, tc := range []struct {
		name string
		err  error
		do   func() error
	}{
		{"unknown extension", imgproc.ErrFormat, func() error { _, err := imgproc.FormatFromExt("x.psd"); return err }},
		{"heic output", imgproc.ErrUnsupported, func() error {
			return imgproc.Encode(&bytes.Buffer{}, src, &imgproc.EncodeOptions{Format: imgproc.HEIC})
		}},
	} {
		if err := tc.do(); !errors.Is(err, tc.err) {
			t.Errorf("%s: error = %v, want %v", tc.name, err, tc.err)
		}
	}
	if err := imgproc.Encode(&bytes.Buffer{}, src, &imgproc.EncodeOptions{Quality: 101}); err == nil {
		t.Error("Encode with quality 101 succeeded, want an error")
	}
}

// TestEncodeEmptyImage checks that an empty image is an error in every
// format and with every JPEG codec: the pure-Go path once panicked on an
// empty *image.YCbCr, and wrote files that Decode refuses for others.
func TestEncodeEmptyImage(t *testing.T) {
	imgs := []image.Image{
		image.NewYCbCr(image.Rect(0, 0, 0, 5), image.YCbCrSubsampleRatio444),
		image.NewYCbCr(image.Rect(0, 0, 4, 0), image.YCbCrSubsampleRatio420),
		image.NewGray(image.Rect(0, 0, 0, 0)),
		image.NewNRGBA(image.Rect(0, 0, 3, 0)),
	}
	for _, f := range []imgproc.Format{imgproc.JPEG, imgproc.PNG, imgproc.GIF, imgproc.BMP, imgproc.TIFF} {
		for _, c := range []imgproc.JPEGCodec{imgproc.JPEGStd, imgproc.JPEGAuto} {
			for _, img := range imgs {
				var buf bytes.Buffer
				p := &imgproc.Picture{Image: img, Format: f, Oriented: true}
				err := imgproc.Encode(&buf, p, &imgproc.EncodeOptions{JPEG: c})
				if err == nil || buf.Len() != 0 {
					t.Errorf("Encode(%T %v, %s, %s) = %v with %d bytes, want an error and no output", img, img.Bounds(), f, c, err, buf.Len())
				}
			}
		}
	}
}

// TestQuality checks that a higher JPEG quality gives a larger file and a
// closer image, with 75 the default.
func TestQuality(t *testing.T) {
	src, err := imgproc.Decode(mustReadFile(t, "skimage-chelsea.jpg"), nil)
	if err != nil {
		t.Fatal(err)
	}
	size := map[int]int{}
	for _, q := range []int{0, 30, 75, 95} {
		var buf bytes.Buffer
		if err := imgproc.Encode(&buf, src, &imgproc.EncodeOptions{Quality: q}); err != nil {
			t.Fatal(err)
		}
		size[q] = buf.Len()
	}
	if size[0] != size[75] || !(size[30] < size[75] && size[75] < size[95]) {
		t.Errorf("sizes by quality = %v, want 0 == 75 and increasing", size)
	}
}

// TestYCbCrBlurPSNR compares the fast path (JPEG decoded to YCbCr, planes
// blurred) with Pillow's GaussianBlur on the RGB decode of the same file.
func TestYCbCrBlurPSNR(t *testing.T) {
	dir := t.TempDir()
	// A 4:4:4 copy exercises the chroma reduction to 4:2:0.
	runPillow(t, `
import sys
from PIL import Image
Image.open(sys.argv[1]).save(sys.argv[2], quality=95, subsampling=0)
`, filepath.Join("..", "testdata", "imgproc", "Landscape_1.jpg"), filepath.Join(dir, "landscape-444.jpg"))
	paths := []string{
		filepath.Join("..", "testdata", "imgproc", "skimage-chelsea.jpg"),
		filepath.Join("..", "testdata", "imgproc", "Landscape_1.jpg"),
		filepath.Join(dir, "landscape-444.jpg"),
	}
	sigmas := []float64{2, 5, 15}
	var args []string
	for _, path := range paths {
		for _, s := range sigmas {
			args = append(args, path, fmt.Sprint(s), filepath.Join(dir, fmt.Sprintf("%s-%v.png", filepath.Base(path), s)))
		}
	}
	runPillow(t, `
import sys
from PIL import Image, ImageFilter
a = sys.argv[1:]
for i in range(0, len(a), 3):
    Image.open(a[i]).convert("RGB").filter(ImageFilter.GaussianBlur(float(a[i+1]))).save(a[i+2])
`, args...)
	for _, codec := range []imgproc.JPEGCodec{imgproc.JPEGStd, imgproc.JPEGTurbo} {
		for _, path := range paths {
			f := filepath.Base(path)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sigmas {
				t.Run(fmt.Sprintf("%s/%s/sigma=%v", codec, f, s), func(t *testing.T) {
					skipWithoutCodec(t, codec)
					p, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: codec})
					if err != nil {
						t.Fatal(err)
					}
					got, err := imgproc.GaussianBlur(p.Image, s, nil)
					if err != nil {
						t.Fatal(err)
					}
					if _, ok := got.(*image.YCbCr); !ok {
						t.Fatalf("GaussianBlur(*image.YCbCr) returned %T", got)
					}
					want := mustReadPNG(t, filepath.Join(dir, fmt.Sprintf("%s-%v.png", f, s)))
					db := psnr(got, want)
					t.Logf("PSNR against Pillow: %.1f dB", db)
					if db < 45 || math.IsNaN(db) {
						t.Errorf("PSNR against Pillow = %.1f dB, want >= 45", db)
					}
				})
			}
		}
	}
}
