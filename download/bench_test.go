package download_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/download"
)

// BenchmarkLatency fetches 88 images from a server that waits 150 ms
// before answering each request, with 2 requests in flight (the setting of
// the process-pool tutorial this project replaces), with the default 32,
// and with all 88 at once. The x/floor metric divides the time per batch by
// 150 ms × 88 / in-flight, the least time that many requests can take.
//
//	go test -run '^$' -bench Latency -count 5 ./download
func BenchmarkLatency(b *testing.B) {
	const (
		files   = 88
		latency = 150 * time.Millisecond
	)
	jpg := mustRead(b, "sharp-concert.jpg")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency) // time to first byte
		serveImage(w, "image/jpeg", jpg)
	}))
	defer srv.Close()
	var srcs []string
	for i := range files {
		srcs = append(srcs, srv.URL+"/photos/img"+strconv.Itoa(i)+".jpg")
	}
	for _, inFlight := range []int{2, download.DefaultMaxInFlight, files} {
		b.Run(fmt.Sprintf("inflight=%d", inFlight), func(b *testing.B) {
			d := &download.Downloader{MaxInFlight: inFlight}
			defer d.CloseIdleConnections()
			b.SetBytes(int64(files * len(jpg)))
			for b.Loop() {
				n := 0
				err := d.FetchAll(b.Context(), slices.Values(srcs), func(src string, res *download.Result, err error) {
					if err != nil {
						b.Fatal(err)
					}
					if len(res.Data) != len(jpg) {
						b.Fatalf("%s: %d bytes, want %d", src, len(res.Data), len(jpg))
					}
					n++
				})
				if err != nil || n != files {
					b.Fatalf("FetchAll: %d of %d files, error %v", n, files, err)
				}
			}
			floor := time.Duration(int64(latency) * files / int64(inFlight))
			perBatch := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(perBatch)/float64(floor), "x/floor")
			b.ReportMetric(float64(files)/perBatch.Seconds(), "files/s")
		})
	}
}
