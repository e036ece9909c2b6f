package imgproc_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-dev/fanout/imgproc"
)

func TestParseOpsRoundTrip(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"blur=15", "blur=15"},
		{" Blur = 2.5 , grey", "blur=2.5,grayscale"},
		{"blur=15:straight,boxblur=0", "blur=15:straight,boxblur=0"},
		{"resize=800x,resize=x600,resize=800x600,resize=50%", "resize=800x,resize=x600,resize=800x600,resize=50%"},
		{"thumb=200x200,crop=10x20+3+4", "thumbnail=200x200,crop=10x20+3+4"},
		{"rotate=-90,rotate=450,fliph,flipv", "rotate=270,rotate=90,fliph,flipv"},
		{"sharpen,unsharp=3,sharpen=1.5:200:0", "sharpen=2:150:3,sharpen=3:150:3,sharpen=1.5:200:0"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			ops, err := imgproc.ParseOps(tc.in)
			if err != nil {
				t.Fatalf("ParseOps(%q): %v", tc.in, err)
			}
			if got := ops.String(); got != tc.want {
				t.Errorf("ParseOps(%q).String() = %q, want %q", tc.in, got, tc.want)
			}
			again, err := imgproc.ParseOps(ops.String())
			if err != nil || again.String() != tc.want {
				t.Errorf("round trip of %q = %q, %v", tc.want, again.String(), err)
			}
		})
	}
}

func TestParseOpsErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"blur=0", `imgproc: operation "blur=0": sigma must be > 0, not 0`},
		{"blur=-3", `sigma must be > 0`},
		{"blur", `operation "blur": missing value`},
		{"blur=abc", `bad number "abc"`},
		{"blur=NaN", `sigma must be a finite number`},
		{"blur=5:dark", `unknown alpha mode "dark"`},
		{"resize=800x,swirl=3", `operation "swirl=3": unknown operation "swirl"`},
		{"resize=x", `want WxH, Wx or xH`},
		{"resize=0x10", `bad size "0"`},
		{"crop=10x10", `want WxH+X+Y`},
		{"rotate=45", `multiple of 90 degrees`},
		{"grayscale=1", `grayscale takes no value`},
		{"blur=3,,fliph", `operation "": empty operation`},
		{"sharpen=2:x", `bad percent "x"`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			_, err := imgproc.ParseOps(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseOps(%q) error = %v, want it to contain %q", tc.in, err, tc.want)
			}
		})
	}
}

