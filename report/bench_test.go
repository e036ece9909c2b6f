package report_test

import (
	"fmt"
	"image"
	"io"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/report"
)

// BenchmarkRecorderItem measures what recording costs a pipeline per item:
// Begin, six phases and Finish, from all cores at once.
func BenchmarkRecorderItem(b *testing.B) {
	rec := report.NewRecorder(report.Config{})
	t0 := time.Now()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := rec.Begin("https://images.example.com/photos/0001.jpg")
			for p := range report.Phase(report.NumPhases) {
				rec.Phase(id, p, t0, t0.Add(time.Millisecond))
			}
			rec.Finish(id, report.Result{BytesIn: 1, BytesOut: 1})
		}
	})
}

// BenchmarkReport measures building the Report (lanes, summary) at the end.
func BenchmarkReport(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rec := report.NewRecorder(report.Config{Start: batchStart})
			for i := range n {
				id := rec.Begin("x")
				at := batchStart.Add(time.Duration(i) * time.Millisecond)
				rec.Phase(id, report.Downloading, at, at.Add(40*time.Millisecond))
				rec.Phase(id, report.Processing, at.Add(40*time.Millisecond), at.Add(90*time.Millisecond))
				rec.Finish(id, report.Result{})
			}
			b.ReportAllocs()
			for b.Loop() {
				rec.Report()
			}
		})
	}
}

func BenchmarkWrite(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		r, _ := simulate(b, simConfig{items: n, workers: 4, downloads: 16, seed: 1})
		for _, w := range []struct {
			name  string
			write func(io.Writer, *report.Report) error
		}{{"HTML", report.WriteHTML}, {"JSON", report.WriteJSON}} {
			b.Run(fmt.Sprintf("%s/%d", w.name, n), func(b *testing.B) {
				var size countWriter
				if err := w.write(&size, r); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if err := w.write(io.Discard, r); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

type countWriter int

func (c *countWriter) Write(b []byte) (int, error) { *c += countWriter(len(b)); return len(b), nil }

// BenchmarkThumbnail measures a thumbnail of a 2560x1600 photo-sized image,
// as decoded from a JPEG (YCbCr 4:2:0).
func BenchmarkThumbnail(b *testing.B) {
	img := image.NewYCbCr(image.Rect(0, 0, 2560, 1600), image.YCbCrSubsampleRatio420)
	for i := range img.Y {
		img.Y[i] = uint8(i * 7)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := report.Thumbnail(img, 0); err != nil {
			b.Fatal(err)
		}
	}
}
