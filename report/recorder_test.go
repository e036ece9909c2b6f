package report_test

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/fanout-dev/fanout/report"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestRecorderLanes(t *testing.T) {
	type span struct{ start, end, pin int } // milliseconds; pin < 0: not pinned
	tests := []struct {
		name      string
		workers   int // Settings.Workers
		spans     []span
		wantLanes []int
		wantCount int
	}{
		{"empty", 0, nil, []int{}, 0},
		{"serial items share lane 0", 0, []span{{0, 10, -1}, {10, 20, -1}, {25, 30, -1}}, []int{0, 0, 0}, 1},
		{"overlap opens a lane", 0, []span{{0, 10, -1}, {5, 15, -1}, {12, 20, -1}}, []int{0, 1, 0}, 2},
		{"three at once", 0, []span{{0, 30, -1}, {1, 10, -1}, {2, 10, -1}, {10, 20, -1}}, []int{0, 1, 2, 1}, 3},
		{"order of Begin does not matter", 0, []span{{12, 20, -1}, {5, 15, -1}, {0, 10, -1}}, []int{0, 1, 0}, 2},
		{"settings show idle workers", 8, []span{{0, 10, -1}}, []int{0}, 8},
		{"pinned lanes kept", 0, []span{{0, 10, 3}, {0, 10, 1}}, []int{3, 1}, 4},
		{"auto items fill around pins", 0, []span{{0, 10, 0}, {1, 5, -1}, {6, 9, -1}}, []int{0, 1, 1}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := report.NewRecorder(report.Config{Start: batchStart, Settings: report.Settings{Workers: tc.workers}})
			for i, s := range tc.spans {
				id := rec.Begin(fmt.Sprint(i))
				rec.Phase(id, report.Processing, batchStart.Add(ms(s.start)), batchStart.Add(ms(s.end)))
				if s.pin >= 0 {
					rec.PinWorker(id, s.pin)
				}
				rec.Finish(id, report.Result{})
			}
			r := rec.Report()
			got := make([]int, len(r.Items))
			for i, it := range r.Items {
				got[i] = it.Worker
				if it.Slot != -1 {
					t.Errorf("item %d: Slot = %d, want -1 (no download)", i, it.Slot)
				}
			}
			if diff := gocmp.Diff(tc.wantLanes, got); diff != "" {
				t.Errorf("worker lanes (-want +got):\n%s", diff)
			}
			if r.Lanes.Workers != tc.wantCount {
				t.Errorf("Lanes.Workers = %d, want %d", r.Lanes.Workers, tc.wantCount)
			}
		})
	}
}

// TestSimulatedLanes checks lanes on a simulated batch: pinned workers are
// kept, and the download lanes chosen by the Recorder never hold two items
// at once and number no more than the downloads allowed in flight.
func TestSimulatedLanes(t *testing.T) {
	r, sims := simulate(t, simConfig{items: 300, workers: 3, downloads: 6, seed: 7})
	if got, want := r.Lanes, (report.Lanes{Workers: 3, Downloads: 6}); got != want {
		t.Errorf("Lanes = %+v, want %+v", got, want)
	}
	type iv struct{ start, end time.Duration }
	slots := map[int][]iv{}
	for i, it := range r.Items {
		if it.Worker != sims[i].worker {
			t.Errorf("item %d: Worker = %d, want %d", i, it.Worker, sims[i].worker)
		}
		if (it.Slot < 0) != (sims[i].slot < 0) {
			t.Errorf("item %d: Slot = %d, simulation used slot %d", i, it.Slot, sims[i].slot)
		}
		for _, s := range it.Spans {
			if s.Phase == report.Downloading {
				slots[it.Slot] = append(slots[it.Slot], iv{s.Start, s.End})
			}
		}
	}
	for slot, ivs := range slots {
		for a := range ivs {
			for b := range a {
				if ivs[a].start < ivs[b].end && ivs[b].start < ivs[a].end {
					t.Errorf("download lane %d holds overlapping spans %v and %v", slot, ivs[a], ivs[b])
				}
			}
		}
	}
}