func TestOpsApply(t *testing.T) {
	p, err := imgproc.Decode(mustReadFile(t, "skimage-chelsea.jpg"), nil) // 451×300
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ops  string
		size image.Point
		typ  string
	}{
		{"", image.Pt(451, 300), "*image.YCbCr"},
		{"blur=3", image.Pt(451, 300), "*image.YCbCr"},
		{"resize=100x", image.Pt(100, 67), "*image.YCbCr"},
		{"resize=x150", image.Pt(226, 150), "*image.YCbCr"},
		{"resize=200x200", image.Pt(200, 200), "*image.YCbCr"},
		{"resize=50%", image.Pt(226, 150), "*image.YCbCr"},
		{"thumbnail=100x100", image.Pt(100, 67), "*image.YCbCr"},
		{"thumbnail=1000x1000", image.Pt(451, 300), "*image.YCbCr"},
		{"crop=100x50+10+20", image.Pt(100, 50), "*image.YCbCr"},
		{"crop=101x51+11+21", image.Pt(101, 51), "*image.NRGBA"},
		{"rotate=90", image.Pt(300, 451), "*image.NRGBA"},
		{"crop=200x100+0+0,rotate=90", image.Pt(100, 200), "*image.YCbCr"},
		{"fliph,flipv,rotate=180", image.Pt(451, 300), "*image.NRGBA"},
		{"grayscale,blur=2,sharpen", image.Pt(451, 300), "*image.Gray"},
		{"boxblur=2,blur=1", image.Pt(451, 300), "*image.YCbCr"},
	}
	for _, tc := range tests {
		t.Run(tc.ops, func(t *testing.T) {
			ops, err := imgproc.ParseOps(tc.ops)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ops.Apply(t.Context(), p.Image)
			if err != nil {
				t.Fatalf("Apply(%q): %v", tc.ops, err)
			}
			if got.Bounds().Size() != tc.size {
				t.Errorf("Apply(%q) size = %v, want %v", tc.ops, got.Bounds().Size(), tc.size)
			}
			if typ := typeName(got); typ != tc.typ {
				t.Errorf("Apply(%q) type = %s, want %s", tc.ops, typ, tc.typ)
			}
		})
	}
	t.Run("crop outside", func(t *testing.T) {
		ops, _ := imgproc.ParseOps("crop=100x100+400+0")
		_, err := ops.Apply(t.Context(), p.Image)
		if err == nil || !strings.Contains(err.Error(), "imgproc: crop=100x100+400+0: crop rectangle") {
			t.Errorf("Apply error = %v", err)
		}
	})
	// A typo in a size must cost one item an error, not the process its
	// memory: 65536x65536 RGBA would be 16 GiB.
	for _, list := range []string{"resize=65536x65536", "resize=60000x", "resize=3000%"} {
		t.Run(list, func(t *testing.T) {
			ops, err := imgproc.ParseOps(list)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err = ops.Apply(t.Context(), p.Image)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, imgproc.ErrTooLarge) || !strings.Contains(err.Error(), "over the limit of 89478485") {
				t.Errorf("Apply(%q) error = %v, want ErrTooLarge naming the limit", list, err)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
				t.Errorf("Apply(%q) allocated %d bytes before failing", list, grew)
			}
		})
	}
	t.Run("a budget of the caller's", func(t *testing.T) {
		ops, _ := imgproc.ParseOps("resize=500x500")
		_, err := ops.ApplyLimited(t.Context(), p.Image, 100_000)
		// The input has 135,300 pixels: the budget is the larger of the two.
		if !errors.Is(err, imgproc.ErrTooLarge) || !strings.Contains(err.Error(), "250000 pixels, over the limit of 135300") {
			t.Errorf("ApplyLimited(resize=500x500, 100000) error = %v, want ErrTooLarge at 135300", err)
		}
		ops, _ = imgproc.ParseOps("resize=300x300")
		if got, err := ops.ApplyLimited(t.Context(), p.Image, 100_000); err != nil || got.Bounds().Dx() != 300 {
			t.Errorf("ApplyLimited(resize=300x300, 100000) = %v, %v; want 300x300 (fewer pixels than the input)", got.Bounds(), err)
		}
	})
	t.Run("enlarge within the budget", func(t *testing.T) {
		ops, _ := imgproc.ParseOps("resize=4000x")
		got, err := ops.Apply(t.Context(), p.Image)
		if err != nil || got.Bounds().Dx() != 4000 {
			t.Errorf("Apply(resize=4000x) = %v, %v; want a 4000 px wide image", got.Bounds(), err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		ops, _ := imgproc.ParseOps("blur=2")
		if _, err := ops.Apply(ctx, p.Image); !errors.Is(err, context.Canceled) {
			t.Errorf("Apply with cancelled ctx error = %v", err)
		}
	})
}

func typeName(v any) string {
	switch v.(type) {
	case *image.YCbCr:
		return "*image.YCbCr"
	case *image.RGBA:
		return "*image.RGBA"
	case *image.NRGBA:
		return "*image.NRGBA"
	case *image.Gray:
		return "*image.Gray"
	}
	return "other"
}

// TestTransforms checks Orient on every fast-path type against the generic
// path, pixel by pixel.
func TestTransforms(t *testing.T) {
	src := newTestPattern(6, 4, 9, false)
	ycc := image.NewYCbCr(src.Rect, image.YCbCrSubsampleRatio420)
	for y := 0; y < 4; y++ {
		for x := 0; x < 6; x++ {
			c := src.NRGBAAt(x, y)
			yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
			ycc.Y[ycc.YOffset(x, y)] = yy
			ycc.Cb[ycc.COffset(x, y)], ycc.Cr[ycc.COffset(x, y)] = cb, cr
		}
	}
	// source returns where the pixel at (x, y) of the result comes from.
	source := map[imgproc.Orientation]func(x, y int) (int, int){
		imgproc.OrientNormal:     func(x, y int) (int, int) { return x, y },
		imgproc.OrientFlipH:      func(x, y int) (int, int) { return 5 - x, y },
		imgproc.OrientRotate180:  func(x, y int) (int, int) { return 5 - x, 3 - y },
		imgproc.OrientFlipV:      func(x, y int) (int, int) { return x, 3 - y },
		imgproc.OrientTranspose:  func(x, y int) (int, int) { return y, x },
		imgproc.OrientRotate90:   func(x, y int) (int, int) { return y, 3 - x },
		imgproc.OrientTransverse: func(x, y int) (int, int) { return 5 - y, 3 - x },
		imgproc.OrientRotate270:  func(x, y int) (int, int) { return 5 - y, x },
	}
	for o, from := range source {
		for _, in := range []image.Image{src, toGrayImage(src), ycc} {
			got, err := imgproc.Orient(in, o)
			if err != nil {
				t.Fatal(err)
			}
			b := got.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					sx, sy := from(x, y)
					if g, w := colorNRGBA(got.At(x, y)), colorNRGBA(in.At(sx, sy)); g != w {
						if _, isYCC := in.(*image.YCbCr); isYCC && o.Valid() {
							// Chroma is shared by 2×2 blocks; compare luma only.
							gy, _, _ := color.RGBToYCbCr(g.R, g.G, g.B)
							wy, _, _ := color.RGBToYCbCr(w.R, w.G, w.B)
							if d := int(gy) - int(wy); d > 2 || d < -2 {
								t.Errorf("Orient(%T, %d) at %d,%d: %v, want %v", in, o, x, y, g, w)
							}
							continue
						}
						t.Errorf("Orient(%T, %d) at %d,%d: %v, want %v", in, o, x, y, g, w)
					}
				}
			}
		}
	}
}

