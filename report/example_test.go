package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
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

// The JSON for other tools: one object for the batch, one per item, times
// in nanoseconds from the start.
func ExampleWriteJSON() {
	start := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	rec := report.NewRecorder(report.Config{Start: start, Settings: report.Settings{Workers: 1, Downloads: 1, Ops: "blur:2", Backend: "local"}})
	id := rec.Begin("https://example.com/a.jpg")
	rec.Phase(id, report.Downloading, start, start.Add(30*time.Millisecond))
	rec.Phase(id, report.Processing, start.Add(30*time.Millisecond), start.Add(50*time.Millisecond))
	rec.Finish(id, report.Result{Output: "out/processed_a.jpg", BytesIn: 1000, BytesOut: 800})

	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, rec.Report()); err != nil {
		fmt.Println(err)
		return
	}
	var out bytes.Buffer
	json.Indent(&out, buf.Bytes(), "", "  ")
	fmt.Println(out.String())
	// Output:
	// {
	//   "version": 1,
	//   "start": "2026-11-25T09:00:00Z",
	//   "wall_ns": 50000000,
	//   "settings": {
	//     "downloads": 1,
	//     "workers": 1,
	//     "ops": "blur:2",
	//     "backend": "local"
	//   },
	//   "lanes": {
	//     "workers": 1,
	//     "downloads": 1
	//   },
	//   "summary": {
	//     "items": 1,
	//     "ok": 1,
	//     "failed": 0,
	//     "skipped": 0,
	//     "unfinished": 0,
	//     "bytes_in": 1000,
	//     "bytes_out": 800,
	//     "pixels": 0,
	//     "per_second": 20,
	//     "phases_ns": {
	//       "waiting": 0,
	//       "downloading": 30000000,
	//       "decoding": 0,
	//       "processing": 20000000,
	//       "encoding": 0,
	//       "writing": 0
	//     },
	//     "network_ns": 30000000,
	//     "compute_ns": 20000000,
	//     "fetch_wall_ns": 30000000,
	//     "compute_wall_ns": 20000000,
	//     "overlap_wall_ns": 0,
	//     "utilisation": 0.4
	//   },
	//   "items": [
	//     {
	//       "index": 0,
	//       "input": "https://example.com/a.jpg",
	//       "output": "out/processed_a.jpg",
	//       "status": "ok",
	//       "bytes_in": 1000,
	//       "bytes_out": 800,
	//       "worker": 0,
	//       "slot": 0,
	//       "spans": [
	//         {
	//           "phase": "downloading",
	//           "start_ns": 0,
	//           "end_ns": 30000000
	//         },
	//         {
	//           "phase": "processing",
	//           "start_ns": 30000000,
	//           "end_ns": 50000000
	//         }
	//       ]
	//     }
	//   ]
	// }
}

// Another tool reads the JSON back and renders the page again, or its own.
func ExampleReadJSON() {
	const doc = `{"version":1,"wall_ns":2000000,"lanes":{"workers":1,"downloads":0},"items":[
	  {"index":0,"input":"a.png","status":"failed","error":"imgproc: decode: unexpected EOF","worker":0,"slot":-1,
	   "spans":[{"phase":"decoding","start_ns":0,"end_ns":2000000}]}]}`
	r, err := report.ReadJSON(strings.NewReader(doc))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range r.Items {
		fmt.Printf("%s %s after %v: %s\n", it.Input, it.Status, it.Spans[len(it.Spans)-1].End, it.Error)
	}
	if err := report.WriteHTML(io.Discard, r); err != nil {
		fmt.Println(err)
	}
	// Output:
	// a.png failed after 2ms: imgproc: decode: unexpected EOF
}
