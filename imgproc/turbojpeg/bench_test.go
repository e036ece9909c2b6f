package turbojpeg_test

import (
	"bytes"
	"image"
	"image/jpeg"
	"path/filepath"
	"testing"
)

// benchPhoto is a 2560x1600 4:2:0 photo from the project's shared corpus.
var benchPhoto = filepath.Join(sharedDir, "photos", "kde-bythewater-2560x1600.jpg")

func benchData(b *testing.B) []byte {
	b.Helper()
	data, err := readOptional(benchPhoto)
	if err != nil {
		b.Skipf("benchmark photo unavailable (%v): the benchmarks use the shared corpus", err)
	}
	return data
}

// BenchmarkDecode decodes the photo with each codec, side by side. Bytes
// per second count decoded RGB pixels (3 bytes each).
func BenchmarkDecode(b *testing.B) {
	data := benchData(b)
	l := mustLoad(b)
	const px = 2560 * 1600
	b.Run("codec=turbojpeg", func(b *testing.B) {
		b.SetBytes(3 * px)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := l.Decode(data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("codec=image-jpeg", func(b *testing.B) {
		b.SetBytes(3 * px)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkEncode encodes the decoded photo at quality 90 with each codec,
// from YCbCr planes and from RGBA pixels.
func BenchmarkEncode(b *testing.B) {
	data := benchData(b)
	l := mustLoad(b)
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	ycc := img.(*image.YCbCr)
	rgba := toRGBA(ycc)
	const px = 2560 * 1600
	opts := &jpeg.Options{Quality: 90}
	for _, src := range []struct {
		name string
		img  image.Image
	}{{"YCbCr", ycc}, {"RGBA", rgba}} {
		b.Run("img="+src.name+"/codec=turbojpeg", func(b *testing.B) {
			b.SetBytes(3 * px)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := l.Encode(src.img, 90); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("img="+src.name+"/codec=image-jpeg", func(b *testing.B) {
			b.SetBytes(3 * px)
			b.ReportAllocs()
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := jpeg.Encode(&buf, src.img, opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
