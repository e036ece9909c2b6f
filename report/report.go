package report

import (
	"encoding/json"
	"fmt"
	"time"
)

// SchemaVersion is the version of the JSON schema written by [WriteJSON]
// and stored in [Report.Version]. It changes only when a field changes
// meaning or disappears; new fields may appear without a change.
const SchemaVersion = 1

// Report is one batch run: its settings, every item with its timed phases,
// and a summary. [Recorder.Report] builds one; [ReadJSON] reads one back.
//
// A Report is a plain value: it is not safe to modify while another
// goroutine reads it, but [WriteHTML] and [WriteJSON] only read it and may
// run concurrently.
type Report struct {
	// Version is the schema version, [SchemaVersion] when written by this
	// package.
	Version int `json:"version"`

	// Start is the wall-clock time the batch started. Every span offset is
	// measured from it.
	Start time.Time `json:"start"`

	// Wall is the batch's wall time: from Start to the end of the last
	// recorded span.
	Wall time.Duration `json:"wall_ns"`

	// Settings are the batch's concurrency settings.
	Settings Settings `json:"settings"`

	// Lanes is the number of timeline lanes of each kind.
	Lanes Lanes `json:"lanes"`

	// Summary holds counts and totals over Items (over every item of the
	// batch, when Partial).
	Summary Summary `json:"summary"`

	// Items are the batch's items in the order they began.
	Items []Item `json:"items"`

	// Partial marks the report of a [Config.SummaryOnly] Recorder: its
	// Summary covers every item of the batch, but Items holds only the
	// kept failures and the unfinished items, with no lanes. It has no
	// timeline to draw: [WriteHTML], [WriteJSON] and [WriteFile] refuse it,
	// and [Report.Summarize] leaves it as it is.
	Partial bool `json:"partial,omitempty"`
}

// Settings are the knobs a batch ran with, shown in the report's header.
// The zero value means "not stated".
type Settings struct {
	// Downloads is the number of downloads allowed in flight.
	Downloads int `json:"downloads"`

	// Workers is the number of CPU workers. The timeline shows at least
	// this many worker lanes, so idle workers are visible.
	Workers int `json:"workers"`

	// Ops is the processing applied to every image, as the user typed it
	// (for example "blur:2,resize:800x600").
	Ops string `json:"ops"`

	// Backend names where the work ran: "local" (goroutines), "isolate"
	// (worker processes) or "nats" (a JetStream cluster).
	Backend string `json:"backend"`

	// Fetching says what getting the sources was: downloading them
	// (the zero value), reading local files, or both.
	Fetching Fetching `json:"fetching,omitempty"`
}

// Fetching is what getting a batch's sources involved.
type Fetching string

// The kinds of fetching.
const (
	FetchURLs  Fetching = ""           // downloads
	FetchFiles Fetching = "files"      // local files read
	FetchMixed Fetching = "urls+files" // both
)

// Verb returns the word for getting the sources: "downloading",
// "reading" or "downloading/reading".
func (f Fetching) Verb() string {
	switch f {
	case FetchFiles:
		return "reading"
	case FetchMixed:
		return "downloading/reading"
	}
	return "downloading"
}

// Lanes counts the timeline's lanes. Worker lanes hold an item's CPU and
// disk phases; download lanes hold its network phase.
type Lanes struct {
	Workers   int `json:"workers"`
	Downloads int `json:"downloads"`
}

