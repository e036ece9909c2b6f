package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/fanout-dev/fanout/batch"
	"github.com/fanout-dev/fanout/report"
)

// progress shows a batch as it runs. Its methods are called serially (batch
// serialises its callbacks).
type progress interface {
	started(c batch.Counts)
	ended(it report.Item, c batch.Counts)
	close()
}

// newProgress picks the display: JSON lines on stdout with --json, nothing
// with --quiet, a live bar when stderr is a terminal, and one plain line per
// item otherwise. total is the number of items, or -1 when unknown.
func newProgress(stdout, stderr io.Writer, quiet, asJSON bool, total int) progress {
	switch {
	case asJSON:
		return &jsonProgress{enc: json.NewEncoder(stdout)}
	case quiet:
		return quietProgress{}
	case isTerminal(stderr):
		return newBarProgress(stderr, total)
	}
	return &lineProgress{w: stderr}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

type quietProgress struct{}

func (quietProgress) started(batch.Counts)            {}
func (quietProgress) ended(report.Item, batch.Counts) {}
func (quietProgress) close()                          {}

// lineProgress writes one line per item, for logs and pipes.
type lineProgress struct{ w io.Writer }

func (p *lineProgress) started(batch.Counts) {}

func (p *lineProgress) ended(it report.Item, c batch.Counts) {
	switch it.Status {
	case report.StatusUnfinished:
		fmt.Fprintf(p.w, "stopped %s\n", it.Input)
	case report.StatusFailed:
		fmt.Fprintf(p.w, "failed  %s: %s\n", it.Input, it.Error)
	case report.StatusSkipped:
		fmt.Fprintf(p.w, "skipped %s: %s exists\n", it.Input, it.Output)
	case report.StatusQueued:
		fmt.Fprintf(p.w, "queued  %s -> %s\n", it.Input, it.Output)
	default:
		fmt.Fprintf(p.w, "ok      %s -> %s (%s, %.2fs)\n", it.Input, it.Output, sizeString(it.BytesOut), it.Elapsed().Seconds())
	}
}

func (p *lineProgress) close() {}

// jsonProgress writes one JSON object per item on stdout.
type jsonProgress struct{ enc *json.Encoder }

// itemJSON is the --json record of one item: the report's record of it
// (report.Item: the same fields as in the report's JSON, its spans
// included; status "unfinished" for an item the batch stopped before it
// ended), with its times in seconds. Lanes are assigned when the report is
// made, so they are left out here.
type itemJSON struct {
	report.Item
	Worker   int     `json:"-"`
	Slot     int     `json:"-"`
	FetchSec float64 `json:"fetch_s"`   // downloading or reading
	CPUSec   float64 `json:"compute_s"` // decoding, processing and encoding
	TotalSec float64 `json:"total_s"`   // from the item's first phase to its last
}

func (p *jsonProgress) started(batch.Counts) {}

func (p *jsonProgress) ended(it report.Item, c batch.Counts) {
	rec := itemJSON{
		Item:     it,
		FetchSec: it.Time(report.Downloading).Seconds(),
		CPUSec:   (it.Time(report.Decoding) + it.Time(report.Processing) + it.Time(report.Encoding)).Seconds(),
		TotalSec: it.Elapsed().Seconds(),
	}
	p.enc.Encode(rec) // a failed write to stdout has nowhere better to go
}

func (p *jsonProgress) close() {}

// barProgress draws a live progress bar on a terminal. The counts are in
// the bar's description, and only there: the bar redraws at most every
// 100 ms, on whichever of Describe and Add comes first, so a count of its
// own would lag the description by an item now and then.
type barProgress struct {
	bar   *progressbar.ProgressBar
	total int // -1 when unknown
}

func newBarProgress(w io.Writer, total int) *barProgress {
	return &barProgress{
		total: total,
		bar: progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("starting"),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("img"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
			progressbar.OptionClearOnFinish(),
		),
	}
}

func (p *barProgress) describe(c batch.Counts) {
	of := ""
	if p.total >= 0 {
		of = fmt.Sprintf(" of %d", p.total)
	}
	p.bar.Describe(fmt.Sprintf("done %d failed %d in flight %d%s", c.Done+c.Skipped, c.Failed, c.InFlight(), of))
}

func (p *barProgress) started(c batch.Counts) { p.describe(c) }

func (p *barProgress) ended(it report.Item, c batch.Counts) {
	// The counts first: Add draws the bar, with the description as it is.
	p.describe(c)
	p.bar.Add(1)
}

func (p *barProgress) close() {
	p.bar.Finish()
	p.bar.Exit()
}

// sizeString formats a byte count for people.
func sizeString(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
