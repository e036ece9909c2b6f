package main

import (
	"bytes"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImagesIsolate runs the image work in worker processes: good photos
// mixed with broken files, and one photo too big for the workers' memory
// limit. Each bad item costs itself only: its worker is replaced and every
// good photo is done.
func TestImagesIsolate(t *testing.T) {
	in := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(in, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	srcs := []string{
		write("good-1.jpg", demoPhoto(t, "kde-fallenleaf.jpg")),
		write("corrupt.jpg", readTestdata(t, "imgproc/corrupt-header.jpg")),
		write("good-2.jpg", demoPhoto(t, "skimage-coffee.jpg")),
		write("bomb.png", pngBomb(t, 30000, 30000)),
		write("good-3.png", readTestdata(t, "imgproc/with-alpha.png")),
		write("notimage.jpg", []byte("GIF89a but not really")),
		write("good-4.jpg", demoPhoto(t, "kde-coldripple.jpg")),
	}
	out := t.TempDir()
	args := append([]string{"images", "--isolate", "--workers", "2", "--blur", "4", "-o", out}, srcs...)
	code, _, stderr := runFanout(t, args...)
	if code != 1 {
		t.Errorf("exit status %d, want 1; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "4 done, 3 failed") {
		t.Errorf("summary wrong:\n%s", stderr)
	}
	for _, bad := range []string{"corrupt.jpg: ", "bomb.png: ", "notimage.jpg: "} {
		if !strings.Contains(stderr, bad) {
			t.Errorf("stderr does not report %s:\n%s", bad, stderr)
		}
	}
	if names := checkNoPartialFiles(t, out); len(names) != 4 {
		t.Errorf("outputs %v, want the 4 good photos", names)
	}
}

// TestImagesIsolateMemoryLimit gives the worker processes too little memory
// for a large photo: scaled up twice and sharpened it needs about 700 MB
// (the sharpen works on 4-byte pixels and keeps the image and its blur)
// against a limit of 512 MB, while the small photos need much less. That item fails with the limit named, the
// worker is replaced, and the small photos are done.
func TestImagesIsolateMemoryLimit(t *testing.T) {
	big := bigJPEG(t, 4000, 3000)
	in := t.TempDir()
	var srcs []string
	for i, data := range [][]byte{demoPhoto(t, "kde-darkesthour.jpg"), big, demoPhoto(t, "skimage-chelsea.jpg")} {
		p := filepath.Join(in, []string{"small-1.jpg", "big.jpg", "small-2.jpg"}[i])
		os.WriteFile(p, data, 0o644)
		srcs = append(srcs, p)
	}
	out := t.TempDir()
	args := append([]string{"images", "--isolate", "--workers", "1", "--memory-limit", "512000000", "--ops", "resize=200%,sharpen", "-o", out}, srcs...)
	code, _, stderr := runFanout(t, args...)
	if code != 1 {
		t.Errorf("exit status %d, want 1; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"2 done, 1 failed", "big.jpg: proc: worker", "memory limit exceeded"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if names := checkNoPartialFiles(t, out); len(names) != 2 {
		t.Errorf("outputs %v, want the 2 small photos", names)
	}
}

// bigJPEG returns a w×h JPEG of a colour gradient.
func bigJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