func TestRecorderSummary(t *testing.T) {
	rec := report.NewRecorder(report.Config{Start: batchStart, Settings: report.Settings{Workers: 2, Downloads: 1}})
	at := func(n int) time.Time { return batchStart.Add(ms(n)) }
	a := rec.Begin("a.jpg")
	rec.Phase(a, report.Downloading, at(0), at(100))
	rec.Phase(a, report.Decoding, at(100), at(150))
	rec.Phase(a, report.Processing, at(150), at(350))
	rec.Phase(a, report.Encoding, at(350), at(400))
	rec.Phase(a, report.Writing, at(400), at(500))
	rec.Finish(a, report.Result{BytesIn: 1000, BytesOut: 600, Width: 20, Height: 10})
	b := rec.Begin("b.jpg")
	rec.Phase(b, report.Waiting, at(0), at(100))
	rec.Phase(b, report.Downloading, at(100), at(200))
	rec.Finish(b, report.Result{Err: errors.New("download: b.jpg: 404")})
	rec.Begin("c.jpg") // never finished

	r := rec.Report()
	want := report.Summary{
		Items: 3, OK: 1, Failed: 1, Unfinished: 1,
		BytesIn: 1000, BytesOut: 600, Pixels: 200,
		PerSecond: 2, // one OK item in 500 ms
		Phases:    report.PhaseTimes{ms(100), ms(200), ms(50), ms(200), ms(50), ms(100)},
		Network:   ms(200), Compute: ms(300),
		// Fetching 0-200 ms, computing 100-400 ms: both 100-200 ms.
		FetchWall: ms(200), ComputeWall: ms(300), OverlapWall: ms(100),
		Utilisation: 0.3, // 300 ms of CPU phases over 2 lanes × 500 ms
	}
	if diff := gocmp.Diff(want, r.Summary); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
	if r.Wall != ms(500) {
		t.Errorf("Wall = %v, want 500ms", r.Wall)
	}
	if got := r.Items[1].Error; got != "download: b.jpg: 404" {
		t.Errorf("Items[1].Error = %q", got)
	}
}

func TestFinishStatus(t *testing.T) {
	tests := []struct {
		name string
		res  report.Result
		want report.Status
	}{
		{"zero is ok", report.Result{}, report.StatusOK},
		{"error is failed", report.Result{Err: errors.New("boom")}, report.StatusFailed},
		{"skipped with reason", report.Result{Status: report.StatusSkipped, Err: errors.New("exists")}, report.StatusSkipped},
		{"explicit failed without error", report.Result{Status: report.StatusFailed}, report.StatusFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := report.NewRecorder(report.Config{})
			id := rec.Begin("x")
			rec.Finish(id, tc.res)
			if got := rec.Report().Items[0].Status; got != tc.want {
				t.Errorf("Finish(%+v): status %v, want %v", tc.res, got, tc.want)
			}
		})
	}
}

func TestPhaseClamps(t *testing.T) {
	rec := report.NewRecorder(report.Config{Start: batchStart})
	id := rec.Begin("x")
	rec.Phase(id, report.Downloading, batchStart.Add(-time.Second), batchStart.Add(ms(5)))
	rec.Phase(id, report.Decoding, batchStart.Add(ms(9)), batchStart.Add(ms(7)))
	got := rec.Report().Items[0].Spans
	want := []report.Span{{Phase: report.Downloading, Start: 0, End: ms(5)}, {Phase: report.Decoding, Start: ms(9), End: ms(9)}}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
}

func TestRecorderMisusePanics(t *testing.T) {
	rec := report.NewRecorder(report.Config{})
	rec.Begin("only")
	tests := []struct {
		name string
		call func()
	}{
		{"Phase", func() { rec.Phase(5, report.Decoding, time.Now(), time.Now()) }},
		{"Phase unknown phase", func() { rec.Phase(0, report.NumPhases, time.Now(), time.Now()) }},
		{"Finish", func() { rec.Finish(-1, report.Result{}) }},
		{"PinWorker", func() { rec.PinWorker(1, 0) }},
		{"Thumbnails", func() { rec.Thumbnails(9, nil, nil) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s with a bad argument did not panic", tc.name)
				}
			}()
			tc.call()
		})
	}
}

