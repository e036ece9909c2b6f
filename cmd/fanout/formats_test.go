package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"image"
	"image/draw"
	"image/gif"
	"os"
	"os/exec"
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

// TestImagesAnimatedWebP: an animated GIF converted to WebP, and an
// animated WebP resized, keep every frame, at the size asked, with their
// delays and loop count; as a still (PNG) they keep the first frame.
func TestImagesAnimatedWebP(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "imgproc")
	for _, tc := range []struct {
		src, name string
		flags     []string
		format    imgproc.Format
		frames    int
	}{
		{"animated-loop-3.gif", "processed_animated-loop-3.webp", []string{"--format", "webp", "--ops", "resize=50%"}, imgproc.WebP, 10},
		{"anim-sprite.webp", "processed_anim-sprite.webp", []string{"--format", "webp", "--ops", "resize=32x24", "--lossless"}, imgproc.WebP, 6},
		{"anim-sprite.webp", "processed_anim-sprite.gif", []string{"--format", "gif", "--ops", "flipv"}, imgproc.GIF, 6},
		{"anim-sprite.webp", "processed_anim-sprite.png", []string{"--format", "png"}, imgproc.PNG, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tc.src))
			if err != nil {
				t.Fatal(err)
			}
			src, err := imgproc.DecodeAnimation(data, nil)
			if err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			args := append([]string{"images", filepath.Join(dir, tc.src), "-o", out, "--quiet"}, tc.flags...)
			if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			got, err := os.ReadFile(filepath.Join(out, tc.name))
			if err != nil {
				t.Fatal(err)
			}
			if f, _ := imgproc.Sniff(got); f != tc.format {
				t.Fatalf("wrote %s, want %s", f, tc.format)
			}
			if tc.frames == 1 {
				pic, err := imgproc.Decode(got, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(nrgbaPix(pic.Image), nrgbaPix(src.Frames[0])) {
					t.Error("the still is not the first frame")
				}
				return
			}
			a, err := imgproc.DecodeAnimation(got, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Frames) != tc.frames || a.Loops != src.Loops {
				t.Errorf("%d frames looping %d times, want %d looping %d", len(a.Frames), a.Loops, tc.frames, src.Loops)
			}
			if !slices.Equal(a.Delays, src.Delays) {
				t.Errorf("delays %v, want %v", a.Delays, src.Delays)
			}
		})
	}
}

// TestImagesMetadataFlags: EXIF is dropped by default and kept with
// --keep-exif (orientation reset to 1, the pixels being upright) in JPEG,
// PNG and WebP; --strip-icc drops the profile; --background colours what
// was transparent in JPEG output.
func TestImagesMetadataFlags(t *testing.T) {
	src := filepath.Join("..", "..", "testdata", "imgproc", "Landscape_6.jpg")
	for _, tc := range []struct {
		flags    []string
		ext      string
		wantEXIF bool
		wantICC  bool
	}{
		{nil, ".jpg", false, true},
		{[]string{"--keep-exif"}, ".jpg", true, true},
		{[]string{"--keep-exif", "--format", "png"}, ".png", true, true},
		{[]string{"--keep-exif", "--format", "webp"}, ".webp", true, true},
		{[]string{"--strip-icc"}, ".jpg", false, false},
		{[]string{"--strip"}, ".jpg", false, false},
		{[]string{"--strip", "--format", "webp"}, ".webp", false, false},
	} {
		out := t.TempDir()
		var stdout, stderr bytes.Buffer
		args := append([]string{"images", src, "-o", out, "--quiet"}, tc.flags...)
		if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
			t.Fatalf("%v: exit %d: %s", tc.flags, code, stderr.String())
		}
		data, err := os.ReadFile(filepath.Join(out, "processed_Landscape_6"+tc.ext))
		if err != nil {
			t.Fatal(err)
		}
		pic, err := imgproc.Decode(data, &imgproc.DecodeOptions{KeepOrientation: true})
		if err != nil {
			t.Fatal(err)
		}
		if (len(pic.EXIF) > 0) != tc.wantEXIF || (len(pic.ICC) > 0) != tc.wantICC {
			t.Errorf("%v: EXIF %d bytes, ICC %d bytes; want EXIF %v, ICC %v", tc.flags, len(pic.EXIF), len(pic.ICC), tc.wantEXIF, tc.wantICC)
		}
		if tc.wantEXIF && pic.Orientation != imgproc.OrientNormal {
			t.Errorf("%v: kept EXIF says orientation %d, want 1 (the pixels are upright)", tc.flags, pic.Orientation)
		}
	}
	// A translucent PNG (91, 0, 194 at alpha 168 everywhere) flattened on
	// black: (60, 0, 128).
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	alpha := filepath.Join("..", "..", "testdata", "imgproc", "with-alpha.png")
	if code := run(t.Context(), []string{"images", alpha, "-o", out, "--format", "jpeg", "--background", "#000000", "--quiet"}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("--background: exit %d: %s", code, stderr.String())
	}
	data, _ := os.ReadFile(filepath.Join(out, "processed_with-alpha.jpg"))
	pic, err := imgproc.Decode(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	near := func(v uint32, want int) bool { d := int(v>>8) - want; return d >= -4 && d <= 4 }
	if r, g, b, _ := pic.Image.At(10, 10).RGBA(); !near(r, 60) || !near(g, 0) || !near(b, 128) {
		t.Errorf("--background #000000: (%d, %d, %d), want about (60, 0, 128)", r>>8, g>>8, b>>8)
	}
	if code := run(t.Context(), []string{"images", alpha, "--background", "teal-ish"}, strings.NewReader(""), &stdout, &stderr); code != exitUsage {
		t.Errorf("--background teal-ish: exit %d, want a usage error", code)
	}
}

