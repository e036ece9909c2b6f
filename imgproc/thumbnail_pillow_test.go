package imgproc_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// thumbGoldenDir holds Pillow's thumbnail() of the test JPEGs as PNG, for
// the tests to compare with on machines without Pillow.
const thumbGoldenDir = "../testdata/imgproc/thumbnail"

// jpegThumbCases are JPEGs of each layout (4:2:0, 4:2:2, 4:4:4,
// progressive, grey, odd sizes) and sizes that make Pillow's draft() pick
// each scale: 1, 2, 4 and 8 for the 601×397 files.
var jpegThumbCases = []struct {
	file  string
	size  [2]int
	minDB float64 // for the YCbCr and pure-Go paths; 0 means 45
}{
	{"coffee-444.jpg", [2]int{200, 200}, 0},
	{"coffee-444.jpg", [2]int{150, 150}, 0},
	{"coffee-444.jpg", [2]int{70, 70}, 0},
	{"coffee-444.jpg", [2]int{37, 37}, 0},
	{"coffee-progressive.jpg", [2]int{150, 150}, 0},
	// A 37-pixel thumbnail of a 1/8-scale decode has one chroma sample
	// per output pixel: Pillow's chroma went through libjpeg's triangular
	// upsampling first, imgproc's did not, and at this size that shows.
	{"coffee-progressive.jpg", [2]int{37, 1000}, 42},
	{"coffee-grey.jpg", [2]int{70, 70}, 0},
	{"coffee-grey.jpg", [2]int{199, 199}, 0},
	{"coffee-422.jpg", [2]int{97, 97}, 0},
	{"coffee-422.jpg", [2]int{30, 30}, 0},
	{"skimage-chelsea.jpg", [2]int{100, 100}, 0},
	{"skimage-chelsea.jpg", [2]int{56, 1000}, 0},
}

// pillowThumbnail writes Pillow's thumbnail of each JPEG, opened afresh so
// that draft() applies, as PNG.
const pillowThumbnail = `
import sys
from PIL import Image
src, w, h, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
im = Image.open(src)
im.thumbnail((w, h))
im.save(out)
`

func thumbGoldenName(file string, size [2]int) string {
	return fmt.Sprintf("%s-%dx%d.png", file[:len(file)-len(filepath.Ext(file))], size[0], size[1])
}

// TestThumbnailJPEGPillow compares the thumbnail operation on JPEG input,
// shrink-on-load included, with Pillow's Image.thumbnail on the same file:
// bit for bit when libjpeg-turbo decodes to RGB (DecodeOptions.RGB, the
// decode Pillow does), at least 45 dB when it decodes to YCbCr planes
// (fanout's default: the planes are resized as they are), and at least
// 45 dB with the pure-Go decoder (image/jpeg upsamples chroma differently
// and cannot scale in the DCT domain, so it decodes fully and averages).
func TestThumbnailJPEGPillow(t *testing.T) {
	live := pillowCheck() == nil
	if *update {
		if !live {
			t.Fatal("-update needs Pillow (Debian python3-pil)")
		}
		os.MkdirAll(thumbGoldenDir, 0o755)
	}
	var turboErr error
	if _, err := imgproc.Decode(mustReadFile(t, "skimage-chelsea.jpg"), &imgproc.DecodeOptions{JPEG: imgproc.JPEGTurbo}); err != nil {
		turboErr = err
	}
	for _, tc := range jpegThumbCases {
		name := thumbGoldenName(tc.file, tc.size)
		t.Run(name, func(t *testing.T) {
			golden := filepath.Join(thumbGoldenDir, name)
			if live {
				out := golden
				if !*update {
					out = filepath.Join(t.TempDir(), name)
				}
				runPillow(t, pillowThumbnail, filepath.Join("..", "testdata", "imgproc", tc.file),
					fmt.Sprint(tc.size[0]), fmt.Sprint(tc.size[1]), out)
				if !*update && !samePixels(mustReadPNG(t, out), mustReadPNG(t, golden)) {
					t.Errorf("%s differs from Pillow's output; rerun with -update", golden)
				}
				golden = out
			}
			want := mustReadPNG(t, golden)
			minDB := cmp.Or(tc.minDB, 45)
			data := mustReadFile(t, tc.file)
			ops, err := imgproc.ParseOps(fmt.Sprintf("thumbnail=%dx%d", tc.size[0], tc.size[1]))
			if err != nil {
				t.Fatal(err)
			}
			run := func(opts imgproc.DecodeOptions) (image.Image, int) {
				opts.Draft, opts.KeepOrientation = ops.DraftScale, true
				pic, err := imgproc.Decode(data, &opts)
				if err != nil {
					t.Fatal(err)
				}
				img, err := ops.ApplyPicture(t.Context(), pic, nil)
				if err != nil {
					t.Fatal(err)
				}
				return img, pic.Scale
			}
			if turboErr == nil {
				got, scale := run(imgproc.DecodeOptions{JPEG: imgproc.JPEGTurbo, RGB: true})
				if got.Bounds() != want.Bounds() || !samePixels(got, want) {
					t.Errorf("libjpeg-turbo, RGB, scale 1/%d: %v %s, want Pillow's %v bit for bit",
						scale, got.Bounds().Size(), psnrText(got, want), want.Bounds().Size())
				}
				got, _ = run(imgproc.DecodeOptions{JPEG: imgproc.JPEGTurbo})
				if db := psnr(got, want); got.Bounds() != want.Bounds() || db < minDB {
					t.Errorf("libjpeg-turbo, YCbCr planes, scale 1/%d: %.1f dB from Pillow, want at least %g", scale, db, minDB)
				}
			} else {
				t.Logf("libjpeg-turbo paths not checked: %v (install libturbojpeg0)", turboErr)
			}
			got, _ := run(imgproc.DecodeOptions{JPEG: imgproc.JPEGStd})
			if got.Bounds().Size() != want.Bounds().Size() {
				t.Fatalf("pure Go: %v, want %v", got.Bounds().Size(), want.Bounds().Size())
			}
			if db := psnr(got, want); db < minDB {
				t.Errorf("pure Go: %.1f dB from Pillow, want at least %g", db, minDB)
			}
		})
	}
}