// TestRecorderConcurrent records from many goroutines at once, as a
// pipeline does, and takes reports while they run; run it with -race.
func TestRecorderConcurrent(t *testing.T) {
	const goroutines, perG = 8, 200
	rec := report.NewRecorder(report.Config{Settings: report.Settings{Workers: goroutines}})
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perG {
				id := rec.Begin(fmt.Sprintf("g%d-%d", g, i))
				t0 := time.Now()
				rec.Phase(id, report.Downloading, t0, t0.Add(time.Microsecond))
				rec.Phase(id, report.Processing, t0.Add(time.Microsecond), t0.Add(2*time.Microsecond))
				if rec.Sample(id) {
					rec.Thumbnails(id, []byte("\xff\xd8\xff"), nil)
				}
				rec.Finish(id, report.Result{BytesIn: 1})
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			_ = rec.Report()
		}
	})
	wg.Wait()
	r := rec.Report()
	if got, want := r.Summary.OK, goroutines*perG; got != want {
		t.Fatalf("OK = %d, want %d", got, want)
	}
	seen := map[string]bool{}
	for i, it := range r.Items {
		if it.Index != i || len(it.Spans) != 2 || seen[it.Input] {
			t.Fatalf("item %d = %+v: want index %d, 2 spans, a unique input", i, it, i)
		}
		seen[it.Input] = true
	}
	if r.Lanes.Workers > goroutines || r.Lanes.Downloads > goroutines {
		t.Errorf("Lanes = %+v: more lanes than the %d goroutines that ran at once", r.Lanes, goroutines)
	}
}

func TestZeroWaitDropped(t *testing.T) {
	rec := report.NewRecorder(report.Config{Start: batchStart})
	id := rec.Begin("x")
	rec.Phase(id, report.Waiting, batchStart.Add(ms(3)), batchStart.Add(ms(3)))
	rec.Phase(id, report.Writing, batchStart.Add(ms(3)), batchStart.Add(ms(3)))
	rec.Phase(id, report.Waiting, batchStart.Add(ms(3)), batchStart.Add(ms(4)))
	got := rec.Report().Items[0].Spans
	want := []report.Span{{Phase: report.Writing, Start: ms(3), End: ms(3)}, {Phase: report.Waiting, Start: ms(3), End: ms(4)}}
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("spans (-want +got):\n%s", diff)
	}
}

// record plays a batch of n items into rec: every seventh fails, every
// eleventh is skipped, the last three stay unfinished; each finished item
// downloads, then decodes, processes, encodes and writes on worker i%2.
func record(rec *report.Recorder, n int) {
	for i := range n {
		id := rec.Begin(fmt.Sprintf("https://example.com/img-%d.jpg", i))
		t0 := batchStart.Add(ms(i))
		rec.Phase(id, report.Downloading, t0, t0.Add(ms(150)))
		if i >= n-3 {
			continue // unfinished
		}
		rec.PinWorker(id, i%2)
		rec.Phase(id, report.Decoding, t0.Add(ms(150)), t0.Add(ms(152)))
		rec.Phase(id, report.Processing, t0.Add(ms(152)), t0.Add(ms(155)))
		rec.Phase(id, report.Encoding, t0.Add(ms(155)), t0.Add(ms(156)))
		rec.Phase(id, report.Writing, t0.Add(ms(156)), t0.Add(ms(157)))
		res := report.Result{Output: fmt.Sprintf("out/img-%d.jpg", i), BytesIn: 1000, BytesOut: 400, Width: 50, Height: 40}
		switch {
		case i%7 == 0:
			res = report.Result{Err: fmt.Errorf("img-%d: corrupt", i)}
		case i%11 == 0:
			res = report.Result{Status: report.StatusSkipped, Err: errors.New("output exists")}
		}
		rec.Finish(id, res)
		rec.Phase(id, report.Waiting, t0, t0.Add(ms(1))) // late: ignored once finished in summary mode
	}
}