// TestUnsharpAndGrayscaleMatchPillow checks UnsharpMask and Grayscale
// against Pillow, bit for bit.
func TestUnsharpAndGrayscaleMatchPillow(t *testing.T) {
	dir := t.TempDir()
	rgb := newTestPattern(71, 53, 11, false)
	gray := toGrayImage(newTestPattern(45, 31, 12, false))
	mustWritePNG(t, filepath.Join(dir, "rgb.png"), rgb)
	mustWritePNG(t, filepath.Join(dir, "l.png"), gray)
	runPillow(t, `
import sys, os
from PIL import Image, ImageFilter
d = sys.argv[1]
for name in ("rgb", "l"):
    im = Image.open(os.path.join(d, name + ".png"))
    im.filter(ImageFilter.UnsharpMask(2, 150, 3)).save(os.path.join(d, name + "-usm-2-150-3.png"))
    im.filter(ImageFilter.UnsharpMask(5.5, 80, 0)).save(os.path.join(d, name + "-usm-5.5-80-0.png"))
Image.open(os.path.join(d, "rgb.png")).convert("L").save(os.path.join(d, "rgb-l.png"))
`, dir)
	tests := []struct {
		name string
		got  func() (image.Image, error)
		want string
	}{
		{"usm rgb 2/150/3", func() (image.Image, error) { return imgproc.UnsharpMask(rgb, 2, 150, 3) }, "rgb-usm-2-150-3.png"},
		{"usm rgb 5.5/80/0", func() (image.Image, error) { return imgproc.UnsharpMask(rgb, 5.5, 80, 0) }, "rgb-usm-5.5-80-0.png"},
		{"usm l 2/150/3", func() (image.Image, error) { return imgproc.UnsharpMask(gray, 2, 150, 3) }, "l-usm-2-150-3.png"},
		{"usm l 5.5/80/0", func() (image.Image, error) { return imgproc.UnsharpMask(gray, 5.5, 80, 0) }, "l-usm-5.5-80-0.png"},
		{"grayscale", func() (image.Image, error) { return imgproc.Grayscale(rgb), nil }, "rgb-l.png"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.got()
			if err != nil {
				t.Fatal(err)
			}
			g, w := pixelsNRGBA(got), pixelsNRGBA(mustReadPNG(t, filepath.Join(dir, tc.want)))
			if n, first := diffCount(g, w); n > 0 {
				t.Errorf("%d samples differ from Pillow, first at %d: got %d want %d", n, first, g[first], w[first])
			}
		})
	}
}

