package imgproc_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/imgproc/libtiff"
	"golang.org/x/image/tiff"
)

// TestTIFF16BitKept checks that 16-bit TIFFs keep their 16 bits through a
// decode and a PNG or TIFF encode, with libtiff (separate tiled planes) and
// with the portable decoder (interleaved).
func TestTIFF16BitKept(t *testing.T) {
	for _, tc := range []struct {
		file     string
		portable bool
	}{
		{"planar-rgb16-tiled.tif", false},
		{"rgb16-lzw-pred.tif", true},
		{"grey16.tif", true},
		{"rgba16-unassoc.tif", true},
	} {
		t.Run(tc.file, func(t *testing.T) {
			if tc.portable {
				imgproc.UseTIFFPortable(t)
			} else if _, err := libtiff.Load(); err != nil {
				t.Skipf("no libtiff (apt install libtiff6): %v", err)
			}
			data, err := os.ReadFile(filepath.Join(tiffCorpusDir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			pic, err := imgproc.Decode(data, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := tiffSamples(pic.Image, "deep")
			low := false
			for i := 1; i < len(want); i += 2 {
				low = low || want[i] != want[i-1]
			}
			if !low {
				t.Fatalf("%T: the low bytes repeat the high ones: 16 bits lost in decoding", pic.Image)
			}
			for _, f := range []imgproc.Format{imgproc.PNG, imgproc.TIFF} {
				var buf bytes.Buffer
				if err := imgproc.Encode(&buf, pic, &imgproc.EncodeOptions{Format: f}); err != nil {
					t.Fatal(err)
				}
				var back image.Image
				if f == imgproc.PNG {
					back, err = png.Decode(&buf)
				} else {
					back, err = tiff.Decode(&buf)
				}
				if err != nil {
					t.Fatal(err)
				}
				if got := tiffSamples(back, "deep"); !slices.Equal(got, want) {
					n, _ := diffCount(got, want)
					t.Errorf("%s written as %s (%T) and read back: %d sample bytes differ", tc.file, f, back, n)
				}
			}
		})
	}
}

// TestTIFFPortableRefusals checks what the portable decoder says of the
// variants it cannot read right: the variant, and what to install.
func TestTIFFPortableRefusals(t *testing.T) {
	imgproc.UseTIFFPortable(t)
	for file, variant := range map[string]string{
		"fillorder2-grey16.tif":  "FillOrder 2",
		"planar-rgb16-tiled.tif": "separate colour planes",
		"bigtiff-rgb8.tif":       "BigTIFF",
		"cmyk8.tif":              "CMYK",
		"jpeg-ycbcr.tif":         "YCbCr",
		"bilevel-g4.tif":         "BlackIsZero",
		"unsorted-tags.tif":      "unsorted tags",
		"grey12.tif":             "12-bit samples",
	} {
		data, err := os.ReadFile(filepath.Join(tiffCorpusDir, file))
		if err != nil {
			t.Fatal(err)
		}
		_, err = imgproc.Decode(data, nil)
		if !errors.Is(err, imgproc.ErrUnsupported) || !strings.Contains(err.Error(), variant) || !strings.Contains(err.Error(), "apt install libtiff6") {
			t.Errorf("%s: %v; want ErrUnsupported naming %q and saying what to install", file, err, variant)
		}
	}
	if info := imgproc.TIFFInfo(); !strings.Contains(info, "golang.org/x/image/tiff") || !strings.Contains(info, "libtiff") {
		t.Errorf("TIFFInfo() = %q without libtiff", info)
	}
}

// TestTIFFBudget checks that a TIFF over the pixel budget is refused from
// its header, by both decoders and for BigTIFF.
func TestTIFFBudget(t *testing.T) {
	for _, file := range []string{"rgb8.tif", "planar-rgb16-tiled.tif", "bigtiff-rgb8.tif"} {
		data, err := os.ReadFile(filepath.Join(tiffCorpusDir, file))
		if err != nil {
			t.Fatal(err)
		}
		_, err = imgproc.Decode(data, &imgproc.DecodeOptions{MaxPixels: 64*48 - 1})
		var tl *imgproc.TooLargeError
		if _, libErr := libtiff.Load(); libErr != nil && file == "bigtiff-rgb8.tif" {
			if !errors.Is(err, imgproc.ErrUnsupported) {
				t.Errorf("%s without libtiff: %v, want ErrUnsupported", file, err)
			}
			continue
		}
		if !errors.As(err, &tl) || tl.Width != 64 || tl.Height != 48 {
			t.Errorf("%s: %v, want a *TooLargeError for 64x48", file, err)
		}
	}
}
