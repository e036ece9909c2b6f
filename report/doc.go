// Package report records the timeline of a batch run and renders it as one
// self-contained HTML page, or as JSON for other tools.
//
// The work of a batch overlaps: downloads are in flight while CPU workers
// decode, process and encode other items. The report shows that, in the
// manner of Dask's task stream: a timeline with one lane per CPU worker and
// per download slot, each item a bar split into coloured phases; throughput
// and the number of items in each phase over time; a summary (counts, wall
// time, images per second, and the wall time split by what was happening:
// fetching only, computing only, both at once, neither); failures with
// their causes; and before/after thumbnails of a sample.
//
// # Recording
//
// A pipeline creates a [Recorder] with [NewRecorder], then, from any
// goroutine, calls [Recorder.Begin] for each item, [Recorder.Phase] with
// the start and end of each [Phase] (waiting, downloading, decoding,
// processing, encoding, writing), and [Recorder.Finish] with a [Result].
// [Recorder.Report] returns the [Report], which [WriteHTML] and [WriteJSON]
// write out. The Recorder gives each item a lane, so a pipeline built on a
// semaphore or an errgroup needs no worker identities; a backend that has
// them (worker processes) pins them with [Recorder.PinWorker]. For the
// sampled items ([Recorder.Sample]) the pipeline attaches thumbnails made
// by [Thumbnail], or made by a remote worker and sent back as bytes.
//
// A Recorder keeps every item, a few hundred bytes each. For a batch of
// unbounded length that only needs its summary, [Config.SummaryOnly] keeps
// the totals, the unfinished items and the first [MaxKeptFailures]
// failures; its Report is Partial and cannot be written as a page.
//
// # JSON schema (version 1)
//
// [WriteJSON] writes one object; [ReadJSON] reads it back. Times are
// integers in nanoseconds, offsets from "start"; byte slices are base64.
//
//	{
//	  "version": 1,                     // SchemaVersion
//	  "start": "2026-11-25T09:30:00Z",  // RFC 3339
//	  "wall_ns": 16800000000,
//	  "settings": {"downloads": 16, "workers": 4, "ops": "blur:2", "backend": "local"},
//	  "lanes": {"workers": 4, "downloads": 16},
//	  "summary": {
//	    "items": 1000, "ok": 957, "failed": 42, "skipped": 1, "unfinished": 0,
//	    "bytes_in": 341000000, "bytes_out": 201000000, "pixels": 3990000000,
//	    "per_second": 57.0,
//	    "phases_ns": {"waiting": 0, "downloading": 0, "decoding": 0,
//	                  "processing": 0, "encoding": 0, "writing": 0},
//	    "network_ns": 0, "compute_ns": 0,   // summed over items
//	    "fetch_wall_ns": 0, "compute_wall_ns": 0, "overlap_wall_ns": 0,
//	    "utilisation": 0.98
//	  },
//	  "items": [{
//	    "index": 0,                     // position in "items"
//	    "input": "https://example.com/a.jpg",
//	    "output": "out/processed_a.jpg", // omitted when empty
//	    "status": "ok",                 // ok | failed | skipped | unfinished
//	    "error": "...",                 // omitted when empty
//	    "bytes_in": 250000, "bytes_out": 150000,
//	    "width": 2560, "height": 1600, "out_width": 2560, "out_height": 1600,
//	    "worker": 2,                    // worker lane, -1 if none
//	    "slot": 5,                      // download lane, -1 if none
//	    "spans": [{"phase": "downloading", "start_ns": 0, "end_ns": 120000000}, ...],
//	    "before": "/9j/4AAQ...",        // base64 JPEG or PNG, omitted when absent
//	    "after": "/9j/4AAQ..."
//	  }]
//	}
//
// Readers must ignore fields they do not know: later versions may add
// some without changing "version".
//
// # The page
//
// [WriteHTML] uses html/template, so inputs, outputs and error texts (which
// come from users and remote servers) are escaped wherever they appear. The
// item data is embedded once, as JSON, and drawn on canvases by a small
// inline script: no CDN, no fonts, no network. Thumbnails are data URLs.
// The page measures itself: it writes its drawing time and a few checks
// (bars drawn, bars painted, hit testing, script errors) into
// <pre id="selftest">, which the tests read from headless Chromium.
//
// # Dependencies
//
// [Thumbnail] scales with golang.org/x/image/draw, the Go project's own
// image scaler (already a module dependency for the image codecs), rather
// than a hand-written resampler.
package report