// TestUnsharpMaskHugeParameters checks that a percent or threshold too large
// for 32-bit arithmetic saturates instead of wrapping around: any percent of
// 25600 or more pushes every changed sample to 0 or 255, and a threshold of
// 255 or more leaves the image as it is.
func TestUnsharpMaskHugeParameters(t *testing.T) {
	g := toGrayImage(newTestPattern(40, 30, 5, false))
	usm := func(percent, threshold int) []byte {
		t.Helper()
		out, err := imgproc.UnsharpMask(g, 2, percent, threshold)
		if err != nil {
			t.Fatal(err)
		}
		return out.(*image.Gray).Pix
	}
	want := usm(100000, 3)
	for _, p := range []int{1 << 31, 1<<32 + 150, math.MaxInt} {
		if diff := cmp.Diff(want, usm(p, 3)); diff != "" {
			t.Errorf("UnsharpMask(percent %d) differs from percent 100000 (-want +got):\n%.300s", p, diff)
		}
	}
	for _, th := range []int{255, 1 << 31, 1 << 32, math.MaxInt} {
		if diff := cmp.Diff(g.Pix, usm(150, th)); diff != "" {
			t.Errorf("UnsharpMask(threshold %d) changed the image (-want +got):\n%.300s", th, diff)
		}
	}
}

// TestPremultipliedBlurNoHalo blurs an opaque red square on transparent
// black: premultiplied, the visible colour stays red; straight (Pillow's
// way), it darkens.
func TestPremultipliedBlurNoHalo(t *testing.T) {
	m := image.NewNRGBA(image.Rect(0, 0, 40, 40))
	for y := 10; y < 30; y++ {
		for x := 10; x < 30; x++ {
			m.SetNRGBA(x, y, color.NRGBA{255, 0, 0, 255})
		}
	}
	pre, err := imgproc.GaussianBlur(m, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	straight, err := imgproc.GaussianBlur(m, 3, &imgproc.BlurOptions{Alpha: imgproc.AlphaStraight})
	if err != nil {
		t.Fatal(err)
	}
	edge := func(img image.Image) color.NRGBA { return colorNRGBA(img.At(8, 20)) }
	if c := edge(pre); c.A == 0 || c.R < 250 {
		t.Errorf("premultiplied blur at the edge = %v, want translucent pure red", c)
	}
	if c := edge(straight); c.R > 200 {
		t.Errorf("straight blur at the edge = %v, want darkened red (Pillow's halo)", c)
	}
}

func TestBlurErrors(t *testing.T) {
	img := newTestPattern(8, 8, 1, false)
	for _, sigma := range []float64{0, -1, 1e9} {
		if _, err := imgproc.GaussianBlur(img, sigma, nil); err == nil {
			t.Errorf("GaussianBlur(sigma %v) succeeded, want an error", sigma)
		}
	}
	if _, err := imgproc.BoxBlur(img, -1, nil); err == nil {
		t.Error("BoxBlur(-1) succeeded, want an error")
	}
	if _, err := imgproc.GaussianBlur(img, 2, &imgproc.BlurOptions{Alpha: 7}); err == nil {
		t.Error("GaussianBlur with alpha mode 7 succeeded, want an error")
	}
}

// TestZeroOp checks that applying the zero Op is an error that says so,
// rather than "imgproc: : invalid operation".
func TestZeroOp(t *testing.T) {
	img := newTestPattern(4, 4, 1, false)
	for _, ops := range []imgproc.Ops{{imgproc.Op{}}, {imgproc.Op{}, imgproc.Op{}}} {
		_, err := ops.Apply(t.Context(), img)
		if err == nil || !strings.Contains(err.Error(), "zero Op") || strings.Contains(err.Error(), ": :") {
			t.Errorf("Ops%v.Apply = %v, want an error naming the zero Op", ops, err)
		}
	}
}

// TestThumbnailEmptyAndFitting checks that Thumbnail refuses an empty image
// as Resize does, and copies an image that fits as Orient does.
func TestThumbnailEmptyAndFitting(t *testing.T) {
	for _, img := range []image.Image{image.NewRGBA(image.Rect(0, 0, 0, 10)), image.NewGray(image.Rect(0, 0, 10, 0))} {
		if _, err := imgproc.Resize(img, 5, 5, nil); err == nil {
			t.Errorf("Resize(%v) succeeded, want an error", img.Bounds())
		}
		if _, err := imgproc.Thumbnail(img, 5, 5, nil); err == nil {
			t.Errorf("Thumbnail(%v) succeeded, want an error", img.Bounds())
		}
	}
	ycc := image.NewYCbCr(image.Rect(0, 0, 8, 6), image.YCbCrSubsampleRatio420)
	got, err := imgproc.Thumbnail(ycc, 100, 100, nil)
	if err != nil {
		t.Fatal(err)
	}
	if typeName(got) != "*image.YCbCr" || got.Bounds() != ycc.Rect || got == image.Image(ycc) {
		t.Errorf("Thumbnail(8x6 YCbCr, 100, 100) = %T %v, want a *image.YCbCr copy of %v", got, got.Bounds(), ycc.Rect)
	}
}

// TestConcurrentUse runs the whole job from several goroutines at once
// (pooled scratch buffers, the lazily loaded codec) and checks that every
// result is the same.
func TestConcurrentUse(t *testing.T) {
	data := mustReadFile(t, "skimage-chelsea.jpg")
	ops, err := imgproc.ParseOps("blur=5,sharpen,resize=200x")
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	results := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p, err := imgproc.Decode(data, nil)
			if err != nil {
				t.Error(err)
				return
			}
			if p.Image, err = ops.Apply(t.Context(), p.Image); err != nil {
				t.Error(err)
				return
			}
			var buf bytes.Buffer
			if err := imgproc.Encode(&buf, p, &imgproc.EncodeOptions{Format: imgproc.PNG}); err != nil {
				t.Error(err)
				return
			}
			results[i] = buf.Bytes()
		})
	}
	wg.Wait()
	for i := 1; i < n; i++ {
		if !bytes.Equal(results[i], results[0]) {
			t.Errorf("result %d differs from result 0", i)
		}
	}
}

