package imgproc_test

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"

	"github.com/fanout-dev/fanout/imgproc"
)

// TestDecodeEdgeFiles decodes every awkward file of the test corpus.
func TestDecodeEdgeFiles(t *testing.T) {
	tests := []struct {
		file    string
		format  imgproc.Format
		size    image.Point // upright
		opaque  bool
		frames  int
		icc     bool
		err     error  // sentinel, for refused files
		errText string // part of the message
	}{
		{file: "Landscape_1.jpg", format: imgproc.JPEG, size: image.Pt(600, 450), opaque: true, frames: 1},
		{file: "Landscape_3.jpg", format: imgproc.JPEG, size: image.Pt(600, 450), opaque: true, frames: 1, icc: true},
		{file: "Landscape_6.jpg", format: imgproc.JPEG, size: image.Pt(600, 450), opaque: true, frames: 1, icc: true},
		{file: "Landscape_8.jpg", format: imgproc.JPEG, size: image.Pt(600, 450), opaque: true, frames: 1, icc: true},
		{file: "Portrait_5.jpg", format: imgproc.JPEG, size: image.Pt(450, 600), opaque: true, frames: 1, icc: true},
		{file: "Channel_digital_image_CMYK_color_no_profile.jpg", format: imgproc.JPEG, size: image.Pt(500, 333), opaque: true, frames: 1},
		{file: "16-bit-grey-alpha.png", format: imgproc.PNG, size: image.Pt(109, 96), frames: 1, icc: true},
		{file: "grey-8bit-alpha.png", format: imgproc.PNG, size: image.Pt(400, 300), frames: 1},
		{file: "with-alpha.png", format: imgproc.PNG, size: image.Pt(256, 192), frames: 1},
		{file: "animated-loop-3.gif", format: imgproc.GIF, size: image.Pt(370, 285), opaque: true, frames: 10},
		{file: "4.webp", format: imgproc.WebP, size: image.Pt(1024, 772), opaque: true, frames: 1},
		{file: "skimage-chelsea.jpg", format: imgproc.JPEG, size: image.Pt(451, 300), opaque: true, frames: 1},
		{file: "truncated.jpg", err: imgproc.ErrTruncated, errText: "imgproc: decode jpeg: truncated image: data ends before the image does: "},
		// An EXIF segment declaring 9544 bytes in a 1024-byte file.
		{file: "corrupt-header.jpg", err: imgproc.ErrTruncated, errText: "imgproc: decode jpeg: truncated image: unexpected EOF"},
		{file: "giant-image.jpg", err: imgproc.ErrTooLarge, errText: "jpeg image is 20000x14000 (280000000 pixels), over the limit of 89478485 pixels"},
	}
	for _, codec := range []imgproc.JPEGCodec{imgproc.JPEGStd, imgproc.JPEGTurbo} {
		for _, tc := range tests {
			t.Run(codec.String()+"/"+tc.file, func(t *testing.T) {
				testDecodeEdgeFile(t, codec, tc)
			})
		}
	}
}

type edgeCase struct {
	file    string
	format  imgproc.Format
	size    image.Point // upright
	opaque  bool
	frames  int
	icc     bool
	err     error  // sentinel, for refused files
	errText string // part of the message
}

func testDecodeEdgeFile(t *testing.T, codec imgproc.JPEGCodec, tc edgeCase) {
	skipWithoutCodec(t, codec)
	p, err := imgproc.Decode(mustReadFile(t, tc.file), &imgproc.DecodeOptions{JPEG: codec})
	if tc.err != nil {
		if !errors.Is(err, tc.err) {
			t.Fatalf("Decode(%s) error = %v, want %v", tc.file, err, tc.err)
		}
		if !strings.Contains(err.Error(), tc.errText) {
			t.Errorf("Decode(%s) error = %q, want it to contain %q", tc.file, err, tc.errText)
		}
		return
	}
	if err != nil {
		t.Fatalf("Decode(%s): %v", tc.file, err)
	}
	if p.Format != tc.format {
		t.Errorf("Format = %q, want %q", p.Format, tc.format)
	}
	if got := p.Image.Bounds().Size(); got != tc.size {
		t.Errorf("size = %v, want %v", got, tc.size)
	}
	if got := isOpaque(p.Image); got != tc.opaque {
		t.Errorf("opaque = %v, want %v (alpha must be kept)", got, tc.opaque)
	}
	if p.Frames != tc.frames {
		t.Errorf("Frames = %d, want %d", p.Frames, tc.frames)
	}
	if got := len(p.ICC) > 0; got != tc.icc {
		t.Errorf("has ICC = %v, want %v", got, tc.icc)
	}
	if !p.Oriented {
		t.Errorf("Oriented = false, want true")
	}
}

