package imgproc_test

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"sync"
	"testing"

	"golang.org/x/image/draw"

	"github.com/fanout-dev/fanout/imgproc"
)

// benchJPEG is a 2560×1600 4:2:0 JPEG at quality 90, the size of the W-cpu
// photos, made by enlarging a test photo.
var benchJPEG = sync.OnceValue(func() []byte {
	data, err := osReadTestdata("skimage-chelsea.jpg")
	if err != nil {
		panic(err)
	}
	src, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		panic(err)
	}
	dst := image.NewRGBA(image.Rect(0, 0, 2560, 1600))
	draw.CatmullRom.Scale(dst, dst.Rect, src, src.Bounds(), draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return buf.Bytes()
})

func mustBenchPicture(b *testing.B) *imgproc.Picture {
	b.Helper()
	p, err := imgproc.Decode(benchJPEG(), &imgproc.DecodeOptions{JPEG: imgproc.JPEGStd})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkGaussianBlur blurs the YCbCr planes of a 2560×1600 photo; the
// time per operation should not depend on sigma.
func BenchmarkGaussianBlur(b *testing.B) {
	p := mustBenchPicture(b)
	rgb := toNRGBAImage(p.Image)
	for _, sigma := range []float64{2, 15, 50} {
		b.Run(fmt.Sprintf("ycbcr/sigma=%v", sigma), func(b *testing.B) {
			b.SetBytes(int64(p.Image.Bounds().Dx() * p.Image.Bounds().Dy() * 3))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := imgproc.GaussianBlur(p.Image, sigma, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, sigma := range []float64{2, 15, 50} {
		b.Run(fmt.Sprintf("rgb/sigma=%v", sigma), func(b *testing.B) {
			b.SetBytes(int64(rgb.Rect.Dx() * rgb.Rect.Dy() * 3))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := imgproc.GaussianBlur(rgb, sigma, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWCPU runs the W-cpu job on one 2560×1600 photo: decode, Gaussian
// blur sigma 15, encode JPEG quality 75.
func BenchmarkWCPU(b *testing.B) {
	data := benchJPEG()
	for _, codec := range []imgproc.JPEGCodec{imgproc.JPEGStd, imgproc.JPEGTurbo} {
		b.Run("codec="+codec.String(), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				p, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: codec})
				if err != nil {
					b.Skip(err)
				}
				if p.Image, err = imgproc.GaussianBlur(p.Image, 15, nil); err != nil {
					b.Fatal(err)
				}
				var out bytes.Buffer
				if err := imgproc.Encode(&out, p, &imgproc.EncodeOptions{JPEG: codec}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecode decodes a 2560×1600 4:2:0 JPEG.
func BenchmarkDecode(b *testing.B) {
	data := benchJPEG()
	for _, codec := range []imgproc.JPEGCodec{imgproc.JPEGStd, imgproc.JPEGTurbo} {
		b.Run("codec="+codec.String(), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: codec}); err != nil {
					b.Skip(err)
				}
			}
		})
	}
}

// BenchmarkEncode encodes a 2560×1600 4:2:0 picture as JPEG quality 75.
func BenchmarkEncode(b *testing.B) {
	p := mustBenchPicture(b)
	for _, codec := range []imgproc.JPEGCodec{imgproc.JPEGStd, imgproc.JPEGTurbo} {
		b.Run("codec="+codec.String(), func(b *testing.B) {
			b.SetBytes(int64(p.Image.Bounds().Dx() * p.Image.Bounds().Dy() * 3))
			b.ReportAllocs()
			for b.Loop() {
				var out bytes.Buffer
				if err := imgproc.Encode(&out, p, &imgproc.EncodeOptions{JPEG: codec}); err != nil {
					b.Skip(err)
				}
			}
		})
	}
}

// BenchmarkResize resizes a 2560×1600 photo to 800 px wide: its YCbCr
// planes (the JPEG path), and as RGB and RGBA (Pillow's modes), with the
// default bicubic filter and with Lanczos.
func BenchmarkResize(b *testing.B) {
	p := mustBenchPicture(b)
	rgb, err := imgproc.Decode(benchJPEG(), &imgproc.DecodeOptions{RGB: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		img  image.Image
	}{{"ycbcr", p.Image}, {"rgb", rgb.Image}} {
		for _, f := range []imgproc.Filter{imgproc.Bicubic, imgproc.Lanczos} {
			b.Run(tc.name+"/"+f.String(), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := imgproc.Resize(tc.img, 800, 0, &imgproc.ResizeOptions{Filter: f}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkWThumb is the W-thumb job on one 2560×1600 photo: decode
// (shrink-on-load where the list allows it), resize to 800 px wide, encode
// JPEG quality 80.
func BenchmarkWThumb(b *testing.B) {
	data := benchJPEG()
	ops, err := imgproc.ParseOps("resize=800x")
	if err != nil {
		b.Fatal(err)
	}
	for _, codec := range []imgproc.JPEGCodec{imgproc.JPEGStd, imgproc.JPEGTurbo} {
		b.Run("codec="+codec.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: codec, Draft: ops.DraftScale})
				if err != nil {
					b.Skip(err)
				}
				if p.Image, err = ops.ApplyPicture(b.Context(), p, &imgproc.ApplyOptions{Output: imgproc.JPEG}); err != nil {
					b.Fatal(err)
				}
				var out bytes.Buffer
				if err := imgproc.Encode(&out, p, &imgproc.EncodeOptions{JPEG: codec, Quality: 80}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
