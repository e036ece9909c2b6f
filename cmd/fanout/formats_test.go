package main

import (
	"bytes"
	"image/gif"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// TestImagesWebOutput writes WebP, lossy and lossless, and AVIF from a
// JPEG and a PNG with alpha: the files are named for their format, hold it
// (sniffed from the bytes), keep the size and the alpha.
func TestImagesWebOutput(t *testing.T) {
	var webpErr error // WebP is always written (natively or in WebAssembly)
	_, avifErr := imgproc.AVIFInfo()
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
		name   string
		format imgproc.Format
		flags  []string
	}{
		{"webp lossy", imgproc.WebP, []string{"--format", "webp", "--quality", "70"}},
		{"webp lossless", imgproc.WebP, []string{"--format", "webp", "--lossless"}},
		{"webp by template", imgproc.WebP, []string{"--name", "{base}-small.webp"}},
		{"avif", imgproc.AVIF, []string{"--format", "avif"}},
		{"avif by template", imgproc.AVIF, []string{"--name", "{base}.avif", "--quality", "40"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := map[imgproc.Format]error{imgproc.WebP: webpErr, imgproc.AVIF: avifErr}[tc.format]; err != nil {
				t.Skipf("no %s encoder (install libwebp7, libheif1): %v", tc.format, err)
			}
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
				if filepath.Ext(f) != tc.format.Ext() {
					t.Errorf("%s: want a %s name", f, tc.format.Ext())
				}
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				pic, err := imgproc.Decode(data, nil)
				if err != nil || pic.Format != tc.format || pic.Image.Bounds().Dx() != 200 {
					t.Errorf("%s: decodes to %v, %v; want a 200-pixel-wide %s", f, pic, err, tc.format)
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
		{[]string{"--format", "avif", "--lossless"}, "--lossless is for WebP output"},
		{[]string{"--format", "heic"}, `unknown output format "heic"`},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"images", "x.jpg", "-o", t.TempDir()}, tc.args...)
		if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("images %v: exit %d, stderr %q; want a usage error saying %q", tc.args, code, stderr.String(), tc.want)
		}
	}
}

// TestImagesAnimatedGIF: an animated GIF resized by half keeps every frame,
// at half the size, with its delays; --frames first keeps a still.
func TestImagesAnimatedGIF(t *testing.T) {
	src := filepath.Join("..", "..", "testdata", "imgproc", "animated-loop-3.gif")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flags  []string
		frames int
	}{
		{nil, len(orig.Image)},
		{[]string{"--frames", "first"}, 1},
	} {
		out := t.TempDir()
		var stdout, stderr bytes.Buffer
		args := append([]string{"images", src, "-o", out, "--ops", "resize=50%", "--quiet"}, tc.flags...)
		if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
			t.Fatalf("%v: exit %d: %s", tc.flags, code, stderr.String())
		}
		got, err := os.ReadFile(filepath.Join(out, "processed_animated-loop-3.gif"))
		if err != nil {
			t.Fatal(err)
		}
		g, err := gif.DecodeAll(bytes.NewReader(got))
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Image) != tc.frames || g.Config.Width != (orig.Config.Width+1)/2 {
			t.Errorf("%v: %d frames %d wide, want %d frames %d wide", tc.flags, len(g.Image), g.Config.Width, tc.frames, (orig.Config.Width+1)/2)
		}
		if tc.frames > 1 && !slices.Equal(g.Delay, orig.Delay) {
			t.Errorf("delays %v, want %v", g.Delay, orig.Delay)
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"images", src, "--frames", "some"}, strings.NewReader(""), &stdout, &stderr); code != exitUsage {
		t.Errorf("--frames some: exit %d, want a usage error", code)
	}
}