// Item is one input of the batch and what became of it.
type Item struct {
	// Index is the item's [ItemID]: its place in the order items began,
	// and its position in [Report.Items] unless the report is Partial.
	Index int `json:"index"`

	// Input is the URL or file name the item came from, as the user gave it.
	Input string `json:"input"`

	// Output is the file the result was written to, if any.
	Output string `json:"output,omitempty"`

	// Status is what became of the item.
	Status Status `json:"status"`

	// Error is the failure's message when Status is [StatusFailed], or the
	// reason for a skip.
	Error string `json:"error,omitempty"`

	// Err is the error of Error, for a program to inspect with errors.Is
	// and errors.As while the batch runs: it is set on the record
	// [Recorder.Finish] returns, and nil in a Report, which is data.
	Err error `json:"-"`

	// BytesIn and BytesOut are the sizes of the source and of the written
	// result.
	BytesIn  int64 `json:"bytes_in"`
	BytesOut int64 `json:"bytes_out"`

	// Width and Height are the decoded source's dimensions in pixels;
	// OutWidth and OutHeight the result's. Zero when unknown.
	Width     int `json:"width,omitempty"`
	Height    int `json:"height,omitempty"`
	OutWidth  int `json:"out_width,omitempty"`
	OutHeight int `json:"out_height,omitempty"`

	// Path says how the pixels went, for a processed item: the decode's
	// scale and what the operations ran on (batch.Output.Path).
	Path string `json:"path,omitempty"`

	// Worker is the index of the worker lane holding the item's CPU and
	// disk phases, or -1 if it has none. Slot is the index of the download
	// lane holding its downloading phase, or -1 if it has none.
	Worker int `json:"worker"`
	Slot   int `json:"slot"`

	// Spans are the item's timed phases, sorted by start. A phase may occur
	// more than once (a retried download) or not at all.
	Spans []Span `json:"spans"`

	// Before and After are small thumbnails (JPEG or PNG bytes, base64 in
	// JSON) of the source and of the result, for a sample of the items.
	Before []byte `json:"before,omitempty"`
	After  []byte `json:"after,omitempty"`
}

// Time returns the time the item spent in phase p, summed over its spans.
func (it *Item) Time(p Phase) time.Duration {
	var d time.Duration
	for _, s := range it.Spans {
		if s.Phase == p {
			d += s.Duration()
		}
	}
	return d
}

// Elapsed returns the time from the start of the item's first span to the
// end of its last, zero if it has none.
func (it *Item) Elapsed() time.Duration {
	if len(it.Spans) == 0 {
		return 0
	}
	first, last := it.Spans[0].Start, it.Spans[0].End
	for _, s := range it.Spans {
		first, last = min(first, s.Start), max(last, s.End)
	}
	return last - first
}

// Span is one phase of one item, as offsets from [Report.Start].
type Span struct {
	Phase Phase         `json:"phase"`
	Start time.Duration `json:"start_ns"`
	End   time.Duration `json:"end_ns"`
}

// Duration returns End - Start.
func (s Span) Duration() time.Duration { return s.End - s.Start }

// Summary holds counts and totals over a report's items.
type Summary struct {
	Items      int `json:"items"`
	OK         int `json:"ok"`
	Failed     int `json:"failed"`
	Skipped    int `json:"skipped"`
	Queued     int `json:"queued,omitempty"` // handed to a detached cluster job
	Unfinished int `json:"unfinished"`

	BytesIn  int64 `json:"bytes_in"`
	BytesOut int64 `json:"bytes_out"`

	// Pixels is the total of Width*Height over the items.
	Pixels int64 `json:"pixels"`

	// PerSecond is the number of items that ended OK per second of wall
	// time.
	PerSecond float64 `json:"per_second"`

	// Phases is the total time spent in each phase, summed over items.
	Phases PhaseTimes `json:"phases_ns"`

	// Network is the downloading time summed over items. Compute is the
	// decoding, processing and encoding time summed over items: the CPU
	// work. Both count concurrent items separately and may exceed the wall
	// time many times over; FetchWall and ComputeWall do not.
	Network time.Duration `json:"network_ns"`
	Compute time.Duration `json:"compute_ns"`

	// FetchWall is the wall time during which at least one source was
	// being downloaded or read, ComputeWall the wall time during which at
	// least one worker was decoding, processing or encoding, and
	// OverlapWall the wall time during which both happened. Unlike Network
	// and Compute, these are never more than the batch's wall time.
	FetchWall   time.Duration `json:"fetch_wall_ns"`
	ComputeWall time.Duration `json:"compute_wall_ns"`
	OverlapWall time.Duration `json:"overlap_wall_ns"`

	// Utilisation is the fraction of the worker lanes' time (lanes times
	// wall time) spent in decoding, processing or encoding. Writing is
	// disk work: a worker may start its next item while the last one is
	// written, so writing does not count.
	Utilisation float64 `json:"utilisation"`
}

