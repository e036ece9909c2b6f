package lcms_test

import (
	"testing"

	"github.com/fanout-dev/fanout/imgproc/lcms"
)

// BenchmarkToSRGB converts 2560×1600 pixels from Display P3, 8 and 16
// bits, through LittleCMS and the pure-Go path (transforms cached).
func BenchmarkToSRGB(b *testing.B) {
	const w, h = 2560, 1600
	icc := readICC(b, "display-p3-v4.icc")
	for _, format := range []lcms.PixelFormat{lcms.RGBA8, lcms.RGBA16} {
		n := 4
		if format == lcms.RGBA16 {
			n = 8
		}
		src := lcms.Pixels{Pix: make([]byte, n*w*h), Stride: n * w, Format: format}
		for i := range src.Pix {
			src.Pix[i] = byte(i*7 + i/(n*w))
		}
		dst := lcms.Pixels{Pix: make([]byte, len(src.Pix)), Stride: src.Stride, Format: format}
		convs := []struct {
			name    string
			convert func(dst, src lcms.Pixels, w, h int, icc []byte, intent lcms.Intent) error
		}{{"portable", lcms.Portable}}
		if lib, err := lcms.Load(); err == nil {
			convs = append(convs, struct {
				name    string
				convert func(dst, src lcms.Pixels, w, h int, icc []byte, intent lcms.Intent) error
			}{"lcms", lib.ToSRGB})
		}
		for _, c := range convs {
			b.Run(format.String()+"/"+c.name, func(b *testing.B) {
				b.SetBytes(int64(len(src.Pix)))
				b.ReportAllocs()
				for b.Loop() {
					if err := c.convert(dst, src, w, h, icc, lcms.Perceptual); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