// nrgbaPix returns img's pixels as non-premultiplied RGBA bytes.
func nrgbaPix(img image.Image) []byte {
	b := img.Bounds()
	m := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(m, m.Rect, img, b.Min, draw.Src)
	return m.Pix
}

// TestImagesKeepMetadata: --keep-metadata keeps EXIF (camera, copyright,
// GPS), XMP and, in JPEG, IPTC, the orientations reset since the pixels
// are written upright; by default only the ICC profile would be kept, and
// --strip keeps nothing. Outputs are read back by imgproc and, when it is
// installed, by exiftool.
func TestImagesKeepMetadata(t *testing.T) {
	exiftool, exiftoolErr := exec.LookPath("exiftool")
	if exiftoolErr != nil {
		t.Logf("exiftool not checked (Debian libimage-exiftool-perl): %v", exiftoolErr)
	}
	dir := filepath.Join("..", "..", "testdata", "imgproc", "meta")
	for _, src := range []string{"tagged.jpg", "tagged.png", "tagged.webp"} {
		for _, format := range []string{"jpeg", "png", "webp"} {
			for _, mode := range []string{"", "--keep-metadata", "--strip"} {
				t.Run(src+"/"+format+mode, func(t *testing.T) {
					out := t.TempDir()
					args := []string{"images", filepath.Join(dir, src), "-o", out, "--quiet", "--format", format, "--name", "out{n}.{ext}"}
					if mode != "" {
						args = append(args, mode)
					}
					var stdout, stderr bytes.Buffer
					if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
						t.Fatalf("exit %d: %s", code, stderr.String())
					}
					files, _ := filepath.Glob(filepath.Join(out, "out*"))
					if len(files) != 1 {
						t.Fatalf("outputs %v", files)
					}
					data, err := os.ReadFile(files[0])
					if err != nil {
						t.Fatal(err)
					}
					pic, err := imgproc.Decode(data, &imgproc.DecodeOptions{KeepOrientation: true})
					if err != nil {
						t.Fatal(err)
					}
					if pic.Width != 40 || pic.Height != 60 {
						t.Errorf("stored %dx%d, want the upright 40x60", pic.Width, pic.Height)
					}
					keep := mode == "--keep-metadata"
					wantIPTC := keep && format == "jpeg" && src == "tagged.jpg"
					if got := pic.EXIF != nil; got != keep {
						t.Errorf("EXIF kept: %v, want %v", got, keep)
					}
					if got := pic.XMP != nil; got != keep {
						t.Errorf("XMP kept: %v, want %v", got, keep)
					}
					if got := pic.IPTC != nil; got != wantIPTC {
						t.Errorf("IPTC kept: %v, want %v", got, wantIPTC)
					}
					if pic.Orientation != imgproc.OrientNormal {
						t.Errorf("EXIF orientation %d, want 1", pic.Orientation)
					}
					if exiftoolErr != nil {
						return
					}
					b, err := exec.Command(exiftool, "-j", "-n", "-G1", files[0]).Output()
					if err != nil {
						t.Fatal(err)
					}
					var tags []map[string]any
					if err := json.Unmarshal(b, &tags); err != nil || len(tags) != 1 {
						t.Fatalf("exiftool: %v %s", err, b)
					}
					got := tags[0]
					want := map[string]any{}
					if keep {
						want = map[string]any{"IFD0:Copyright": "(c) fanout test", "IFD0:Orientation": 1.0, "GPS:GPSLatitudeRef": "N",
							"XMP-dc:Creator": "Ada Tester", "XMP-dc:Rights": "CC0 test file", "XMP-tiff:Orientation": 1.0}
						if wantIPTC {
							want["IPTC:By-line"] = "Ada Tester"
						}
					}
					for k, v := range want {
						if got[k] != v {
							t.Errorf("exiftool reads %s = %v, want %v", k, got[k], v)
						}
					}
					if !keep {
						for k := range got {
							if g := strings.SplitN(k, ":", 2)[0]; g == "IFD0" || g == "GPS" || g == "IPTC" || strings.HasPrefix(g, "XMP") || g == "ICC_Profile" {
								t.Errorf("exiftool finds %s in the output of %q", k, mode)
							}
						}
					}
				})
			}
		}
	}
}