// samePixels reports whether a and b have the same bounds and the same
// 8-bit colours.
func samePixels(a, b image.Image) bool {
	if a.Bounds().Size() != b.Bounds().Size() {
		return false
	}
	pa, pb := pixelsNRGBA(a), pixelsNRGBA(b)
	for i := range pa {
		if pa[i] != pb[i] {
			return false
		}
	}
	return true
}

func psnrText(a, b image.Image) string {
	if a.Bounds().Size() != b.Bounds().Size() {
		return "(sizes differ)"
	}
	return fmt.Sprintf("(%.1f dB)", psnr(a, b))
}

// jpegDecodeGolden holds the digests of Pillow's decoding of the test
// JPEGs (Image.open(f).convert("RGB") or "L", tobytes), for machines without
// Pillow.
const jpegDecodeGolden = "../testdata/imgproc/jpeg-decode-golden.json"

// TestDecodeJPEGRGBPillow checks that a JPEG decoded with
// DecodeOptions.RGB through libjpeg-turbo is Pillow's decoding bit for bit:
// every layout (4:4:4, 4:2:2, 4:2:0, progressive, grey).
func TestDecodeJPEGRGBPillow(t *testing.T) {
	golden := map[string]string{}
	if data, err := os.ReadFile(jpegDecodeGolden); err == nil {
		if err := json.Unmarshal(data, &golden); err != nil {
			t.Fatal(err)
		}
	}
	live := pillowCheck() == nil
	for _, file := range []string{"coffee-444.jpg", "coffee-422.jpg", "coffee-progressive.jpg", "coffee-grey.jpg", "skimage-chelsea.jpg"} {
		t.Run(file, func(t *testing.T) {
			pic, err := imgproc.Decode(mustReadFile(t, file), &imgproc.DecodeOptions{JPEG: imgproc.JPEGTurbo, RGB: true, KeepOrientation: true})
			if errors.Is(err, imgproc.ErrUnsupported) {
				t.Skipf("libjpeg-turbo unavailable (install libturbojpeg0): %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			switch m := pic.Image.(type) {
			case *image.Gray:
				got = m.Pix
			default:
				for i, v := range pixelsNRGBA(m) {
					if i%4 != 3 {
						got = append(got, v)
					}
				}
			}
			if !live {
				if golden[file] == "" {
					t.Skipf("no Pillow (Debian python3-pil) and no golden digest for %s", file)
				}
				if digest(got) != golden[file] {
					t.Errorf("decoded pixels' digest differs from Pillow's")
				}
				return
			}
			out := filepath.Join(t.TempDir(), "raw")
			runPillow(t, `
import sys
from PIL import Image
im = Image.open(sys.argv[1])
im = im.convert("L" if im.mode == "L" else "RGB")
open(sys.argv[2], "wb").write(im.tobytes())
`, filepath.Join("..", "testdata", "imgproc", file), out)
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("differs from Pillow's decoding")
			}
			if *update {
				golden[file] = digest(want)
			}
		})
	}
	if *update && live {
		js, _ := json.MarshalIndent(golden, "", " ")
		if err := os.WriteFile(jpegDecodeGolden, append(js, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
