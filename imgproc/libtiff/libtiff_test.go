package libtiff_test

import (
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/fanout-dev/fanout/imgproc/libtiff"
)

func mustLoad(t *testing.T) *libtiff.Lib {
	t.Helper()
	lib, err := libtiff.Load()
	if err != nil {
		t.Skipf("libtiff not loadable (install libtiff6): %v", err)
	}
	return lib
}

func read(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "corpus", "tiff", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestLoad(t *testing.T) {
	lib := mustLoad(t)
	if s := lib.String(); !regexp.MustCompile(`^libtiff \d+\.\d+\.\d+ \(.+\)$`).MatchString(s) {
		t.Errorf("String() = %q", s)
	}
	if again, _ := libtiff.Load(); again != lib {
		t.Error("Load loaded the library twice")
	}
}

func TestDecodeConfig(t *testing.T) {
	lib := mustLoad(t)
	for _, tc := range []struct {
		file string
		want func(c libtiff.Config) bool
		what string
	}{
		{"planar-rgb16-tiled.tif", func(c libtiff.Config) bool {
			return c.Width == 64 && c.Height == 48 && c.SamplesPerPixel == 3 && c.BitsPerSample == 16 && c.PlanarConfig == 2 && c.Tiled && c.Photometric == libtiff.PhotometricRGB
		}, "64x48, 3 samples of 16 bits in separate tiled planes"},
		{"bigtiff-rgb8.tif", func(c libtiff.Config) bool { return c.BigTIFF && c.Width == 64 }, "BigTIFF"},
		{"cmyk8.tif", func(c libtiff.Config) bool { return c.Photometric == libtiff.PhotometricSeparated && c.InkSet == 1 }, "CMYK"},
		{"fillorder2-rgb8.tif", func(c libtiff.Config) bool { return c.FillOrder == 2 }, "FillOrder 2"},
		{"orient6.tif", func(c libtiff.Config) bool { return c.Orientation == 6 }, "orientation 6"},
		{"float32-grey.tif", func(c libtiff.Config) bool { return c.SampleFormat == libtiff.SampleFloat && c.BitsPerSample == 32 }, "32-bit float"},
		{"rgba8-unassoc.tif", func(c libtiff.Config) bool { a, assoc := c.Alpha(); return a && !assoc }, "unassociated alpha"},
		{"rgba8-assoc.tif", func(c libtiff.Config) bool { a, assoc := c.Alpha(); return a && assoc }, "associated alpha"},
		{"rgb8-extra-unspecified.tif", func(c libtiff.Config) bool { a, _ := c.Alpha(); return !a && len(c.ExtraSamples) == 1 }, "an unspecified extra sample"},
		{"jpeg-ycbcr.tif", func(c libtiff.Config) bool { return c.Compression == 7 && c.Photometric == libtiff.PhotometricYCbCr }, "JPEG YCbCr"},
	} {
		c, err := lib.DecodeConfig(read(t, tc.file))
		if err != nil || !tc.want(c) {
			t.Errorf("DecodeConfig(%s) = %+v, %v; want %s", tc.file, c, err, tc.what)
		}
	}
}

func TestDecode(t *testing.T) {
	lib := mustLoad(t)
	for _, tc := range []struct {
		file string
		want image.Image
	}{
		{"rgb8.tif", &image.RGBA{}},
		{"grey8-lzw.tif", &image.Gray{}},
		{"grey16.tif", &image.Gray16{}},
		{"grey12.tif", &image.Gray16{}},
		{"rgb16.tif", &image.RGBA64{}},
		{"planar-rgb16-tiled-zip.tif", &image.RGBA64{}},
		{"rgba16-unassoc.tif", &image.NRGBA64{}},
		{"rgba8-unassoc.tif", &image.NRGBA{}},
		{"rgba8-assoc.tif", &image.RGBA{}},
		{"grey-alpha8.tif", &image.NRGBA{}},
		{"cmyk16.tif", &image.CMYK{}},
		{"lab16-im.tif", &image.RGBA64{}},
		{"jpeg-ycbcr.tif", &image.RGBA{}},
		{"ojpeg.tif", &image.RGBA{}},
		{"bilevel-g4.tif", &image.Gray{}},
		{"float32-rgb.tif", &image.RGBA{}},
	} {
		img, err := lib.Decode(read(t, tc.file), 0)
		if err != nil {
			t.Errorf("Decode(%s): %v", tc.file, err)
			continue
		}
		if fmt.Sprintf("%T", img) != fmt.Sprintf("%T", tc.want) || img.Bounds() != image.Rect(0, 0, 64, 48) {
			t.Errorf("Decode(%s) = %T %v, want %T 64x48", tc.file, img, img.Bounds(), tc.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	lib := mustLoad(t)
	notTIFF := []byte("II*\x00\x08\x00\x00\x00\x01\x00\xff\xff\x03\x00\x01\x00\x00\x00\x01\x00\x00\x00")
	for _, tc := range []struct {
		name    string
		data    []byte
		max     int64
		is      error
		message string
	}{
		{"truncated pixels", read(t, "truncated-raw.tif"), 0, libtiff.ErrTruncated, "Read error"},
		{"truncated directory", read(t, "truncated-lzw.tif"), 0, libtiff.ErrTruncated, "directory"},
		{"4-bit RGB", read(t, "rgb4.tif"), 0, libtiff.ErrUnsupported, "Sorry, can not handle"},
		{"CMYK with alpha", read(t, "cmyka8.tif"), 0, libtiff.ErrUnsupported, "CMYK"},
		{"over the budget", read(t, "rgb8.tif"), 64*48 - 1, libtiff.ErrTooLarge, "64x48"},
		{"no image", notTIFF, 0, nil, "TIFF directory is missing required"},
		{"short", []byte("II*\x00"), 0, libtiff.ErrTruncated, "4 bytes"},
	} {
		_, err := lib.Decode(tc.data, tc.max)
		switch {
		case err == nil:
			t.Errorf("%s: decoded", tc.name)
		case tc.is != nil && !errors.Is(err, tc.is):
			t.Errorf("%s: %v, want it to wrap %v", tc.name, err, tc.is)
		case !strings.Contains(err.Error(), tc.message):
			t.Errorf("%s: %q does not say %q", tc.name, err, tc.message)
		}
	}
}

// TestConcurrent decodes good and broken files at once: each call must
// get its own result and libtiff's messages about its own data only.
func TestConcurrent(t *testing.T) {
	lib := mustLoad(t)
	good, truncated, unsupported := read(t, "planar-rgb16-tiled.tif"), read(t, "truncated-raw.tif"), read(t, "rgb4.tif")
	want, err := lib.Decode(good, 0)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Go(func() {
			for range 20 {
				switch g % 3 {
				case 0:
					img, err := lib.Decode(good, 0)
					if err != nil || string(img.(*image.RGBA64).Pix) != string(want.(*image.RGBA64).Pix) {
						errs <- fmt.Errorf("good file: %v", err)
						return
					}
				case 1:
					_, err := lib.Decode(truncated, 0)
					if !errors.Is(err, libtiff.ErrTruncated) || strings.Contains(err.Error(), "Sorry") {
						errs <- fmt.Errorf("truncated file: %v", err)
						return
					}
				case 2:
					_, err := lib.Decode(unsupported, 0)
					if !errors.Is(err, libtiff.ErrUnsupported) || strings.Contains(err.Error(), "Read error") {
						errs <- fmt.Errorf("4-bit RGB: %v", err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
