package imgproc_test

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

func colorNRGBA(c color.Color) color.NRGBA { return color.NRGBAModel.Convert(c).(color.NRGBA) }

// newTestPattern returns a w×h image mixing noise, hard edges and gradients,
// opaque unless alpha is set.
func newTestPattern(w, h int, seed uint64, alpha bool) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 7))
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var c color.NRGBA
			switch {
			case (x/9+y/7)%3 == 0:
				c = color.NRGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
			case (x/9+y/7)%3 == 1:
				c = color.NRGBA{255, uint8(x * 255 / max(w-1, 1)), 0, 255}
			default:
				c = color.NRGBA{0, 0, uint8(y * 255 / max(h-1, 1)), 255}
			}
			if alpha {
				c.A = uint8(rng.IntN(256))
				if x%11 < 3 {
					c.A = 0
				}
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

func toGrayImage(img image.Image) *image.Gray {
	g := image.NewGray(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	return g
}

// TestBlurMatchesPillow checks that GaussianBlur and BoxBlur are bit-exact
// with Pillow on lossless RGB, RGBA (straight alpha) and L images.
func TestBlurMatchesPillow(t *testing.T) {
	dir := t.TempDir()
	photo, err := imgproc.Decode(mustReadFile(t, "skimage-chelsea.jpg"), nil)
	if err != nil {
		t.Fatal(err)
	}
	crop, err := imgproc.Crop(photo.Image, image.Rect(20, 10, 321, 213))
	if err != nil {
		t.Fatal(err)
	}
	inputs := []struct {
		name string
		img  image.Image
	}{
		{"rgb-97x61", newTestPattern(97, 61, 1, false)},
		{"rgb-photo-301x203", toNRGBAImage(crop)},
		{"rgb-5x3", newTestPattern(5, 3, 2, false)},
		{"rgb-1x9", newTestPattern(1, 9, 3, false)},
		{"rgba-64x47", newTestPattern(64, 47, 4, true)},
		{"l-83x45", toGrayImage(newTestPattern(83, 45, 5, false))},
	}
	type job struct{ in, kind, value, out string }
	var jobs []job
	var args []string
	for _, in := range inputs {
		mustWritePNG(t, filepath.Join(dir, in.name+".png"), in.img)
		for _, kind := range []string{"gauss", "box"} {
			values := []string{"0.5", "2", "5", "15", "40"}
			if kind == "box" {
				values = []string{"0", "1", "2.5", "7.3", "20"}
			}
			for _, v := range values {
				j := job{in.name, kind, v, fmt.Sprintf("%s-%s-%s.png", in.name, kind, v)}
				jobs = append(jobs, j)
				args = append(args, filepath.Join(dir, j.in+".png"), kind, v, filepath.Join(dir, j.out))
			}
		}
	}
	runPillow(t, `
import sys
from PIL import Image, ImageFilter
a = sys.argv[1:]
for i in range(0, len(a), 4):
    src, kind, v, dst = a[i:i+4]
    im = Image.open(src)
    im.load()
    if im.mode == "RGBA" and kind:
        pass
    f = ImageFilter.GaussianBlur(float(v)) if kind == "gauss" else ImageFilter.BoxBlur(float(v))
    im.filter(f).save(dst)
`, args...)
	byName := map[string]image.Image{}
	for _, in := range inputs {
		byName[in.name] = in.img
	}
	for _, j := range jobs {
		t.Run(j.out, func(t *testing.T) {
			var v float64
			fmt.Sscan(j.value, &v)
			opts := &imgproc.BlurOptions{Alpha: imgproc.AlphaStraight}
			var got image.Image
			var err error
			if j.kind == "gauss" {
				got, err = imgproc.GaussianBlur(byName[j.in], v, opts)
			} else {
				got, err = imgproc.BoxBlur(byName[j.in], v, opts)
			}
			if err != nil {
				t.Fatal(err)
			}
			want := mustReadPNG(t, filepath.Join(dir, j.out))
			g, w := pixelsNRGBA(got), pixelsNRGBA(want)
			if got.Bounds() != want.Bounds() {
				t.Fatalf("bounds %v, want %v", got.Bounds(), want.Bounds())
			}
			if n, first := diffCount(g, w); n > 0 {
				t.Errorf("%s(%s, %s): %d samples differ from Pillow, first at %d: got %d want %d", j.kind, j.in, j.value, n, first, g[first], w[first])
			}
		})
	}
}

func diffCount(a, b []byte) (n, first int) {
	first = -1
	for i := range a {
		if a[i] != b[i] {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	return n, first
}

func toNRGBAImage(img image.Image) *image.NRGBA {
	r := img.Bounds()
	m := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			m.Set(x, y, img.At(r.Min.X+x, r.Min.Y+y))
		}
	}
	return m
}

// psnr returns the peak signal-to-noise ratio between the RGB samples of two
// images of the same size, in dB.
func psnr(a, b image.Image) float64 {
	pa, pb := pixelsNRGBA(a), pixelsNRGBA(b)
	var sum float64
	n := 0
	for i := range pa {
		if i%4 == 3 {
			continue
		}
		d := float64(pa[i]) - float64(pb[i])
		sum += d * d
		n++
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(sum/float64(n)))
}
