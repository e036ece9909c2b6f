package report_test

import (
	"bytes"
	"image"
	"image/color"
	_ "image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/draw"

	"github.com/fanout-dev/fanout/report"
)

func decodeFile(t *testing.T, path string) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return img
}

// upscale scales img to w×h with bilinear filtering.
func upscale(img image.Image, w, h int) image.Image {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	return dst
}

func TestThumbnail(t *testing.T) {
	photo := decodeFile(t, filepath.Join("..", "testdata", "report", "skimage-chelsea.jpg")) // 451x300
	transparent := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	tall := image.NewGray(image.Rect(0, 0, 30, 300))
	tests := []struct {
		name   string
		img    image.Image
		size   int
		wantW  int
		wantH  int
		wantPx color.Gray // the centre pixel's grey level, checked when set
	}{
		{"default size", photo, 0, report.DefaultThumbnailSize, 133, color.Gray{}},
		{"wide to 100", photo, 100, 100, 66, color.Gray{}},
		{"tall to 100", tall, 100, 10, 100, color.Gray{}},
		{"never enlarged", photo, 1000, 451, 300, color.Gray{}},
		{"transparent on white", transparent, 0, 10, 10, color.Gray{Y: 255}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := report.Thumbnail(tc.img, tc.size)
			if err != nil {
				t.Fatal(err)
			}
			got, format, err := image.Decode(bytes.NewReader(b))
			if err != nil || format != "jpeg" {
				t.Fatalf("Thumbnail output: format %q, %v; want a JPEG", format, err)
			}
			if w, h := got.Bounds().Dx(), got.Bounds().Dy(); w != tc.wantW || h != tc.wantH {
				t.Errorf("Thumbnail(%dx%d, %d) is %dx%d, want %dx%d", tc.img.Bounds().Dx(), tc.img.Bounds().Dy(), tc.size, w, h, tc.wantW, tc.wantH)
			}
			if tc.wantPx.Y != 0 {
				c := color.GrayModel.Convert(got.At(5, 5)).(color.Gray)
				if d := int(c.Y) - int(tc.wantPx.Y); d < -3 || d > 3 {
					t.Errorf("centre pixel %v, want %v", c, tc.wantPx)
				}
			}
		})
	}
	if _, err := report.Thumbnail(image.NewRGBA(image.Rectangle{}), 0); err == nil {
		t.Error("Thumbnail of an empty image: no error")
	}
}
