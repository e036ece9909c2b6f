package imgproc_test

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// pythonPIL is the interpreter with Pillow used as the test oracle. Debian's
// python3-pil installs it under /usr/bin.
const pythonPIL = "/usr/bin/python3"

var pillowCheck = sync.OnceValue(func() error {
	return exec.Command(pythonPIL, "-c", "import PIL.Image, PIL.ImageFilter").Run()
})

// runPillow runs a Python script with Pillow and args, skipping the test when
// Pillow is not installed.
func runPillow(tb testing.TB, script string, args ...string) {
	tb.Helper()
	if err := pillowCheck(); err != nil {
		tb.Skipf("Pillow oracle unavailable (%s -c 'import PIL': %v); install Debian's python3-pil", pythonPIL, err)
	}
	cmd := exec.Command(pythonPIL, append([]string{"-c", script}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("pillow script failed: %v\n%s", err, out)
	}
}

func mustWritePNG(tb testing.TB, path string, img image.Image) {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func mustReadPNG(tb testing.TB, path string) image.Image {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("decode %s: %v", path, err)
	}
	return img
}

func mustReadFile(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "imgproc", name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// pixelsNRGBA returns the 8-bit straight-alpha samples of img, row by row.
func pixelsNRGBA(img image.Image) []byte {
	r := img.Bounds()
	out := make([]byte, 0, 4*r.Dx()*r.Dy())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := colorNRGBA(img.At(x, y))
			out = append(out, c.R, c.G, c.B, c.A)
		}
	}
	return out
}

func osReadTestdata(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("..", "testdata", "imgproc", name))
}
