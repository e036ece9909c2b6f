package turbojpeg_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/jpeg"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/imgproc/turbojpeg"
)

// chelsea returns the cat photo (451x300, 4:2:0) as decoded by image/jpeg.
func chelsea(tb testing.TB) *image.YCbCr {
	tb.Helper()
	img, err := jpeg.Decode(bytes.NewReader(mustRead(tb, filepath.Join(testdataDir, "skimage-chelsea.jpg"))))
	if err != nil {
		tb.Fatal(err)
	}
	return img.(*image.YCbCr)
}

// resample builds an image with the given chroma ratio over r from src,
// taking each chroma sample from the pixel at its top-left corner.
func resample(src *image.YCbCr, ratio image.YCbCrSubsampleRatio, r image.Rectangle) *image.YCbCr {
	dst := image.NewYCbCr(r, ratio)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := src.YCbCrAt(x, y)
			dst.Y[dst.YOffset(x, y)] = c.Y
			ci := dst.COffset(x, y)
			dst.Cb[ci], dst.Cr[ci] = c.Cb, c.Cr
		}
	}
	return dst
}

func toRGBA(src image.Image) *image.RGBA {
	dst := image.NewRGBA(src.Bounds())
	draw.Draw(dst, dst.Bounds(), src, src.Bounds().Min, draw.Src)
	return dst
}

// psnrRGB compares two images' RGB channels over a's bounds; b is read at
// the same offset from its own origin.
func psnrRGB(a, b image.Image) float64 {
	ra, rb := a.Bounds(), b.Bounds()
	var sum float64
	for y := range ra.Dy() {
		for x := range ra.Dx() {
			ca := color.RGBAModel.Convert(a.At(ra.Min.X+x, ra.Min.Y+y)).(color.RGBA)
			cb := color.RGBAModel.Convert(b.At(rb.Min.X+x, rb.Min.Y+y)).(color.RGBA)
			for _, d := range []float64{float64(ca.R) - float64(cb.R), float64(ca.G) - float64(cb.G), float64(ca.B) - float64(cb.B)} {
				sum += d * d
			}
		}
	}
	return psnr(sum / float64(3*ra.Dx()*ra.Dy()))
}

func psnr(mse float64) float64 {
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/mse)
}

// psnrPlane compares two w x h sample grids.
func psnrPlane(a []byte, aStride int, b []byte, bStride int, w, h int) float64 {
	var sum float64
	for y := range h {
		for x := range w {
			d := float64(a[y*aStride+x]) - float64(b[y*bStride+x])
			sum += d * d
		}
	}
	return psnr(sum / float64(w*h))
}

func decodeStd(tb testing.TB, data []byte) image.Image {
	tb.Helper()
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("image/jpeg cannot decode the output: %v", err)
	}
	return img
}