// skipWithoutCodec skips a test of the libjpeg-turbo codec when the system
// lacks the library.
func skipWithoutCodec(t testing.TB, c imgproc.JPEGCodec) {
	t.Helper()
	if info := imgproc.CodecInfo(c); strings.HasPrefix(info, "unavailable") {
		t.Skipf("JPEG codec %s: %s (install libturbojpeg0)", c, info)
	}
}

func isOpaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return true
}

// TestBombRefusedBeforeAllocation checks that a header declaring 280
// megapixels is refused without allocating pixel memory.
func TestBombRefusedBeforeAllocation(t *testing.T) {
	data := mustReadFile(t, "giant-image.jpg")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := imgproc.Decode(data, nil)
	runtime.ReadMemStats(&after)
	var tl *imgproc.TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("Decode(giant) error = %v, want *TooLargeError", err)
	}
	if tl.Width != 20000 || tl.Height != 14000 || tl.MaxPixels != imgproc.DefaultMaxPixels {
		t.Errorf("TooLargeError = %+v", tl)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<10 {
		t.Errorf("Decode(giant) allocated %d bytes, want < 64 KiB", got)
	}
}

func TestMaxPixels(t *testing.T) {
	data := mustReadFile(t, "skimage-chelsea.jpg") // 451×300 = 135300 pixels
	tests := []struct {
		name string
		max  int64
		err  error
	}{
		{"default", 0, nil},
		{"exact", 135300, nil},
		{"one less", 135299, imgproc.ErrTooLarge},
		{"unlimited", -1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := imgproc.Decode(data, &imgproc.DecodeOptions{MaxPixels: tc.max})
			if !errors.Is(err, tc.err) {
				t.Errorf("Decode(MaxPixels: %d) error = %v, want %v", tc.max, err, tc.err)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want imgproc.Format
		err  error
	}{
		{"jpeg", mustReadFile(t, "Landscape_1.jpg"), imgproc.JPEG, nil},
		{"png", mustReadFile(t, "with-alpha.png"), imgproc.PNG, nil},
		{"gif", mustReadFile(t, "animated-loop-3.gif"), imgproc.GIF, nil},
		{"webp", mustReadFile(t, "4.webp"), imgproc.WebP, nil},
		{"avif", []byte("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf"), imgproc.AVIF, nil},
		{"heic", mustReadFile(t, "coffee.heic"), imgproc.HEIC, nil},
		{"html", []byte("<!doctype html><p>not found</p>"), "", imgproc.ErrFormat},
		{"empty", nil, "", imgproc.ErrFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := imgproc.Sniff(tc.data)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("Sniff(%s) = %q, %v; want %q, %v", tc.name, got, err, tc.want, tc.err)
			}
			if tc.err != nil {
				if _, err := imgproc.Decode(tc.data, nil); !errors.Is(err, tc.err) {
					t.Errorf("Decode(%s) error = %v, want %v", tc.name, err, tc.err)
				}
			}
		})
	}
}

// meanAbsDiff returns the mean absolute difference of the RGBA samples of
// two images of the same size.
func meanAbsDiff(a, b image.Image) float64 {
	pa, pb := pixelsNRGBA(a), pixelsNRGBA(b)
	var sum float64
	for i := range pa {
		d := float64(pa[i]) - float64(pb[i])
		if d < 0 {
			d = -d
		}
		sum += d
	}
	return sum / float64(len(pa))
}

