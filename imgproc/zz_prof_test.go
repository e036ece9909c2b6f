package imgproc_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/fanout-dev/fanout/imgproc"
)

func BenchmarkRealPhotos(b *testing.B) {
	files, _ := filepath.Glob("/work/shared/testdata/photos/kde-*.jpg")
	var datas [][]byte
	for _, f := range files {
		d, _ := os.ReadFile(f)
		datas = append(datas, d)
	}
	for b.Loop() {
		for _, d := range datas {
			p, err := imgproc.Decode(d, &imgproc.DecodeOptions{JPEG: imgproc.JPEGTurbo})
			if err != nil {
				b.Fatal(err)
			}
			p.Image, _ = imgproc.GaussianBlur(p.Image, 15, nil)
			var out bytes.Buffer
			imgproc.Encode(&out, p, &imgproc.EncodeOptions{JPEG: imgproc.JPEGTurbo})
		}
	}
}