// TestEncodeYCbCrSubsamplings encodes each chroma layout from planes at an
// odd size (TurboJPEG pads planes to the subsampling factor) and decodes the
// result with image/jpeg as the reference.
func TestEncodeYCbCrSubsamplings(t *testing.T) {
	l := mustLoad(t)
	src := chelsea(t)
	tests := []struct {
		name  string
		ratio image.YCbCrSubsampleRatio
		want  turbojpeg.Subsampling
	}{
		{"444", image.YCbCrSubsampleRatio444, turbojpeg.Subsample444},
		{"422", image.YCbCrSubsampleRatio422, turbojpeg.Subsample422},
		{"420", image.YCbCrSubsampleRatio420, turbojpeg.Subsample420},
		{"440", image.YCbCrSubsampleRatio440, turbojpeg.Subsample440},
		{"411", image.YCbCrSubsampleRatio411, turbojpeg.Subsample411},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := resample(src, tc.ratio, image.Rect(0, 0, 451, 299))
			data, err := l.EncodeYCbCr(in, 90)
			if err != nil {
				t.Fatalf("EncodeYCbCr: %v", err)
			}
			w, h, ss, cs, err := l.DecodeConfig(data)
			if err != nil || w != 451 || h != 299 || ss != tc.want || cs != turbojpeg.ColorSpaceYCbCr {
				t.Fatalf("DecodeConfig = %d, %d, %v, %v, %v; want 451, 299, %v, YCbCr", w, h, ss, cs, err, tc.want)
			}
			ref, ok := decodeStd(t, data).(*image.YCbCr)
			if !ok || ref.SubsampleRatio != tc.ratio || ref.Rect != in.Rect {
				t.Fatalf("image/jpeg decodes the output as %T %v", ref, ref.Rect)
			}
			cw, ch := in.CStride, len(in.Cb)/in.CStride
			planes := []struct {
				name   string
				a, b   []byte
				as, bs int
				w, h   int
			}{
				{"Y", in.Y, ref.Y, in.YStride, ref.YStride, 451, 299},
				{"Cb", in.Cb, ref.Cb, in.CStride, ref.CStride, cw, ch},
				{"Cr", in.Cr, ref.Cr, in.CStride, ref.CStride, cw, ch},
			}
			for _, p := range planes {
				got := psnrPlane(p.a, p.as, p.b, p.bs, p.w, p.h)
				t.Logf("%s plane: PSNR %.1f dB", p.name, got)
				if got < 45 {
					t.Errorf("%s plane PSNR = %.1f dB, want >= 45", p.name, got)
				}
			}
			// Our own decoder gives the same layout back.
			back, err := l.DecodeYCbCr(data)
			if err != nil || back.SubsampleRatio != tc.ratio || back.Rect != in.Rect {
				t.Fatalf("DecodeYCbCr = %v %v, %v", back.SubsampleRatio, back.Rect, err)
			}
			for _, p := range []struct {
				name   string
				a, b   []byte
				as, bs int
				w, h   int
			}{
				{"Y", back.Y, ref.Y, back.YStride, ref.YStride, 451, 299},
				{"Cb", back.Cb, ref.Cb, back.CStride, ref.CStride, cw, ch},
				{"Cr", back.Cr, ref.Cr, back.CStride, ref.CStride, cw, ch},
			} {
				if got := psnrPlane(p.a, p.as, p.b, p.bs, p.w, p.h); got < 50 {
					t.Errorf("DecodeYCbCr %s plane vs image/jpeg: PSNR %.1f dB, want >= 50", p.name, got)
				}
			}
		})
	}
}

func TestEncodePacked(t *testing.T) {
	l := mustLoad(t)
	rgba := toRGBA(chelsea(t))
	nrgba := image.NewNRGBA(rgba.Rect)
	copy(nrgba.Pix, rgba.Pix)
	for i := 3; i < len(nrgba.Pix); i += 4 {
		nrgba.Pix[i] = 40 // ignored: JPEG has no alpha
	}
	gray := image.NewGray(rgba.Rect)
	draw.Draw(gray, gray.Rect, rgba, image.Point{}, draw.Src)
	tests := []struct {
		name     string
		img      image.Image
		encode   func() ([]byte, error)
		wantType string
		minPSNR  float64
	}{
		{"RGBA", rgba, func() ([]byte, error) { return l.EncodeRGBA(rgba, 90) }, "*image.YCbCr", 50},
		{"NRGBA", rgba, func() ([]byte, error) { return l.EncodeNRGBA(nrgba, 90) }, "*image.YCbCr", 50},
		{"Gray", gray, func() ([]byte, error) { return l.EncodeGray(gray, 90) }, "*image.Gray", 50},
		{"Encode/RGBA", rgba, func() ([]byte, error) { return l.Encode(rgba, 90) }, "*image.YCbCr", 50},
		{"Encode/Gray", gray, func() ([]byte, error) { return l.Encode(gray, 90) }, "*image.Gray", 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := tc.encode()
			if err != nil {
				t.Fatal(err)
			}
			got := decodeStd(t, data)
			if typ := typeName(got); typ != tc.wantType || got.Bounds() != tc.img.Bounds() {
				t.Fatalf("image/jpeg decodes %s %v, want %s %v", typ, got.Bounds(), tc.wantType, tc.img.Bounds())
			}
			p := psnrRGB(tc.img, got)
			t.Logf("PSNR %.1f dB", p)
			if p < tc.minPSNR {
				t.Errorf("PSNR = %.1f dB, want >= %.0f", p, tc.minPSNR)
			}
		})
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *image.YCbCr:
		return "*image.YCbCr"
	case *image.Gray:
		return "*image.Gray"
	}
	return "other"
}