// TestSummaryOnly checks that a SummaryOnly Recorder's summary is the full
// Recorder's, with the failed and unfinished items kept and nothing else.
func TestSummaryOnly(t *testing.T) {
	settings := report.Settings{Workers: 2, Downloads: 8}
	full := report.NewRecorder(report.Config{Start: batchStart, Settings: settings})
	lean := report.NewRecorder(report.Config{Start: batchStart, Settings: settings, SummaryOnly: true})
	const n = 100
	record(full, n)
	record(lean, n)
	want, got := full.Report(), lean.Report()
	// The late Waiting span reaches the full Recorder only.
	wantSum := want.Summary
	wantSum.Phases[report.Waiting] = 0
	if diff := gocmp.Diff(wantSum, got.Summary); diff != "" {
		t.Errorf("summary (-full +summary-only):\n%s", diff)
	}
	if got.Wall != want.Wall || got.Lanes.Workers != 2 {
		t.Errorf("Wall, Lanes.Workers = %v, %d; want %v, 2", got.Wall, got.Lanes.Workers, want.Wall)
	}
	var kept []string
	for _, it := range got.Items {
		kept = append(kept, fmt.Sprintf("%d %s %s", it.Index, it.Status, it.Error))
	}
	var wantKept []string
	for _, it := range want.Items {
		if it.Status == report.StatusFailed || it.Status == report.StatusUnfinished {
			wantKept = append(wantKept, fmt.Sprintf("%d %s %s", it.Index, it.Status, it.Error))
		}
	}
	if diff := gocmp.Diff(wantKept, kept); diff != "" {
		t.Errorf("kept items (-want +got):\n%s", diff)
	}
	if !got.Partial || want.Partial {
		t.Errorf("Partial = %v (summary-only), %v (full); want true, false", got.Partial, want.Partial)
	}
	if err := report.WriteJSON(io.Discard, got); err == nil || !strings.Contains(err.Error(), "summary-only") {
		t.Errorf("WriteJSON of a partial report: %v, want a refusal", err)
	}
	before := got.Summary
	got.Summarize()
	if got.Summary != before {
		t.Errorf("Summarize changed a partial report's summary to %+v", got.Summary)
	}
	defer func() {
		if recover() == nil {
			t.Error("Finish of an item Begin did not return did not panic")
		}
	}()
	lean.Finish(report.ItemID(n), report.Result{})
}

// TestSummaryOnlyReportsIndependent checks that reports of a SummaryOnly
// Recorder share no memory with it or with each other: Report sorts the
// kept failures' spans, concurrently (go test -race), and a caller may edit
// what it got.
func TestSummaryOnlyReportsIndependent(t *testing.T) {
	rec := report.NewRecorder(report.Config{Start: batchStart, SummaryOnly: true})
	id := rec.Begin("broken.jpg")
	rec.Phase(id, report.Decoding, batchStart.Add(ms(5)), batchStart.Add(ms(6))) // out of order
	rec.Phase(id, report.Downloading, batchStart, batchStart.Add(ms(5)))
	rec.Finish(id, report.Result{Err: errors.New("corrupt")})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() { rec.Report() })
	}
	wg.Wait()
	first := rec.Report()
	first.Items[0].Spans[0].Phase = report.Writing
	if got := rec.Report().Items[0].Spans[0].Phase; got != report.Downloading {
		t.Errorf("a later report's first span is %v, want Downloading, untouched by an edit of an earlier one", got)
	}
}

