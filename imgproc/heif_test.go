package imgproc_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// heifGolden holds the digests of libvips' decoding of the HEIC and AVIF
// test files (vips copy to PNG, then the NRGBA samples), for machines
// without vips.
const heifGolden = "../testdata/imgproc/heif-golden.json"

// heifTransformed lists the test files made from another by adding HEIF
// transformations (irot, imir) to its primary image, and what they do to
// its pixels. TestHEIFTransformFixtures makes them.
var heifTransformed = []struct {
	file, base string
	props      [][]byte // whole property boxes, added in this order
	turn       func(image.Image) image.Image
}{
	{
		// A quarter turn anticlockwise (irot angle 1), then left and right
		// exchanged (imir axis 1).
		"coffee-irot-imir.heic", "coffee.heic",
		[][]byte{[]byte("\x00\x00\x00\x09irot\x01"), []byte("\x00\x00\x00\x09imir\x01")},
		func(m image.Image) image.Image { r, _ := imgproc.Rotate(m, -90); return imgproc.FlipH(r) },
	},
	{
		"coffee-irot-imir.avif", "coffee.avif",
		[][]byte{[]byte("\x00\x00\x00\x09irot\x01"), []byte("\x00\x00\x00\x09imir\x01")},
		func(m image.Image) image.Image { r, _ := imgproc.Rotate(m, -90); return imgproc.FlipH(r) },
	},
	{
		// A quarter turn clockwise (irot angle 3), agreeing with the EXIF
		// orientation 6 the file has, as iPhones write them.
		"landscape-irot-exif6.heic", "landscape-exif6.heic",
		[][]byte{[]byte("\x00\x00\x00\x09irot\x03")},
		func(m image.Image) image.Image { r, _ := imgproc.Rotate(m, 90); return r },
	},
}

// TestHEIFTransformFixtures makes the files of heifTransformed with -update
// and otherwise checks that they are what their recipe makes.
func TestHEIFTransformFixtures(t *testing.T) {
	for _, tc := range heifTransformed {
		data := mustReadFile(t, tc.base)
		var err error
		for _, p := range tc.props {
			if data, err = imgproc.HEIFWithProperty(data, p, true); err != nil {
				t.Fatalf("%s: %v", tc.file, err)
			}
		}
		path := filepath.Join("..", "testdata", "imgproc", tc.file)
		if *update {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if !bytes.Equal(mustReadFile(t, tc.file), data) {
			t.Errorf("%s is not %s with its transformations added; rerun with -update", tc.file, tc.base)
		}
	}
}

// TestDecodeHEIF decodes HEIC and AVIF (with alpha, 10-bit, turned and
// mirrored by HEIF transformations, with an EXIF orientation) and compares
// the pixels with libvips', an independent reader of the format (Pillow 9.4
// reads neither): bit for bit. The size must be the upright one: libheif
// applies the HEIF transformations, and an EXIF orientation in a HEIF file
// is not applied again (HEIF readers ignore it; libvips does too). Files
// made by adding transformations to another must decode to its pixels so
// transformed.
func TestDecodeHEIF(t *testing.T) {
	golden := map[string]string{}
	if data, err := os.ReadFile(heifGolden); err == nil {
		if err := json.Unmarshal(data, &golden); err != nil {
			t.Fatal(err)
		}
	}
	vips, vipsErr := exec.LookPath("vips")
	for _, tc := range []struct {
		file string
		w, h int // upright
	}{
		{"coffee.heic", 300, 198},
		{"coffee.avif", 300, 198},
		{"with-alpha.avif", 256, 192},
		// 10 bits a sample. libvips gives them as 16-bit samples (libheif's
		// 10-bit RGB shifted up by 6) and pixelsNRGBA keeps their high
		// byte: the same 8 bits as libheif's own 10-to-8-bit conversion,
		// which fanout asks for, bit for bit (rounding them instead would
		// move 22 % of the samples by one, 54.7 dB).
		{"coffee-10bit.heic", 300, 200},
		{"coffee-10bit.avif", 300, 200},
		{"coffee-irot-imir.heic", 198, 300},
		{"coffee-irot-imir.avif", 198, 300},
		// EXIF orientation 6 and no irot: the stored pixels are upright.
		{"landscape-exif6.heic", 180, 240},
		// irot and EXIF orientation 6: turned once.
		{"landscape-irot-exif6.heic", 240, 180},
	} {
		t.Run(tc.file, func(t *testing.T) {
			pic, err := imgproc.Decode(mustReadFile(t, tc.file), nil)
			if errors.Is(err, imgproc.ErrUnsupported) {
				t.Skipf("no libheif (install libheif1): %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := pic.Image.Bounds().Size(), image.Pt(tc.w, tc.h); got != want || pic.Width != tc.w || pic.Height != tc.h {
				t.Errorf("decoded %v (picture %dx%d), want %v", got, pic.Width, pic.Height, want)
			}
			if pic.Orientation != imgproc.OrientNormal || !pic.Oriented {
				t.Errorf("Orientation %v, Oriented %v: a HEIF file's EXIF orientation must not be applied", pic.Orientation, pic.Oriented)
			}
			for _, tr := range heifTransformed {
				if tr.file != tc.file {
					continue
				}
				base, err := imgproc.Decode(mustReadFile(t, tr.base), nil)
				if err != nil {
					t.Fatal(err)
				}
				if want := tr.turn(base.Image); !samePixels(pic.Image, want) {
					t.Errorf("differs from %s transformed %s", tr.base, psnrText(pic.Image, want))
				}
			}
			got := digest(pixelsNRGBA(pic.Image))
			if vipsErr != nil {
				if golden[tc.file] == "" {
					t.Skipf("no vips (install libvips-tools) and no golden digest for %s", tc.file)
				}
				if got != golden[tc.file] {
					t.Errorf("decoded pixels' digest %s, want libvips' %s", got[:12], golden[tc.file][:12])
				}
				return
			}
			want := mustVipsCopy(t, vips, filepath.Join("..", "testdata", "imgproc", tc.file))
			if !samePixels(pic.Image, want) {
				t.Errorf("differs from libvips' decoding %s", psnrText(pic.Image, want))
			}
			wd := digest(pixelsNRGBA(want))
			if *update {
				golden[tc.file] = wd
			} else if golden[tc.file] != wd {
				t.Errorf("the golden digest of %s differs from libvips' output; rerun with -update", tc.file)
			}
		})
	}
	if *update && vipsErr == nil {
		js, _ := json.MarshalIndent(golden, "", " ")
		if err := os.WriteFile(heifGolden, append(js, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// mustVipsCopy decodes the file at path with libvips (vips copy to PNG).
func mustVipsCopy(tb testing.TB, vips, path string) image.Image {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "vips.png")
	if b, err := exec.Command(vips, "copy", path, out).CombinedOutput(); err != nil {
		tb.Fatalf("vips copy %s: %v\n%s", path, err, b)
	}
	return mustReadPNG(tb, out)
}
