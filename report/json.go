package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Limits that a report must respect to be drawn. They keep a hostile or
// corrupt JSON file from making the page allocate a canvas of absurd size.
const (
	maxLanes  = 4096
	maxOffset = 1 << 53 // nanoseconds; JavaScript numbers are exact below this
)

// WriteJSON writes r to w as one JSON document (the schema is described in
// the package documentation). It returns an error if r is invalid (see
// [ReadJSON]) or if writing fails.
func WriteJSON(w io.Writer, r *Report) error {
	if err := r.validate(); err != nil {
		return err
	}
	if err := writeJSON(w, r); err != nil {
		return fmt.Errorf("report: write json: %w", err)
	}
	return nil
}

// writeJSON writes a validated report as JSON.
func writeJSON(w io.Writer, r *Report) error { return json.NewEncoder(w).Encode(r) }

// ReadJSON reads a report written by [WriteJSON]. Unknown fields are
// ignored, so that newer writers stay readable. It returns an error if the
// document is not JSON of the right shape, or if the report is invalid: a
// schema version newer than [SchemaVersion], an item whose index is not its
// position, an unknown phase or status, a span that ends before it starts
// or starts before the batch, a lane out of [Report.Lanes], or a thumbnail
// that is neither JPEG nor PNG.
func ReadJSON(rd io.Reader) (*Report, error) {
	var r Report
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("report: read json: %w", err)
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return &r, nil
}

// validate checks what the renderer relies on.
func (r *Report) validate() error {
	if r == nil {
		return errors.New("report: nil report")
	}
	if r.Partial {
		return errors.New("report: a summary-only report (Partial) has no timeline to write; record with a full Recorder")
	}
	if r.Version < 0 || r.Version > SchemaVersion {
		return fmt.Errorf("report: unsupported schema version %d (this package reads up to %d)", r.Version, SchemaVersion)
	}
	if r.Wall < 0 || r.Wall > maxOffset {
		return fmt.Errorf("report: wall time %d ns out of range", int64(r.Wall))
	}
	if r.Lanes.Workers < 0 || r.Lanes.Workers > maxLanes || r.Lanes.Downloads < 0 || r.Lanes.Downloads > maxLanes {
		return fmt.Errorf("report: lane counts %d workers, %d downloads: out of range 0..%d", r.Lanes.Workers, r.Lanes.Downloads, maxLanes)
	}
	for i := range r.Items {
		if err := r.Items[i].validate(i, r.Lanes); err != nil {
			return fmt.Errorf("report: item %d (%q): %w", i, r.Items[i].Input, err)
		}
	}
	return nil
}

func (it *Item) validate(i int, lanes Lanes) error {
	if it.Index != i {
		return fmt.Errorf("index %d is not its position", it.Index)
	}
	if it.Status >= numStatuses {
		return fmt.Errorf("unknown status %d", uint8(it.Status))
	}
	if it.Worker < -1 || it.Worker >= lanes.Workers {
		return fmt.Errorf("worker lane %d outside 0..%d", it.Worker, lanes.Workers-1)
	}
	if it.Slot < -1 || it.Slot >= lanes.Downloads {
		return fmt.Errorf("download lane %d outside 0..%d", it.Slot, lanes.Downloads-1)
	}
	for j, s := range it.Spans {
		switch {
		case s.Phase >= NumPhases:
			return fmt.Errorf("span %d: unknown phase %d", j, uint8(s.Phase))
		case s.Start < 0 || s.End > maxOffset:
			return fmt.Errorf("span %d (%v): offsets %d..%d ns out of range", j, s.Phase, int64(s.Start), int64(s.End))
		case s.End < s.Start:
			return fmt.Errorf("span %d (%v): ends before it starts", j, s.Phase)
		case s.Phase.onWorker() && it.Worker < 0:
			return fmt.Errorf("span %d (%v): no worker lane", j, s.Phase)
		case s.Phase == Downloading && it.Slot < 0:
			return fmt.Errorf("span %d (%v): no download lane", j, s.Phase)
		}
	}
	for _, th := range []struct {
		name string
		b    []byte
	}{{"before", it.Before}, {"after", it.After}} {
		if len(th.b) == 0 {
			continue
		}
		if _, err := thumbType(th.b); err != nil {
			return fmt.Errorf("%s thumbnail: %w", th.name, err)
		}
	}
	return nil
}

// thumbType returns the MIME type of a thumbnail, from its magic bytes.
func thumbType(b []byte) (string, error) {
	switch {
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg", nil
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png", nil
	default:
		return "", errors.New("not a JPEG or PNG image")
	}
}
