package report_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/report"
)

// batchStart is the start of every simulated batch, fixed so reports are
// reproducible.
var batchStart = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

// simConfig shapes a simulated batch.
type simConfig struct {
	items, workers, downloads int
	seed                      uint64
	thumbs                    [2][]byte // before, after for sampled items
}

// simItem is what the simulation decided for one item: the lanes it
// really used, so tests can compare them with the report.
type simItem struct {
	worker, slot int // -1 when the item never got there
}

// simulate plays a streaming batch on a virtual clock and records it with a
// Recorder, as the pipeline does: every item is queued at the start, takes
// the first free download slot, then the first free worker once its bytes
// have arrived; the worker decodes, processes, encodes and writes. About
// one item in 40 fails to download, one in 60 fails to decode, and the last
// item is skipped before any work. Item 11 has markup in its input and its
// error, to check escaping. Workers are pinned (as a process backend knows its worker's
// index); download slots are left to the Recorder.
func simulate(tb testing.TB, cfg simConfig) (*report.Report, []simItem) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(cfg.seed, 42))
	rec := report.NewRecorder(report.Config{
		Start:    batchStart,
		Settings: report.Settings{Downloads: cfg.downloads, Workers: cfg.workers, Ops: "blur:2", Backend: "local"},
	})
	at := func(d time.Duration) time.Time { return batchStart.Add(d) }
	ms := func(lo, hi int) time.Duration {
		return time.Duration(lo+rng.IntN(hi-lo+1)) * time.Millisecond
	}

	type pending struct {
		id    report.ItemID
		ready time.Duration
		idx   int
	}
	sims := make([]simItem, cfg.items)
	slotFree := make([]time.Duration, cfg.downloads)
	var queue []pending
	for i := range cfg.items {
		sims[i] = simItem{worker: -1, slot: -1}
		input := fmt.Sprintf("https://images.example.com/photos/%04d.jpg?size=large", i)
		switch {
		case i == 11: // a failed download, so it shows in the failures table
			input = "https://example.com/</script><b>bold</b>&amp;<img src=x onerror=alert(1)>.jpg"
		case i%5 == 3:
			input = fmt.Sprintf("/data/local/photo-%04d.png", i)
		}
		id := rec.Begin(input)
		if i == cfg.items-1 && cfg.items > 1 {
			rec.Finish(id, report.Result{Status: report.StatusSkipped, Err: errors.New("output exists")})
			continue
		}
		slot := 0
		for s := range slotFree {
			if slotFree[s] < slotFree[slot] {
				slot = s
			}
		}
		start := slotFree[slot]
		end := start + ms(20, 220)
		if start > 0 {
			rec.Phase(id, report.Waiting, at(0), at(start))
		}
		rec.Phase(id, report.Downloading, at(start), at(end))
		slotFree[slot] = end
		sims[i].slot = slot
		if i%40 == 11 {
			rec.Finish(id, report.Result{Err: fmt.Errorf("download: %s: 404 Not Found", input)})
			continue
		}
		queue = append(queue, pending{id, end, i})
	}

	workerFree := make([]time.Duration, cfg.workers)
	// Items reach the workers in the order their bytes arrived.
	for len(queue) > 0 {
		next := 0
		for q := range queue {
			if queue[q].ready < queue[next].ready {
				next = q
			}
		}
		p := queue[next]
		queue = append(queue[:next], queue[next+1:]...)

		w := 0
		for k := range workerFree {
			if max(workerFree[k], p.ready) < max(workerFree[w], p.ready) {
				w = k
			}
		}
		t := max(workerFree[w], p.ready)
		if t > p.ready {
			rec.Phase(p.id, report.Waiting, at(p.ready), at(t))
		}
		rec.PinWorker(p.id, w)
		sims[p.idx].worker = w
		res := report.Result{BytesIn: int64(200_000 + rng.IntN(300_000)), Width: 2560, Height: 1600}
		steps := []struct {
			phase  report.Phase
			lo, hi int
		}{{report.Decoding, 8, 20}, {report.Processing, 15, 60}, {report.Encoding, 8, 25}, {report.Writing, 1, 4}}
		if p.idx%60 == 17 {
			steps = steps[:1]
			res.Err = errors.New("imgproc: decode: unexpected EOF")
		}
		for _, s := range steps {
			d := ms(s.lo, s.hi)
			rec.Phase(p.id, s.phase, at(t), at(t+d))
			t += d
		}
		if res.Err == nil {
			res.Output = fmt.Sprintf("out/processed_%04d.jpg", p.idx)
			res.BytesOut = res.BytesIn * 3 / 5
			res.OutWidth, res.OutHeight = res.Width, res.Height
			if rec.Sample(p.id) && cfg.thumbs[0] != nil {
				rec.Thumbnails(p.id, cfg.thumbs[0], cfg.thumbs[1])
			}
		}
		rec.Finish(p.id, res)
		workerFree[w] = t
	}
	return rec.Report(), sims
}