// TestParseOpsResize applies resize and thumbnail values to a 400×300
// image and checks the size they make, the canonical form String gives
// back, and that the canonical form parses to itself.
func TestParseOpsResize(t *testing.T) {
	src := newTestPattern(400, 300, 1, false)
	tests := []struct {
		name string
		in   string      // the operation as typed
		str  string      // what Ops.String gives back
		size image.Point // of the output
	}{
		{"width alone", "resize=800", "resize=800x", image.Pt(800, 600)},
		{"width", "resize=800x", "resize=800x", image.Pt(800, 600)},
		{"height", "resize=x150", "resize=x150", image.Pt(200, 150)},
		{"fill by default", "resize=200x100", "resize=200x100", image.Pt(200, 100)},
		{"fill", "resize=200x100:fill", "resize=200x100", image.Pt(200, 100)},
		{"fill suffix", "resize=200x100!", "resize=200x100", image.Pt(200, 100)},
		{"inside", "resize=200x100:inside", "resize=200x100:inside", image.Pt(133, 100)},
		{"contain", "resize=200x100:contain", "resize=200x100:inside", image.Pt(133, 100)},
		{"inside enlarges", "resize=600x600:inside", "resize=600x600:inside", image.Pt(600, 450)},
		{"cover", "resize=200x100:cover", "resize=200x100:cover", image.Pt(200, 100)},
		{"cover gravity filter", "resize=200x100:cover:north:lanczos", "resize=200x100:cover:north:lanczos", image.Pt(200, 100)},
		{"options in any order", "resize=200x100:lanczos:north:cover", "resize=200x100:cover:north:lanczos", image.Pt(200, 100)},
		{"gravity synonym", "resize=200x100:cover:top", "resize=200x100:cover:north", image.Pt(200, 100)},
		{"corner gravity", "resize=100x200:cover:southwest", "resize=100x200:cover:southwest", image.Pt(100, 200)},
		{"center is the default", "resize=200x100:cover:center", "resize=200x100:cover", image.Pt(200, 100)},
		{"case-insensitive", "RESIZE=200X100:Cover:East:Hamming", "resize=200x100:cover:east:hamming", image.Pt(200, 100)},
		{"only-shrink suffix fits", "resize=800x600>", "resize=800x600>", image.Pt(400, 300)},
		{"only-shrink suffix inside", "resize=200x200>:inside", "resize=200x200>:inside", image.Pt(200, 150)},
		// 400×300 does not fit inside 300×400, so it is resized, filling.
		{"only-shrink fill", "resize=300x400:only-shrink", "resize=300x400>", image.Pt(300, 400)},
		{"only-shrink inside fits", "resize=600x600:inside:only-shrink", "resize=600x600>:inside", image.Pt(400, 300)},
		{"only-shrink width fits", "resize=500x:only-shrink", "resize=500x>", image.Pt(400, 300)},
		{"percent", "resize=50%", "resize=50%", image.Pt(200, 150)},
		{"fractional percent", "resize=12.5%", "resize=12.5%", image.Pt(50, 38)},
		{"percent only-shrink", "resize=50%>", "resize=50%>", image.Pt(200, 150)},
		{"percent only-shrink enlarging", "resize=200%>", "resize=200%>", image.Pt(400, 300)},
		{"gap", "resize=200x100:gap=2", "resize=200x100:gap=2", image.Pt(200, 100)},
		{"gap fraction", "resize=100x:gap=1.5:box", "resize=100x:box:gap=1.5", image.Pt(100, 75)},
		{"bicubic is the default", "resize=200x100:bicubic", "resize=200x100", image.Pt(200, 100)},
		{"cubic", "resize=200x100:cubic", "resize=200x100", image.Pt(200, 100)},
		{"linear", "resize=200x100:linear", "resize=200x100:bilinear", image.Pt(200, 100)},
		{"lanczos3", "resize=200x100:lanczos3", "resize=200x100:lanczos", image.Pt(200, 100)},
		{"nearest", "resize=200x100:nearest", "resize=200x100:nearest", image.Pt(200, 100)},
		{"thumbnail", "thumbnail=100x100", "thumbnail=100x100", image.Pt(100, 75)},
		{"thumbnail filter", "thumbnail=100x100:lanczos", "thumbnail=100x100:lanczos", image.Pt(100, 75)},
		{"thumbnail never enlarges", "thumbnail=1000x1000", "thumbnail=1000x1000", image.Pt(400, 300)},
		{"thumbnail width", "thumbnail=100", "thumbnail=100x", image.Pt(100, 75)},
		{"thumbnail height", "thumbnail=x50", "thumbnail=x50", image.Pt(67, 50)},
		{"thumb", "thumb=100x100:bilinear", "thumbnail=100x100:bilinear", image.Pt(100, 75)},
		{"in a list", "resize=200x100:cover,thumbnail=50x50", "resize=200x100:cover,thumbnail=50x50", image.Pt(50, 25)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := imgproc.ParseOps(tc.in)
			if err != nil {
				t.Fatalf("ParseOps(%q) error = %v, want none", tc.in, err)
			}
			got, err := ops.Apply(t.Context(), src)
			if err != nil {
				t.Fatalf("ParseOps(%q).Apply error = %v, want none", tc.in, err)
			}
			if size := got.Bounds().Size(); size != tc.size {
				t.Errorf("ParseOps(%q).Apply on 400x300 = %v, want %v", tc.in, size, tc.size)
			}
			if s := ops.String(); s != tc.str {
				t.Errorf("ParseOps(%q).String() = %q, want %q", tc.in, s, tc.str)
			}
			again, err := imgproc.ParseOps(ops.String())
			if err != nil {
				t.Fatalf("ParseOps(%q) of ParseOps(%q).String() error = %v, want none", ops.String(), tc.in, err)
			}
			if again.String() != ops.String() {
				t.Errorf("ParseOps(%q).String() = %q, want %q (round trip of %q)", ops.String(), again.String(), ops.String(), tc.in)
			}
		})
	}
}

