package report_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/fanout-dev/fanout/report"
)

// A pipeline records each item's phases as they happen (from any
// goroutine), then writes the report.
func ExampleRecorder() {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	rec := report.NewRecorder(report.Config{
		Start:    start,
		Settings: report.Settings{Workers: 2, Downloads: 4, Ops: "blur:2", Backend: "local"},
	})
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }

	a := rec.Begin("https://example.com/a.jpg")
	rec.Phase(a, report.Downloading, at(0), at(120))
	rec.Phase(a, report.Decoding, at(120), at(140))
	rec.Phase(a, report.Processing, at(140), at(200))
	rec.Phase(a, report.Encoding, at(200), at(215))
	rec.Phase(a, report.Writing, at(215), at(220))
	rec.Finish(a, report.Result{Output: "out/processed_a.jpg", BytesIn: 48000, BytesOut: 31000, Width: 640, Height: 480})

	b := rec.Begin("https://example.com/missing.jpg")
	rec.Phase(b, report.Downloading, at(0), at(80))
	rec.Finish(b, report.Result{Err: errors.New("download: https://example.com/missing.jpg: 404 Not Found")})

	r := rec.Report()
	s := r.Summary
	fmt.Printf("%d items: %d ok, %d failed in %v; network %v, compute %v; %d worker and %d download lanes\n",
		s.Items, s.OK, s.Failed, r.Wall, s.Network, s.Compute, r.Lanes.Workers, r.Lanes.Downloads)
	item, _ := json.Marshal(r.Items[1])
	fmt.Println(string(item))

	// A real pipeline writes to the file named by --report.
	if err := report.WriteHTML(io.Discard, r); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	// Output:
	// 2 items: 1 ok, 1 failed in 220ms; network 200ms, compute 95ms; 2 worker and 2 download lanes
	// {"index":1,"input":"https://example.com/missing.jpg","status":"failed","error":"download: https://example.com/missing.jpg: 404 Not Found","bytes_in":0,"bytes_out":0,"worker":-1,"slot":1,"spans":[{"phase":"downloading","start_ns":0,"end_ns":80000000}]}
}