// PhaseTimes holds one duration per [Phase], indexed by phase. In JSON it
// is an object keyed by phase name, in nanoseconds.
type PhaseTimes [NumPhases]time.Duration

// MarshalJSON writes the times as an object keyed by phase name.
func (pt PhaseTimes) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for p := range Phase(NumPhases) {
		if p > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%q:%d", p.String(), int64(pt[p]))
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads the object written by [PhaseTimes.MarshalJSON].
// Unknown phase names are an error.
func (pt *PhaseTimes) UnmarshalJSON(b []byte) error {
	var m map[string]int64
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*pt = PhaseTimes{}
	for name, ns := range m {
		var p Phase
		if err := p.UnmarshalText([]byte(name)); err != nil {
			return err
		}
		pt[p] = time.Duration(ns)
	}
	return nil
}

// Phase is a stage of an item's life. The phases are listed in the order an
// item passes through them.
type Phase uint8

// The phases of an item.
const (
	Waiting     Phase = iota // queued for a download slot or a worker
	Downloading              // fetching the source bytes (network)
	Decoding                 // decoding the source image
	Processing               // applying the ops (blur, resize, ...)
	Encoding                 // encoding the result
	Writing                  // writing the result to its output

	// NumPhases is the number of phases.
	NumPhases = 6
)

var phaseNames = [NumPhases]string{"waiting", "downloading", "decoding", "processing", "encoding", "writing"}

// String returns the phase's lower-case name, as used in JSON.
func (p Phase) String() string {
	if int(p) < len(phaseNames) {
		return phaseNames[p]
	}
	return fmt.Sprintf("phase(%d)", uint8(p))
}

// MarshalText returns the phase's name. It fails for an unknown phase.
func (p Phase) MarshalText() ([]byte, error) {
	if int(p) >= NumPhases {
		return nil, fmt.Errorf("report: unknown phase %d", uint8(p))
	}
	return []byte(phaseNames[p]), nil
}

// UnmarshalText parses a phase name.
func (p *Phase) UnmarshalText(b []byte) error {
	for i, n := range phaseNames {
		if string(b) == n {
			*p = Phase(i)
			return nil
		}
	}
	return fmt.Errorf("report: unknown phase %q", b)
}

// onWorker reports whether the phase is drawn in a worker lane: everything
// except waiting (no resource held) and downloading (a download lane).
func (p Phase) onWorker() bool { return p >= Decoding && p < NumPhases }

// holdsWorker reports whether the phase occupies its worker lane: the CPU
// phases. Writing is drawn on the lane too, but as a thin strip, since a
// pipeline may hand the worker its next item while the result is written.
func (p Phase) holdsWorker() bool { return p >= Decoding && p <= Encoding }

// Status is what became of an item.
type Status uint8

// The statuses of an item. The zero value is [StatusUnfinished]: an item
// that began but whose [Recorder.Finish] was not called before
// [Recorder.Report] (the batch was cancelled, for example).
const (
	StatusUnfinished Status = iota
	StatusOK
	StatusFailed
	StatusSkipped
	// StatusQueued is an item handed to a cluster job that runs without
	// this batch waiting for it (a detached job): collected later.
	StatusQueued
	numStatuses
)

var statusNames = [numStatuses]string{"unfinished", "ok", "failed", "skipped", "queued"}

// String returns the status's lower-case name, as used in JSON.
func (s Status) String() string {
	if s < numStatuses {
		return statusNames[s]
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// MarshalText returns the status's name. It fails for an unknown status.
func (s Status) MarshalText() ([]byte, error) {
	if s >= numStatuses {
		return nil, fmt.Errorf("report: unknown status %d", uint8(s))
	}
	return []byte(statusNames[s]), nil
}

// UnmarshalText parses a status name.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if string(b) == n {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("report: unknown status %q", b)
}
