package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// TestImagesWebPOutput writes WebP, lossy and lossless, from a JPEG and a
// PNG with alpha: the files are named .webp, hold WebP (sniffed from the
// bytes), keep the size and the alpha.
func TestImagesWebPOutput(t *testing.T) {
	if _, err := imgproc.WebPInfo(); err != nil {
		t.Skipf("no WebP encoder (install libwebp7): %v", err)
	}
	in := t.TempDir()
	for _, name := range []string{"coffee-444.jpg", "with-alpha.png"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "imgproc", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(in, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		flags []string
	}{
		{"lossy", []string{"--format", "webp", "--quality", "70"}},
		{"lossless", []string{"--format", "webp", "--lossless"}},
		{"by template", []string{"--name", "{base}-small.webp"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			args := append([]string{"images", in, "-o", out, "--ops", "resize=200x", "--quiet"}, tc.flags...)
			if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			files, _ := filepath.Glob(filepath.Join(out, "*"))
			if len(files) != 2 {
				t.Fatalf("outputs %v, want 2", files)
			}
			for _, f := range files {
				if filepath.Ext(f) != ".webp" {
					t.Errorf("%s: want a .webp name", f)
				}
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				pic, err := imgproc.Decode(data, nil)
				if err != nil || pic.Format != imgproc.WebP || pic.Image.Bounds().Dx() != 200 {
					t.Errorf("%s: decodes to %v, %v; want a 200-pixel-wide WebP", f, pic, err)
					continue
				}
				if o, ok := pic.Image.(interface{ Opaque() bool }); strings.Contains(f, "alpha") && (!ok || o.Opaque()) {
					t.Errorf("%s: the alpha was lost (%T)", f, pic.Image)
				}
			}
		})
	}
}

// TestImagesFormatUsageErrors checks the format flags' usage errors: a
// template naming another format than --format (a mislabelled file),
// --lossless without WebP, an unknown format.
func TestImagesFormatUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--name", "{base}.webp", "--format", "jpeg"}, "names webp files, but the output format is jpeg"},
		{[]string{"--name", "{base}.txt"}, "not an image format"},
		{[]string{"--lossless"}, "--lossless is for WebP output"},
		{[]string{"--format", "png", "--lossless"}, "--lossless is for WebP output"},
		{[]string{"--format", "heic"}, `unknown output format "heic"`},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"images", "x.jpg", "-o", t.TempDir()}, tc.args...)
		if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("images %v: exit %d, stderr %q; want a usage error saying %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}
