package imgproc_test

import (
	"bytes"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/imgproc/libtiff"
	"golang.org/x/image/tiff"
)

// benchTIFFs returns 2560×1600 TIFFs of a photo in the baseline layouts
// both decoders read: 8-bit RGB uncompressed, Deflate with the predictor
// and (when tiffcp is installed) LZW, and 16-bit RGB uncompressed and
// Deflate.
func benchTIFFs(b *testing.B) map[string][]byte {
	b.Helper()
	pic, err := imgproc.Decode(mustReadFile(b, "skimage-chelsea.jpg"), &imgproc.DecodeOptions{RGB: true})
	if err != nil {
		b.Fatal(err)
	}
	img, err := imgproc.Resize(pic.Image, 2560, 1600, nil)
	if err != nil {
		b.Fatal(err)
	}
	rgba := image.NewRGBA(img.Bounds())
	deep := image.NewRGBA64(img.Bounds())
	for y := range 1600 {
		for x := range 2560 {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			rgba.SetRGBA(x, y, c)
			n := uint16(x*131+y*71) & 0xff
			deep.SetRGBA64(x, y, color.RGBA64{uint16(c.R)<<8 | n, uint16(c.G)<<8 | n, uint16(c.B)<<8 | n, 0xffff})
		}
	}
	files := map[string][]byte{}
	enc := func(name string, m image.Image, o *tiff.Options) {
		var buf bytes.Buffer
		if err := tiff.Encode(&buf, m, o); err != nil {
			b.Fatal(err)
		}
		files[name] = buf.Bytes()
	}
	enc("rgb8-raw", rgba, nil)
	enc("rgb8-deflate", rgba, &tiff.Options{Compression: tiff.Deflate, Predictor: true})
	enc("rgb16-raw", deep, nil)
	enc("rgb16-deflate", deep, &tiff.Options{Compression: tiff.Deflate, Predictor: true})
	if tiffcp, err := exec.LookPath("tiffcp"); err == nil {
		dir := b.TempDir()
		in, out := filepath.Join(dir, "in.tif"), filepath.Join(dir, "out.tif")
		if err := os.WriteFile(in, files["rgb8-raw"], 0o644); err != nil {
			b.Fatal(err)
		}
		if err := exec.Command(tiffcp, "-c", "lzw:2", in, out).Run(); err == nil {
			files["rgb8-lzw"], _ = os.ReadFile(out)
		}
	}
	return files
}

// BenchmarkDecodeTIFF compares libtiff with golang.org/x/image/tiff on
// the baseline layouts both read (see tiffAllLibTIFF).
func BenchmarkDecodeTIFF(b *testing.B) {
	files := benchTIFFs(b)
	for _, name := range []string{"rgb8-raw", "rgb8-deflate", "rgb8-lzw", "rgb16-raw", "rgb16-deflate"} {
		data := files[name]
		if data == nil {
			continue
		}
		for _, codec := range []string{"libtiff", "x-image"} {
			b.Run(name+"/"+codec, func(b *testing.B) {
				if codec == "x-image" {
					imgproc.UseTIFFPortable(b)
				} else if _, err := libtiff.Load(); err != nil {
					b.Skipf("no libtiff (apt install libtiff6): %v", err)
				}
				b.SetBytes(2560 * 1600)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := imgproc.Decode(data, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
