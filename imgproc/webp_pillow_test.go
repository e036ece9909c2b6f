package imgproc_test

import (
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// webpGolden holds the digests of Pillow's decoding of the WebP test files
// (Image.open(f).convert("RGBA").tobytes()), for machines without Pillow.
const webpGolden = "../testdata/imgproc/webp-golden.json"

// pillowDecodeRGBA prints, for each file, the digest input: its RGBA bytes.
const pillowDecodeRGBA = `
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGBA")
open(sys.argv[2], "wb").write(im.tobytes())
`

// TestDecodeWebPPillow checks that WebP decodes to Pillow's pixels bit for
// bit: lossy (limited-range YCbCr, upsampled and converted as libwebp
// does, so white stays 255), lossy with alpha, odd sizes, and lossless.
func TestDecodeWebPPillow(t *testing.T) {
	golden := map[string]string{}
	if data, err := os.ReadFile(webpGolden); err == nil {
		if err := json.Unmarshal(data, &golden); err != nil {
			t.Fatal(err)
		}
	}
	live := pillowCheck() == nil
	if !live && len(golden) == 0 {
		t.Skipf("no golden file %s and no Pillow (Debian python3-pil) to compare with", webpGolden)
	}
	for _, file := range []string{"4.webp", "webp-lossy-odd.webp", "webp-lossy-alpha.webp", "webp-lossy-white.webp", "webp-lossless.webp"} {
		t.Run(file, func(t *testing.T) {
			pic, err := imgproc.Decode(mustReadFile(t, file), nil)
			if err != nil {
				t.Fatal(err)
			}
			got := pixelsNRGBA(pic.Image)
			if live {
				out := filepath.Join(t.TempDir(), "rgba")
				runPillow(t, pillowDecodeRGBA, filepath.Join("..", "testdata", "imgproc", file), out)
				want, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				if *update {
					golden[file] = digest(want)
				} else if golden[file] != digest(want) {
					t.Errorf("the golden digest of %s differs from Pillow's output; rerun with -update", file)
				}
				if len(got) != len(want) {
					t.Fatalf("%d bytes, Pillow %d", len(got), len(want))
				}
				n, first := 0, -1
				for i := range got {
					if got[i] != want[i] {
						if first < 0 {
							first = i
						}
						n++
					}
				}
				if n > 0 {
					t.Errorf("%d of %d samples differ from Pillow's, the first at pixel %d: %v, Pillow %v",
						n, len(got), first/4, got[first/4*4:first/4*4+4], want[first/4*4:first/4*4+4])
				}
				return
			}
			if digest(got) != golden[file] {
				t.Errorf("decoded pixels' digest %s, want Pillow's %s", digest(got)[:12], golden[file][:12])
			}
		})
	}
	if *update && live {
		js, _ := json.MarshalIndent(golden, "", " ")
		if err := os.WriteFile(webpGolden, append(js, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDecodeWebPWhite is the bug this decoding fixes, without an oracle:
// a lossy WebP of pure white decodes to 255, not to the 235 of its
// limited-range luma taken as full-range.
func TestDecodeWebPWhite(t *testing.T) {
	pic, err := imgproc.Decode(mustReadFile(t, "webp-lossy-white.webp"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pic.Image.(*image.RGBA); !ok {
		t.Errorf("lossy WebP without alpha decodes to %T, want an opaque *image.RGBA", pic.Image)
	}
	for i, v := range pixelsNRGBA(pic.Image) {
		if v != 255 {
			t.Fatalf("sample %d is %d, want 255 (white)", i, v)
		}
	}
}
