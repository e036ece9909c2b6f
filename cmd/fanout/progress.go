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
)

// progress shows a batch as it runs. Its methods are called serially (batch
// serialises its callbacks).
type progress interface {
	started(c batch.Counts)
	ended(it batch.Item, c batch.Counts)
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

func (quietProgress) started(batch.Counts)           {}
func (quietProgress) ended(batch.Item, batch.Counts) {}
func (quietProgress) close()                         {}

// lineProgress writes one line per item, for logs and pipes.
type lineProgress struct{ w io.Writer }

func (p *lineProgress) started(batch.Counts) {}

func (p *lineProgress) ended(it batch.Item, c batch.Counts) {
	switch {
	case it.Abandoned:
		fmt.Fprintf(p.w, "stopped %s\n", it.Source)
	case it.Err != nil:
		fmt.Fprintf(p.w, "failed  %s: %v\n", it.Source, it.Err)
	case it.Skipped:
		fmt.Fprintf(p.w, "skipped %s: %s exists\n", it.Source, it.Output)
	default:
		fmt.Fprintf(p.w, "ok      %s -> %s (%s, %.2fs)\n", it.Source, it.Output, sizeString(it.BytesOut), it.Elapsed.Seconds())
	}
}

func (p *lineProgress) close() {}

// jsonProgress writes one JSON object per item on stdout.
type jsonProgress struct{ enc *json.Encoder }

// itemJSON is the --json record of one item.
type itemJSON struct {
	Input    string  `json:"input"`
	Output   string  `json:"output,omitempty"`
	Status   string  `json:"status"`
	Error    string  `json:"error,omitempty"`
	BytesIn  int64   `json:"bytes_in"`
	BytesOut int64   `json:"bytes_out"`
	FetchSec float64 `json:"fetch_s"`
	CPUSec   float64 `json:"compute_s"`
	TotalSec float64 `json:"total_s"`
	Path     string  `json:"path,omitempty"`
}

func (p *jsonProgress) started(batch.Counts) {}

func (p *jsonProgress) ended(it batch.Item, c batch.Counts) {
	rec := itemJSON{
		Input: it.Source, Output: it.Output, Status: "ok",
		BytesIn: it.BytesIn, BytesOut: it.BytesOut,
		FetchSec: it.Fetch.Seconds(), CPUSec: it.Compute.Seconds(), TotalSec: it.Elapsed.Seconds(),
		Path: it.Path,
	}
	switch {
	case it.Err != nil:
		rec.Status, rec.Error = "failed", it.Err.Error()
	case it.Skipped:
		rec.Status = "skipped"
	case it.Abandoned:
		rec.Status = "abandoned"
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

func (p *barProgress) ended(it batch.Item, c batch.Counts) {
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