// TestParseOpsResizeErrors checks that bad resize and thumbnail values fail
// when parsed, with an error naming the operation as typed and the cause.
func TestParseOpsResizeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // part of the cause
	}{
		{"zero size", "resize=0x0", `bad size "0"`},
		{"over the dimension limit", "resize=99999999x", `bad size "99999999"`},
		{"negative", "resize=-5x", `bad size "-5"`},
		{"no sides", "resize=x", "want WxH, Wx or xH"},
		{"empty", "resize=", "missing value"},
		{"not a number", "resize=abc", `bad size "abc"`},
		{"unknown option", "resize=100x100:foo", `unknown resize option "foo"`},
		{"empty option", "resize=100x100::cover", "empty option"},
		{"trailing colon", "resize=100x100:", "empty option"},
		{"thumbnail fill", "thumbnail=100x100!", "thumbnail takes WxH"},
		{"cover without height", "resize=100x:cover", "fit cover needs both a width and a height"},
		{"inside without width", "resize=x100:inside", "fit inside needs both a width and a height"},
		{"cover of a percentage", "resize=50%:cover", "fit cover needs both a width and a height"},
		{"gravity without cover", "resize=100x100:north", "a gravity needs the cover fit"},
		{"gravity with inside", "resize=100x100:inside:west", "a gravity needs the cover fit"},
		{"two fits", "resize=100x100:inside:cover", "more than one fit"},
		{"fill suffix and a fit", "resize=100x100!:inside", "more than one fit"},
		{"gap below 1", "resize=100x100:gap=0.5", `bad reducing gap "0.5"`},
		{"gap not a number", "resize=100x100:gap=NaN", "bad reducing gap"},
		{"thumbnail percentage", "thumbnail=50%", `bad size "50%"`},
		{"thumbnail fit", "thumbnail=100x100:cover", `unknown thumbnail option "cover"`},
		{"thumbnail gap", "thumbnail=100x100:gap=2", `unknown thumbnail option "gap=2"`},
		{"zero percent", "resize=0%", `bad percentage "0%"`},
		{"huge percent", "resize=20000%", `bad percentage "20000%"`},
		{"NaN percent", "resize=NaN%", `bad percentage "NaN%"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ops, err := imgproc.ParseOps(tc.in)
			if err == nil {
				t.Fatalf("ParseOps(%q) = %q, nil; want an error", tc.in, ops.String())
			}
			if msg := err.Error(); !strings.Contains(msg, tc.in) || !strings.Contains(msg, tc.want) {
				t.Errorf("ParseOps(%q) error = %q, want it to name %q and contain %q", tc.in, msg, tc.in, tc.want)
			}
		})
	}
}

// TestOpsHelp checks that the help text fits a terminal and names every
// operation and resize option.
func TestOpsHelp(t *testing.T) {
	if !strings.HasSuffix(imgproc.OpsHelp, "\n") {
		t.Errorf("OpsHelp does not end in a newline")
	}
	for i, line := range strings.Split(strings.TrimSuffix(imgproc.OpsHelp, "\n"), "\n") {
		if n := len([]rune(line)); n >= 100 {
			t.Errorf("OpsHelp line %d is %d columns, want under 100: %q", i+1, n, line)
		}
		if line != "" && !strings.HasPrefix(line, "  ") {
			t.Errorf("OpsHelp line %d is not indented by two spaces: %q", i+1, line)
		}
	}
	for _, word := range []string{
		"blur=", "boxblur=", "sharpen", "resize=", "thumbnail=", "crop=", "rotate=", "fliph", "flipv", "grayscale",
		"fill", "inside", "contain", "cover", "only-shrink", "gap=", ">", "!", "%",
		"center", "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
		"bicubic", "lanczos", "hamming", "bilinear", "box", "nearest",
	} {
		if !strings.Contains(imgproc.OpsHelp, word) {
			t.Errorf("OpsHelp lacks %q", word)
		}
	}
}