// TestImagesSRGB: --srgb converts an image tagged with a wide-gamut profile
// to sRGB (the pixels ToSRGB gives, which the imgproc tests hold to
// Pillow's ImageCms) and writes it untagged; an untagged image is left as
// it is; without --srgb the profile is kept.
func TestImagesSRGB(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "imgproc", "icc")
	tagged, _ := filepath.Glob(filepath.Join(dir, "*p3*.png"))
	if len(tagged) == 0 {
		t.Fatalf("no Display P3 tagged PNG in %s", dir)
	}
	src := tagged[0]
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	want, err := imgproc.Decode(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want.ICC == nil {
		t.Fatalf("%s has no profile", src)
	}
	if err := imgproc.ToSRGB(want, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flags   []string
		wantICC bool
	}{
		{[]string{"--srgb"}, false},
		{nil, true},
	} {
		out := t.TempDir()
		var stdout, stderr bytes.Buffer
		args := append([]string{"images", src, "-o", out, "--quiet", "--format", "png", "--name", "out{n}.{ext}"}, tc.flags...)
		if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
			t.Fatalf("%v: exit %d: %s", tc.flags, code, stderr.String())
		}
		got, err := os.ReadFile(filepath.Join(out, "out1.png"))
		if err != nil {
			t.Fatal(err)
		}
		pic, err := imgproc.Decode(got, nil)
		if err != nil {
			t.Fatal(err)
		}
		if (pic.ICC != nil) != tc.wantICC {
			t.Errorf("%v: profile kept %v, want %v", tc.flags, pic.ICC != nil, tc.wantICC)
		}
		if tc.wantICC {
			continue
		}
		if !bytes.Equal(nrgbaPix(pic.Image), nrgbaPix(want.Image)) {
			t.Errorf("%v: the pixels are not ToSRGB's", tc.flags)
		}
	}
}

// TestImagesSRGBCMYK: with --srgb a CMYK JPEG goes through its own CMYK
// profile (with LittleCMS), not through the naive formula used without it.
func TestImagesSRGBCMYK(t *testing.T) {
	src := filepath.Join("..", "..", "testdata", "imgproc", "icc", "cmyk-lut.jpg")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	want, err := imgproc.Decode(data, &imgproc.DecodeOptions{KeepCMYK: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := imgproc.ToSRGB(want, nil); errors.Is(err, imgproc.ErrUnsupported) {
		t.Skipf("no LittleCMS (install liblcms2-2): %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	naive, err := imgproc.Decode(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"images", src, "-o", out, "--quiet", "--format", "png", "--srgb", "--name", "out{n}.{ext}"}
	if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got, err := os.ReadFile(filepath.Join(out, "out1.png"))
	if err != nil {
		t.Fatal(err)
	}
	pic, err := imgproc.Decode(got, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(nrgbaPix(pic.Image), nrgbaPix(want.Image)) {
		t.Error("the pixels are not those of the CMYK profile's conversion")
	}
	if bytes.Equal(nrgbaPix(pic.Image), nrgbaPix(naive.Image)) {
		t.Error("the profile made no difference: the test shows nothing")
	}
}