// TestOrientationUpright checks that the EXIF orientations 3, 6 and 8 come
// out like the unrotated Landscape_1, and 5 like Pillow's exif_transpose.
func TestOrientationUpright(t *testing.T) {
	ref, err := imgproc.Decode(mustReadFile(t, "Landscape_1.jpg"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file   string
		orient imgproc.Orientation
	}{
		{"Landscape_3.jpg", imgproc.OrientRotate180},
		{"Landscape_6.jpg", imgproc.OrientRotate90},
		{"Landscape_8.jpg", imgproc.OrientRotate270},
	} {
		t.Run(tc.file, func(t *testing.T) {
			p, err := imgproc.Decode(mustReadFile(t, tc.file), nil)
			if err != nil {
				t.Fatal(err)
			}
			if p.Orientation != tc.orient {
				t.Errorf("Orientation = %d, want %d", p.Orientation, tc.orient)
			}
			// The files were re-encoded after rotation, so they differ from
			// Landscape_1 a little (about 11 levels on average); any wrong
			// orientation differs by more than 35.
			if d := meanAbsDiff(p.Image, ref.Image); d > 15 {
				t.Errorf("mean difference from Landscape_1 = %.2f, want <= 15 (upright)", d)
			}
			if d := meanAbsDiff(imgproc.FlipV(p.Image), ref.Image); d < 30 {
				t.Errorf("control: flipped image differs from Landscape_1 by only %.2f", d)
			}
			kept, err := imgproc.Decode(mustReadFile(t, tc.file), &imgproc.DecodeOptions{KeepOrientation: true})
			if err != nil {
				t.Fatal(err)
			}
			if kept.Oriented {
				t.Errorf("KeepOrientation: Oriented = true")
			}
			// Encoding a picture kept as stored still writes it upright.
			var buf bytes.Buffer
			if err := imgproc.Encode(&buf, kept, &imgproc.EncodeOptions{Format: imgproc.PNG}); err != nil {
				t.Fatal(err)
			}
			back, err := imgproc.Decode(buf.Bytes(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := meanAbsDiff(back.Image, ref.Image); d > 15 {
				t.Errorf("re-encoded: mean difference from Landscape_1 = %.2f, want <= 15", d)
			}
		})
	}
	t.Run("Portrait_5.jpg", func(t *testing.T) {
		dir := t.TempDir()
		want := filepath.Join(dir, "want.png")
		runPillow(t, `
import sys
from PIL import Image, ImageOps
ImageOps.exif_transpose(Image.open(sys.argv[1])).convert("RGB").save(sys.argv[2])
`, filepath.Join("..", "testdata", "imgproc", "Portrait_5.jpg"), want)
		p, err := imgproc.Decode(mustReadFile(t, "Portrait_5.jpg"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if p.Orientation != imgproc.OrientTranspose {
			t.Errorf("Orientation = %d, want 5", p.Orientation)
		}
		if d := meanAbsDiff(p.Image, mustReadPNG(t, want)); d > 2 {
			t.Errorf("mean difference from Pillow's exif_transpose = %.2f, want <= 2", d)
		}
	})
}

// TestCMYKColours compares the CMYK JPEG's RGB with Pillow's conversion.
func TestCMYKColours(t *testing.T) {
	dir := t.TempDir()
	want := filepath.Join(dir, "want.png")
	runPillow(t, `
import sys
from PIL import Image
Image.open(sys.argv[1]).convert("RGB").save(sys.argv[2])
`, filepath.Join("..", "testdata", "imgproc", "Channel_digital_image_CMYK_color_no_profile.jpg"), want)
	for _, codec := range []imgproc.JPEGCodec{imgproc.JPEGStd, imgproc.JPEGTurbo} {
		t.Run(codec.String(), func(t *testing.T) {
			skipWithoutCodec(t, codec)
			p, err := imgproc.Decode(mustReadFile(t, "Channel_digital_image_CMYK_color_no_profile.jpg"), &imgproc.DecodeOptions{JPEG: codec})
			if err != nil {
				t.Fatal(err)
			}
			if d := meanAbsDiff(p.Image, mustReadPNG(t, want)); d > 1.5 {
				t.Errorf("mean difference from Pillow's CMYK to RGB = %.2f, want <= 1.5", d)
			}
			if got := psnr(p.Image, mustReadPNG(t, want)); got < 35 {
				t.Errorf("PSNR against Pillow = %.1f dB, want >= 35", got)
			}
			// A CMYK profile would be wrong on the RGB result: it goes.
			data := mustReadFile(t, "Channel_digital_image_CMYK_color_no_profile.jpg")
			seg := append([]byte("\xff\xe2\x00\x1e"+"ICC_PROFILE\x00\x01\x01"), "a CMYK profile"...)
			withICC := append(append(bytes.Clone(data[:2]), seg...), data[2:]...)
			p, err = imgproc.Decode(withICC, &imgproc.DecodeOptions{JPEG: codec})
			if err != nil {
				t.Fatal(err)
			}
			if p.ICC != nil {
				t.Errorf("CMYK JPEG converted to RGB kept its profile (%q)", p.ICC)
			}
		})
	}
}

// TestGIFFirstFrame checks the animated-GIF policy: the first frame, with
// the frame count reported.
func TestGIFFirstFrame(t *testing.T) {
	dir := t.TempDir()
	want := filepath.Join(dir, "want.png")
	runPillow(t, `
import sys
from PIL import Image
Image.open(sys.argv[1]).convert("RGBA").save(sys.argv[2])
`, filepath.Join("..", "testdata", "imgproc", "animated-loop-3.gif"), want)
	p, err := imgproc.Decode(mustReadFile(t, "animated-loop-3.gif"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Frames != 10 {
		t.Errorf("Frames = %d, want 10", p.Frames)
	}
	if d := meanAbsDiff(p.Image, mustReadPNG(t, want)); d != 0 {
		t.Errorf("first frame differs from Pillow's by %.3f on average", d)
	}
	var buf bytes.Buffer
	if err := imgproc.Encode(&buf, p, nil); err != nil {
		t.Fatal(err)
	}
	back, err := imgproc.Decode(buf.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if back.Frames != 1 {
		t.Errorf("re-encoded GIF has %d frames, want 1 (a still image)", back.Frames)
	}
}

// TestGIFFirstFrameOnScreen checks that a first frame smaller than the
// logical screen, and offset on it, comes back on the full screen (image/gif
// returns the frame's rectangle alone), the rest filled with the transparent
// index when there is one and with index 0 otherwise.
func TestGIFFirstFrameOnScreen(t *testing.T) {
	for _, transparent := range []bool{false, true} {
		t.Run(fmt.Sprintf("transparent=%v", transparent), func(t *testing.T) {
			pal := color.Palette{color.RGBA{10, 20, 30, 255}, color.RGBA{200, 0, 0, 255}}
			if transparent {
				pal = append(pal, color.RGBA{})
			}
			frame := image.NewPaletted(image.Rect(10, 5, 20, 15), pal)
			for i := range frame.Pix {
				frame.Pix[i] = 1
			}
			var buf bytes.Buffer
			g := &gif.GIF{Image: []*image.Paletted{frame}, Delay: []int{0}, Config: image.Config{ColorModel: pal, Width: 40, Height: 30}}
			if err := gif.EncodeAll(&buf, g); err != nil {
				t.Fatal(err)
			}
			p, err := imgproc.Decode(buf.Bytes(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := p.Image.Bounds(), image.Rect(0, 0, 40, 30); got != want {
				t.Fatalf("Decode of a 40x30 GIF with a 10x10 first frame at (10, 5): bounds %v, want %v", got, want)
			}
			wantOut := colorNRGBA(pal[0])
			if transparent {
				wantOut = color.NRGBA{}
			}
			for _, tc := range []struct {
				pt   image.Point
				want color.NRGBA
			}{
				{image.Pt(12, 7), colorNRGBA(pal[1])},
				{image.Pt(19, 14), colorNRGBA(pal[1])},
				{image.Pt(0, 0), wantOut},
				{image.Pt(20, 14), wantOut},
				{image.Pt(39, 29), wantOut},
			} {
				if got := colorNRGBA(p.Image.At(tc.pt.X, tc.pt.Y)); got != tc.want {
					t.Errorf("pixel at %v = %v, want %v", tc.pt, got, tc.want)
				}
			}
		})
	}
}

// TestDecodeCorrupt checks damaged data that is complete.
func TestDecodeCorrupt(t *testing.T) {
	good := mustReadFile(t, "skimage-chelsea.jpg")
	sof := bytes.Index(good, []byte{0xff, 0xc0})
	if sof < 0 {
		t.Fatal("no SOF0 marker in test file")
	}
	noComponents := bytes.Clone(good)
	noComponents[sof+9] = 0 // number of components
	lossless := bytes.Clone(good)
	lossless[sof+1] = 0xc3
	png := mustReadFile(t, "with-alpha.png")
	badCRC := bytes.Clone(png)
	badCRC[40] ^= 0xff
	tests := []struct {
		name    string
		data    []byte
		err     error
		errText string
	}{
		{"jpeg without components", noComponents, imgproc.ErrCorrupt, "imgproc: decode jpeg: corrupt image: invalid JPEG format"},
		{"lossless jpeg", lossless, imgproc.ErrUnsupported, "imgproc: decode jpeg: unsupported image feature"},
		{"png with bad checksum", badCRC, imgproc.ErrCorrupt, "imgproc: decode png: corrupt image: png: invalid format"},
		{"png cut short", png[:len(png)/2], imgproc.ErrTruncated, "imgproc: decode png: truncated image"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := imgproc.Decode(tc.data, nil)
			if !errors.Is(err, tc.err) || !strings.Contains(fmt.Sprint(err), tc.errText) {
				t.Errorf("Decode(%s) error = %v, want %v containing %q", tc.name, err, tc.err, tc.errText)
			}
		})
	}
}

// TestDecodeVariants decodes the format variants the corpus lacks (made
// here, a progressive JPEG by Pillow), blurs and re-encodes each.
func TestDecodeVariants(t *testing.T) {
	src := newTestPattern(61, 43, 21, false)
	pal := image.NewPaletted(src.Rect, palette.WebSafe)
	draw.FloydSteinberg.Draw(pal, src.Rect, src, image.Point{})
	rgb64 := image.NewNRGBA64(src.Rect)
	draw.Draw(rgb64, src.Rect, src, image.Point{}, draw.Src)
	encode := func(enc func(*bytes.Buffer) error) []byte {
		var buf bytes.Buffer
		if err := enc(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	dir := t.TempDir()
	progressive := filepath.Join(dir, "progressive.jpg")
	baseline := filepath.Join(dir, "baseline.jpg")
	runPillow(t, `
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
im.save(sys.argv[2], quality=90, progressive=True)
im.save(sys.argv[3], quality=90)
`, filepath.Join("..", "testdata", "imgproc", "skimage-chelsea.jpg"), progressive, baseline)
	readFile := func(p string) []byte {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	gray := toGrayImage(src)
	tests := []struct {
		name   string
		data   []byte
		format imgproc.Format
		want   image.Image // nil: the baseline JPEG
	}{
		{"paletted png", encode(func(b *bytes.Buffer) error { return png.Encode(b, pal) }), imgproc.PNG, src},
		{"16-bit rgb png", encode(func(b *bytes.Buffer) error { return png.Encode(b, rgb64) }), imgproc.PNG, src},
		{"grey png", encode(func(b *bytes.Buffer) error { return png.Encode(b, gray) }), imgproc.PNG, gray},
		{"bmp", encode(func(b *bytes.Buffer) error { return bmp.Encode(b, src) }), imgproc.BMP, src},
		{"tiff", encode(func(b *bytes.Buffer) error { return tiff.Encode(b, src, nil) }), imgproc.TIFF, src},
		{"progressive jpeg", readFile(progressive), imgproc.JPEG, nil},
	}
	base, err := imgproc.Decode(readFile(baseline), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, codec := range []imgproc.JPEGCodec{imgproc.JPEGStd, imgproc.JPEGTurbo} {
		for _, tc := range tests {
			t.Run(codec.String()+"/"+tc.name, func(t *testing.T) {
				skipWithoutCodec(t, codec)
				p, err := imgproc.Decode(tc.data, &imgproc.DecodeOptions{JPEG: codec})
				if err != nil {
					t.Fatal(err)
				}
				if p.Format != tc.format {
					t.Errorf("Format = %s, want %s", p.Format, tc.format)
				}
				if tc.want == nil {
					if db := psnr(p.Image, base.Image); db < 40 {
						t.Errorf("progressive decode PSNR against baseline = %.1f dB, want >= 40", db)
					}
				} else if d := meanAbsDiff(p.Image, tc.want); d > 12 {
					t.Errorf("mean difference from the source = %.1f", d)
				}
				if p.Image, err = imgproc.GaussianBlur(p.Image, 3, nil); err != nil {
					t.Fatal(err)
				}
				if err := imgproc.Encode(&bytes.Buffer{}, p, &imgproc.EncodeOptions{Format: imgproc.JPEG, JPEG: codec}); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestSniffDoesNotQuote checks that the error for data that is no image
// says what it looks like without quoting it: a local file given by
// mistake must not have its first line printed.
func TestSniffDoesNotQuote(t *testing.T) {
	for _, tc := range []struct {
		data, want, secret string
	}{
		{"root:x:0:0:root:/root:/bin/bash\n", "the data is text", "root"},
		{"<!DOCTYPE html><title>403 Forbidden</title>", "markup (HTML or XML", "Forbidden"},
		{"\x00\x01secret\x02", "no known image signature (starts 00 01 73 65)", "secret"},
	} {
		_, err := imgproc.Sniff([]byte(tc.data))
		if !errors.Is(err, imgproc.ErrFormat) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), tc.secret) {
			t.Errorf("Sniff(%q) = %v, want ErrFormat saying %q without %q", tc.data, err, tc.want, tc.secret)
		}
	}
}

// TestDecodeScanLimit checks that a progressive JPEG of thousands of scans
// is refused by both decoders, quickly: libjpeg-turbo by its own limit,
// the pure-Go one by counting the scans first.
func TestDecodeScanLimit(t *testing.T) {
	data := mustReadFile(t, "coffee-progressive.jpg")
	// The last scan, its header and its entropy-coded data, copied 600
	// times before EOI.
	last := bytes.LastIndex(data, []byte{0xff, 0xda})
	end := bytes.LastIndex(data, []byte{0xff, 0xd9})
	if last < 0 || end < last {
		t.Fatal("no scan in the progressive test file")
	}
	bomb := append([]byte(nil), data[:end]...)
	for range 600 {
		bomb = append(bomb, data[last:end]...)
	}
	bomb = append(bomb, 0xff, 0xd9)
	for _, codec := range []imgproc.JPEGCodec{imgproc.JPEGStd, imgproc.JPEGTurbo} {
		start := time.Now()
		_, err := imgproc.Decode(bomb, &imgproc.DecodeOptions{JPEG: codec})
		if codec == imgproc.JPEGTurbo && errors.Is(err, imgproc.ErrUnsupported) {
			t.Logf("libjpeg-turbo not checked: %v", err)
			continue
		}
		if err == nil {
			t.Errorf("%s: a JPEG of 600 extra scans decoded", codec)
		}
		if codec == imgproc.JPEGStd && (!errors.Is(err, imgproc.ErrTooLarge) || !strings.Contains(err.Error(), "scans")) {
			t.Errorf("%s: error %v, want ErrTooLarge naming the scans", codec, err)
		}
		t.Logf("%s: %v in %v", codec, err, time.Since(start))
	}
	// The file itself decodes.
	if _, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: imgproc.JPEGStd}); err != nil {
		t.Errorf("the progressive test file: %v", err)
	}
}