// TestSubImages encodes sub-images, whose pixels start inside a larger
// buffer, aligned and not aligned to the chroma grid.
func TestSubImages(t *testing.T) {
	l := mustLoad(t)
	src := chelsea(t)
	rgba := toRGBA(src)
	gray := image.NewGray(rgba.Rect)
	draw.Draw(gray, gray.Rect, rgba, image.Point{}, draw.Src)
	s444 := resample(src, image.YCbCrSubsampleRatio444, src.Rect)
	tests := []struct {
		name string
		img  image.Image
		min  float64
	}{
		{"YCbCr420/aligned", src.SubImage(image.Rect(40, 20, 240, 180)), 35},
		{"YCbCr420/odd-origin", src.SubImage(image.Rect(41, 21, 240, 181)), 35},
		{"YCbCr420/bottom-right", src.SubImage(image.Rect(250, 150, 451, 300)), 35},
		{"YCbCr444/odd", s444.SubImage(image.Rect(13, 7, 400, 299)), 35},
		{"RGBA", rgba.SubImage(image.Rect(41, 21, 240, 181)), 35},
		{"Gray", gray.SubImage(image.Rect(41, 21, 240, 181)), 38},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := l.Encode(tc.img, 92)
			if err != nil {
				t.Fatal(err)
			}
			got := decodeStd(t, data)
			if got.Bounds().Size() != tc.img.Bounds().Size() {
				t.Fatalf("decoded size %v, want %v", got.Bounds().Size(), tc.img.Bounds().Size())
			}
			p := psnrRGB(tc.img, got)
			t.Logf("PSNR %.1f dB", p)
			if p < tc.min {
				t.Errorf("PSNR = %.1f dB, want >= %.0f", p, tc.min)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	l := mustLoad(t)
	ok := image.NewYCbCr(image.Rect(0, 0, 16, 16), image.YCbCrSubsampleRatio420)
	tests := []struct {
		name        string
		encode      func() ([]byte, error)
		unsupported bool
	}{
		{"quality 0", func() ([]byte, error) { return l.EncodeYCbCr(ok, 0) }, false},
		{"quality 101", func() ([]byte, error) { return l.EncodeRGBA(image.NewRGBA(image.Rect(0, 0, 8, 8)), 101) }, false},
		{"empty", func() ([]byte, error) { return l.EncodeGray(image.NewGray(image.Rect(0, 0, 0, 5)), 80) }, false},
		{"too wide", func() ([]byte, error) { return l.EncodeGray(&image.Gray{Rect: image.Rect(0, 0, 70000, 1)}, 80) }, false},
		{"short buffer", func() ([]byte, error) {
			return l.EncodeRGBA(&image.RGBA{Pix: make([]byte, 10), Stride: 32, Rect: image.Rect(0, 0, 8, 8)}, 80)
		}, false},
		{"4:1:0", func() ([]byte, error) {
			return l.EncodeYCbCr(image.NewYCbCr(image.Rect(0, 0, 16, 16), image.YCbCrSubsampleRatio410), 80)
		}, true},
		{"paletted", func() ([]byte, error) { return l.Encode(image.NewPaletted(image.Rect(0, 0, 4, 4), palette.Plan9), 80) }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := tc.encode()
			if err == nil {
				t.Fatalf("got %d bytes, want an error", len(data))
			}
			if !strings.HasPrefix(err.Error(), "turbojpeg: encode: ") {
				t.Errorf("error %q lacks the turbojpeg: encode: prefix", err)
			}
			if got := errors.Is(err, turbojpeg.ErrUnsupported); got != tc.unsupported {
				t.Errorf("errors.Is(%v, ErrUnsupported) = %v, want %v", err, got, tc.unsupported)
			}
		})
	}
}