// TestSummaryOnlyMemory checks that a SummaryOnly Recorder's memory does
// not grow with the batch: 200,000 items leave less than a MiB behind
// (the full Recorder keeps hundreds of bytes per item), failures beyond
// MaxKeptFailures are counted but not kept.
func TestSummaryOnlyMemory(t *testing.T) {
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	rec := report.NewRecorder(report.Config{Start: batchStart, SummaryOnly: true})
	const n = 200_000
	for i := range n {
		id := rec.Begin("https://example.com/a/rather/long/path/to/an/image.jpg")
		rec.Phase(id, report.Downloading, batchStart, batchStart.Add(ms(1)))
		res := report.Result{Output: "out/processed_image.jpg"}
		if i%100 == 0 {
			res.Err = errors.New("connection reset by peer")
		}
		rec.Finish(id, res)
	}
	grew := int64(heap()) - int64(before)
	r := rec.Report()
	runtime.KeepAlive(rec)
	if grew > 1<<20 {
		t.Errorf("recording %d items kept %d bytes, want under 1 MiB", n, grew)
	}
	if r.Summary.Items != n || r.Summary.Failed != n/100 || len(r.Items) != report.MaxKeptFailures {
		t.Errorf("summary %d items, %d failed, %d kept; want %d, %d, %d",
			r.Summary.Items, r.Summary.Failed, len(r.Items), n, n/100, report.MaxKeptFailures)
	}
}

// TestSummaryOnlyBusyTimes plays a pipeline of many items in clock order,
// as a real batch records it (Begin when an item starts, a span when it
// ends), into a full and a SummaryOnly Recorder: the lean one folds its
// busy times as items finish and must still agree with the full one.
func TestSummaryOnlyBusyTimes(t *testing.T) {
	type event struct {
		at    time.Duration
		item  int
		phase report.Phase // NumPhases: Begin; NumPhases+1: Finish
		start time.Duration
	}
	const begin, finish = report.NumPhases, report.NumPhases + 1
	var events []event
	rng := rand.New(rand.NewPCG(3, 4))
	var next time.Duration
	for i := range 3000 {
		// Items start in bursts with idle gaps, so the busy times have holes.
		next += ms(rng.IntN(20))
		if i%50 == 0 {
			next += ms(500)
		}
		at := next
		events = append(events, event{at: at, item: i, phase: begin})
		for _, p := range []report.Phase{report.Waiting, report.Downloading, report.Decoding, report.Processing, report.Encoding, report.Writing} {
			end := at + ms(rng.IntN(200))
			events = append(events, event{at: end, item: i, phase: p, start: at})
			at = end
		}
		events = append(events, event{at: at, item: i, phase: finish})
	}
	slices.SortStableFunc(events, func(a, b event) int { return cmp.Compare(a.at, b.at) })

	full := report.NewRecorder(report.Config{Start: batchStart})
	lean := report.NewRecorder(report.Config{Start: batchStart, SummaryOnly: true})
	for _, rec := range []*report.Recorder{full, lean} {
		ids := map[int]report.ItemID{}
		for _, e := range events {
			switch e.phase {
			case begin:
				ids[e.item] = rec.Begin(fmt.Sprint(e.item))
			case finish:
				rec.Finish(ids[e.item], report.Result{})
			default:
				rec.Phase(ids[e.item], e.phase, batchStart.Add(e.start), batchStart.Add(e.at))
			}
		}
	}
	want, got := full.Report().Summary, lean.Report().Summary
	if got.FetchWall != want.FetchWall || got.ComputeWall != want.ComputeWall || got.OverlapWall != want.OverlapWall {
		t.Errorf("busy times fetch, compute, overlap: summary-only %v, %v, %v; full %v, %v, %v",
			got.FetchWall, got.ComputeWall, got.OverlapWall, want.FetchWall, want.ComputeWall, want.OverlapWall)
	}
	wall := full.Report().Wall
	if want.FetchWall <= 0 || want.ComputeWall <= 0 || want.OverlapWall <= 0 ||
		want.FetchWall >= wall || want.ComputeWall >= wall || want.OverlapWall >= min(want.FetchWall, want.ComputeWall) {
		t.Errorf("busy times %v, %v, %v in a wall of %v: want each in (0, wall) and the overlap below both",
			want.FetchWall, want.ComputeWall, want.OverlapWall, wall)
	}
}
