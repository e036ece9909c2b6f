package imgproc

import (
	"image"
	"os/exec"
	"testing"
)

// UseTIFFPortable makes TIFF go through golang.org/x/image/tiff, and the
// refusals of what it cannot read right, until the test ends, so that the
// tests of package imgproc_test check the fallback on machines with
// libtiff too. Tests using it must not run in parallel with other TIFF
// tests.
func UseTIFFPortable(tb testing.TB) {
	tb.Helper()
	forceTIFFPortable.Store(true)
	tb.Cleanup(func() { forceTIFFPortable.Store(false) })
}

// TestPillowCMYKToRGB checks pillowCMYKToRGB against Pillow's own CMYK to
// RGB conversion, on every pair of an ink and black values.
func TestPillowCMYKToRGB(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import PIL.Image").Run(); err != nil {
		t.Skipf("Pillow oracle unavailable (/usr/bin/python3 -c 'import PIL.Image': %v); install Debian's python3-pil", err)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", `
import sys
from PIL import Image
im = Image.new("CMYK", (256, 256))
im.putdata([(c, 255 - c, c // 2, k) for k in range(256) for c in range(256)])
sys.stdout.buffer.write(im.convert("RGB").tobytes())
`).Output()
	if err != nil {
		t.Fatal(err)
	}
	m := image.NewCMYK(image.Rect(0, 0, 256, 256))
	for k := range 256 {
		for c := range 256 {
			copy(m.Pix[m.PixOffset(c, k):], []byte{byte(c), byte(255 - c), byte(c / 2), byte(k)})
		}
	}
	got := pillowCMYKToRGB(m)
	for i := range 256 * 256 {
		if g, w := got.Pix[4*i:4*i+3], out[3*i:3*i+3]; string(g) != string(w) {
			t.Fatalf("CMYK %v: RGB %v, Pillow gives %v", m.Pix[4*i:4*i+4], g, w)
		}
	}
}
