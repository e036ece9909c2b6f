package imgproc_test

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

// TestResizePlanesNearExact checks the YCbCr fast path of Resize against
// the exact one: resizing a JPEG's planes as they are (what fanout does)
// against resizing the RGB image libjpeg makes of them (what Pillow does),
// for shrinking and enlarging, each filter, and JPEGs of each layout.
func TestResizePlanesNearExact(t *testing.T) {
	for _, file := range []string{"skimage-chelsea.jpg", "coffee-444.jpg", "coffee-422.jpg", "coffee-progressive.jpg"} {
		planes, rgb := decodeBothWays(t, file)
		b := planes.Image.Bounds()
		for _, f := range []imgproc.Filter{imgproc.Bicubic, imgproc.Lanczos, imgproc.Bilinear} {
			for _, size := range [][2]int{{b.Dx() / 3, 0}, {b.Dx()*2/3 + 1, 0}, {b.Dx() + 101, 0}, {2 * b.Dx(), 0}} {
				t.Run(fmt.Sprintf("%s-%s-%d", file, f, size[0]), func(t *testing.T) {
					opts := &imgproc.ResizeOptions{Filter: f}
					fast, err := imgproc.Resize(planes.Image, size[0], size[1], opts)
					if err != nil {
						t.Fatal(err)
					}
					exact, err := imgproc.Resize(rgb.Image, size[0], size[1], opts)
					if err != nil {
						t.Fatal(err)
					}
					if db := psnr(fast, exact); db < 45 {
						t.Errorf("planes resize is %.1f dB from the RGB resize, want at least 45", db)
					} else {
						t.Logf("%.1f dB", db)
					}
				})
			}
		}
	}
}

// TestResizePlanesJPEGNearExact checks the path fanout takes for JPEG
// output, the planes resized straight to 4:2:0 chroma, against the exact
// path (libjpeg's RGB, Pillow's resize) as a JPEG encoder receives it:
// converted to YCbCr and its chroma averaged 2×2 to 4:2:0. Both are
// compared plane by plane, on what the encoder would compress.
func TestResizePlanesJPEGNearExact(t *testing.T) {
	for _, file := range []string{"skimage-chelsea.jpg", "coffee-444.jpg", "coffee-422.jpg", "coffee-progressive.jpg"} {
		planes, rgb := decodeBothWays(t, file)
		w := planes.Image.Bounds().Dx()
		for _, size := range []int{w / 5, w / 3, w*2/3 + 1, w + 101} {
			t.Run(fmt.Sprintf("%s-%d", file, size), func(t *testing.T) {
				ops, err := imgproc.ParseOps(fmt.Sprintf("resize=%dx", size))
				if err != nil {
					t.Fatal(err)
				}
				apply := func(pic *imgproc.Picture) image.Image {
					img, err := ops.ApplyPicture(t.Context(), pic, &imgproc.ApplyOptions{Output: imgproc.JPEG})
					if err != nil {
						t.Fatal(err)
					}
					return img
				}
				fast, ok := apply(planes).(*image.YCbCr)
				if !ok || fast.SubsampleRatio != image.YCbCrSubsampleRatio420 {
					t.Fatalf("planes path gave %T, want 4:2:0 *image.YCbCr", fast)
				}
				exact := ycbcr420(apply(rgb))
				if db := planesPSNR(fast, exact); db < 45 {
					t.Errorf("planes path is %.1f dB from the exact path's encoder input, want at least 45", db)
				} else {
					t.Logf("%.1f dB", db)
				}
			})
		}
	}
}

// ycbcr420 converts img as a JPEG encoder does: JFIF YCbCr, chroma
// averaged over 2×2 blocks (edge samples repeated).
func ycbcr420(img image.Image) *image.YCbCr {
	b := img.Bounds()
	out := image.NewYCbCr(image.Rect(0, 0, b.Dx(), b.Dy()), image.YCbCrSubsampleRatio420)
	cb := make([]int, b.Dx()*b.Dy())
	cr := make([]int, b.Dx()*b.Dy())
	for y := range b.Dy() {
		for x := range b.Dx() {
			c := colorNRGBA(img.At(b.Min.X+x, b.Min.Y+y))
			yy, u, v := color.RGBToYCbCr(c.R, c.G, c.B)
			out.Y[y*out.YStride+x] = yy
			cb[y*b.Dx()+x], cr[y*b.Dx()+x] = int(u), int(v)
		}
	}
	for y := 0; y < b.Dy(); y += 2 {
		for x := 0; x < b.Dx(); x += 2 {
			x1, y1 := min(x+1, b.Dx()-1), min(y+1, b.Dy()-1)
			i := out.COffset(x, y)
			out.Cb[i] = byte((cb[y*b.Dx()+x] + cb[y*b.Dx()+x1] + cb[y1*b.Dx()+x] + cb[y1*b.Dx()+x1] + 2) / 4)
			out.Cr[i] = byte((cr[y*b.Dx()+x] + cr[y*b.Dx()+x1] + cr[y1*b.Dx()+x] + cr[y1*b.Dx()+x1] + 2) / 4)
		}
	}
	return out
}

// planesPSNR is the PSNR over every sample of the three planes of two
// YCbCr images of the same size and subsampling.
func planesPSNR(a, b *image.YCbCr) float64 {
	var sum float64
	n := 0
	for _, p := range [][2][]byte{{a.Y, b.Y}, {a.Cb, b.Cb}, {a.Cr, b.Cr}} {
		for i := range min(len(p[0]), len(p[1])) {
			d := float64(p[0][i]) - float64(p[1][i])
			sum += d * d
			n++
		}
	}
	if sum == 0 {
		return 99
	}
	return 10 * math.Log10(255*255/(sum/float64(n)))
}

// decodeBothWays decodes a test JPEG with libjpeg-turbo to its YCbCr planes
// and to libjpeg's RGB, skipping the test without the library.
func decodeBothWays(t *testing.T, file string) (planes, rgb *imgproc.Picture) {
	t.Helper()
	data := mustReadFile(t, file)
	planes, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: imgproc.JPEGTurbo})
	if err != nil {
		t.Skipf("libjpeg-turbo unavailable (install libturbojpeg0): %v", err)
	}
	rgb, err = imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: imgproc.JPEGTurbo, RGB: true})
	if err != nil {
		t.Fatal(err)
	}
	return planes, rgb
}
