package imgproc_test

import (
	"encoding/json"
	"errors"
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

// TestDecodeHEIF decodes HEIC and AVIF (with alpha too) and compares the
// pixels with libvips', an independent reader of the format (Pillow 9.4
// reads neither): bit for bit.
func TestDecodeHEIF(t *testing.T) {
	golden := map[string]string{}
	if data, err := os.ReadFile(heifGolden); err == nil {
		if err := json.Unmarshal(data, &golden); err != nil {
			t.Fatal(err)
		}
	}
	vips, vipsErr := exec.LookPath("vips")
	for _, file := range []string{"coffee.heic", "coffee.avif", "with-alpha.avif"} {
		t.Run(file, func(t *testing.T) {
			pic, err := imgproc.Decode(mustReadFile(t, file), nil)
			if errors.Is(err, imgproc.ErrUnsupported) {
				t.Skipf("no libheif (install libheif1): %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			got := digest(pixelsNRGBA(pic.Image))
			if vipsErr != nil {
				if golden[file] == "" {
					t.Skipf("no vips (install libvips-tools) and no golden digest for %s", file)
				}
				if got != golden[file] {
					t.Errorf("decoded pixels' digest %s, want libvips' %s", got[:12], golden[file][:12])
				}
				return
			}
			out := filepath.Join(t.TempDir(), "vips.png")
			if b, err := exec.Command(vips, "copy", filepath.Join("..", "testdata", "imgproc", file), out).CombinedOutput(); err != nil {
				t.Fatalf("vips copy: %v\n%s", err, b)
			}
			want := mustReadPNG(t, out)
			if !samePixels(pic.Image, want) {
				t.Errorf("differs from libvips' decoding (%.1f dB)", psnr(pic.Image, want))
			}
			wd := digest(pixelsNRGBA(want))
			if *update {
				golden[file] = wd
			} else if golden[file] != wd {
				t.Errorf("the golden digest of %s differs from libvips' output; rerun with -update", file)
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
