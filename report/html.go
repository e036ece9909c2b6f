package report

import (
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

//go:embed page.gohtml
var pageSource string

var pageTemplate = template.Must(template.New("page").Parse(pageSource))

// phaseColours are the timeline colours of the phases, indexed by [Phase]:
// a neutral grey for time spent queued, red for the network (as Dask's task
// stream shows transfers), then warm to cool through the CPU work.
var phaseColours = [NumPhases]string{"#c5cad3", "#e15759", "#f28e2b", "#4e79a7", "#59a14f", "#b07aa1"}

// Caps on the server-rendered lists, so a batch with many failures stays a
// page a browser opens quickly. The JSON and the timeline keep every item.
const (
	maxFailureRows = 1000
	shownFailures  = 20
	maxThumbs      = 64
)

// WriteHTML writes r to w as one self-contained HTML page: inline CSS and
// script, thumbnails as data URLs, nothing fetched from the network. The
// page shows the summary; a timeline of every item with one lane per worker
// and per download slot, each bar split into coloured phases, with hover
// details (drag to zoom, double-click to reset); throughput and the items
// in each phase over time; the failures with their causes; and the
// thumbnails. A link to #item-N marks item N's bar and shows its details;
// the failures and thumbnails link there.
//
// Item data is embedded once as JSON and drawn on a canvas by a small
// script, so a page of thousands of items opens in well under a second
// (BENCH.md). Inputs, outputs and error texts are escaped: they may hold
// anything. The page also writes a line of self-checks into its
// <pre id="selftest"> element, which the package's tests read.
//
// WriteHTML returns an error if r is invalid (see [ReadJSON] for the
// rules) or if writing to w fails; it writes nothing to w for an invalid
// report.
func WriteHTML(w io.Writer, r *Report) error {
	if err := r.validate(); err != nil {
		return err
	}
	if err := writeHTML(w, r); err != nil {
		return fmt.Errorf("report: write html: %w", err)
	}
	return nil
}

// writeHTML writes the page for a validated report.
func writeHTML(w io.Writer, r *Report) error { return pageTemplate.Execute(w, newPage(r)) }

// page is the template's data.
type page struct {
	Title    string
	Start    string
	Settings Settings
	Cards    []card
	Legend   []legendEntry
	// Fetching is the word for getting the sources ("downloading").
	Fetching string
	// The batch's wall time split by what was happening: only fetching,
	// both fetching and computing, only computing, neither. Split holds
	// the four in that order, for the bar.
	FetchOnly, Both, ComputeOnly, Idle share
	Split                              []share
	Failures                           []failure // the first few, shown
	MoreFailures                       []failure // the rest, folded
	FailuresHidden                     int       // beyond maxFailureRows, left to the JSON
	FailureCount                       int
	Thumbs                             []thumb
	Data                               pageJS
}

type card struct{ Key, Value, Note string }

// share is a part of the wall time.
type share struct {
	Name, Time string
	Pct        float64 // of the wall time, rounded to 0.1
	Colour     template.CSS
}

// newShare returns the share d of wall.
func newShare(name string, colour template.CSS, d, wall time.Duration) share {
	sh := share{Name: name, Time: fmtDuration(d), Colour: colour}
	if wall > 0 {
		sh.Pct = math.Round(1000*float64(d)/float64(wall)) / 10
	}
	return sh
}

type legendEntry struct {
	Name   string
	Colour template.CSS
}

type failure struct {
	Index        int
	Input, Phase string
	Error        string
}

type thumb struct {
	Index               int
	Input, Name, Status string
	Before, After       template.URL
}

// pageJS is the data the page's script draws, embedded once as JSON. Times
// are microseconds from the batch start.
type pageJS struct {
	Wall      float64    `json:"wall"`
	Workers   int        `json:"workers"`
	Downloads int        `json:"downloads"`
	Phases    []string   `json:"phases"`
	Colours   []string   `json:"colours"`
	Items     []pageItem `json:"items"`
}

type pageItem struct {
	In  string `json:"in"`
	Out string `json:"out,omitempty"`
	St  string `json:"st"`
	Err string `json:"err,omitempty"`
	W   int    `json:"w"`
	S   int    `json:"s"`
	// Sp holds the spans flattened: phase, start, end, phase, start, ...
	Sp []float64 `json:"sp"`
	BI int64     `json:"bi,omitempty"`
	BO int64     `json:"bo,omitempty"`
	Px string    `json:"px,omitempty"`
}

func newPage(r *Report) *page {
	s := r.Summary
	p := &page{
		Title:    fmt.Sprintf("%d items", len(r.Items)),
		Start:    r.Start.Format("2006-01-02 15:04:05 MST"),
		Settings: r.Settings,
		Fetching: r.Settings.Fetching.Verb(),
	}
	if r.Start.IsZero() {
		p.Start = "unknown time"
	}
	fetchOnly := s.FetchWall - s.OverlapWall
	computeOnly := s.ComputeWall - s.OverlapWall
	idle := max(r.Wall-fetchOnly-s.OverlapWall-computeOnly, 0)
	p.FetchOnly = newShare(p.Fetching+" only", "#e15759", fetchOnly, r.Wall)
	p.Both = newShare("both at once", "#b07aa1", s.OverlapWall, r.Wall)
	p.ComputeOnly = newShare("computing only", "#4e79a7", computeOnly, r.Wall)
	p.Idle = newShare("neither", "transparent", idle, r.Wall)
	p.Split = []share{p.FetchOnly, p.Both, p.ComputeOnly, p.Idle}
	p.Cards = []card{
		{"items", fmt.Sprint(s.Items), itemCounts(s)},
		{"wall time", fmtDuration(r.Wall), ""},
		{"images / s", fmt.Sprintf("%.1f", s.PerSecond), "completed OK per second of wall time"},
		{p.Fetching, fmtDuration(s.FetchWall), fmt.Sprintf("wall time with a source in flight · %s summed over items", fmtDuration(s.Network))},
		{"computing", fmtDuration(s.ComputeWall), fmt.Sprintf("wall time with a worker decoding, processing or encoding · %s summed", fmtDuration(s.Compute))},
		{"queued", fmtDuration(s.Phases[Waiting]), "waiting for a slot or a worker, summed"},
		{"worker use", fmt.Sprintf("%.0f%%", 100*s.Utilisation), fmt.Sprintf("of %d worker lanes × wall time", r.Lanes.Workers)},
		{"bytes in", fmtBytes(s.BytesIn), fmtBytes(s.BytesOut) + " out"},
	}
	if s.Pixels > 0 {
		p.Cards[len(p.Cards)-1].Note += fmt.Sprintf(" · %.0f megapixels in", float64(s.Pixels)/1e6)
	}
	if s.Unfinished > 0 {
		p.Cards[0].Note += fmt.Sprintf(" · %d unfinished", s.Unfinished)
	}
	p.FailureCount = s.Failed
	names := phaseNames
	names[Downloading] = p.Fetching // local files are read, not downloaded
	for ph := range Phase(NumPhases) {
		p.Legend = append(p.Legend, legendEntry{names[ph], template.CSS(phaseColours[ph])})
	}

	p.Data = pageJS{
		Wall:      micros(r.Wall),
		Workers:   r.Lanes.Workers,
		Downloads: r.Lanes.Downloads,
		Phases:    names[:],
		Colours:   phaseColours[:],
		Items:     make([]pageItem, len(r.Items)),
	}
	for i := range r.Items {
		it := &r.Items[i]
		pi := pageItem{In: it.Input, Out: it.Output, St: it.Status.String(), Err: it.Error,
			W: it.Worker, S: it.Slot, BI: it.BytesIn, BO: it.BytesOut, Sp: make([]float64, 0, 3*len(it.Spans))}
		for _, sp := range it.Spans {
			pi.Sp = append(pi.Sp, float64(sp.Phase), micros(sp.Start), micros(sp.End))
		}
		switch {
		case it.Width > 0:
			pi.Px = fmt.Sprintf("%d×%d", it.Width, it.Height)
			if it.OutWidth > 0 && (it.OutWidth != it.Width || it.OutHeight != it.Height) {
				pi.Px += fmt.Sprintf(" → %d×%d", it.OutWidth, it.OutHeight)
			}
		case it.OutWidth > 0:
			pi.Px = fmt.Sprintf("%d×%d out", it.OutWidth, it.OutHeight)
		}
		p.Data.Items[i] = pi

		if it.Status == StatusFailed {
			f := failure{Index: i, Input: it.Input, Phase: lastPhase(it), Error: it.Error}
			switch n := len(p.Failures) + len(p.MoreFailures); {
			case n < shownFailures:
				p.Failures = append(p.Failures, f)
			case n < maxFailureRows:
				p.MoreFailures = append(p.MoreFailures, f)
			default:
				p.FailuresHidden++
			}
		}
		if (len(it.Before) > 0 || len(it.After) > 0) && len(p.Thumbs) < maxThumbs {
			p.Thumbs = append(p.Thumbs, thumb{Index: i, Input: it.Input, Name: baseName(it.Input), Status: it.Status.String(),
				Before: dataURL(it.Before), After: dataURL(it.After)})
		}
	}
	return p
}

// lastPhase names the phase an item was in when it stopped: the one that
// ended last.
func lastPhase(it *Item) string {
	if len(it.Spans) == 0 {
		return "before starting"
	}
	last := it.Spans[0]
	for _, s := range it.Spans[1:] {
		if s.End >= last.End {
			last = s
		}
	}
	return last.Phase.String()
}

// dataURL returns b as a data URL. b was checked by validate to be JPEG or
// PNG, and base64 has no characters that need escaping, so the URL is safe
// to mark as trusted.
func dataURL(b []byte) template.URL {
	if len(b) == 0 {
		return ""
	}
	t, err := thumbType(b)
	if err != nil {
		return ""
	}
	return template.URL("data:" + t + ";base64," + base64.StdEncoding.EncodeToString(b))
}

// baseName returns the last element of a URL's or a file's path, without
// a query, for captions; the full input goes in the caption's title.
func baseName(input string) string {
	name := input
	if i := strings.IndexAny(name, "?#"); i >= 0 && strings.Contains(name, "://") {
		name = name[:i]
	}
	name = strings.TrimRight(name, "/")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 && i < len(name)-1 {
		name = name[i+1:]
	}
	if name == "" {
		return input
	}
	return name
}

func micros(d time.Duration) float64 { return float64(d) / 1e3 }

// fmtDuration formats d with three significant digits and a unit that suits
// it.
func fmtDuration(d time.Duration) string {
	// The unit is chosen after rounding, so that 999.7 ms reads "1 s", not
	// "1e+03 ms".
	switch s := round3(d.Seconds()); {
	case d == 0:
		return "0 s"
	case s < 1e-3:
		return fmt.Sprintf("%.3g µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.3g ms", s*1e3)
	case s < 100:
		return fmt.Sprintf("%.3g s", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", int(s)/60, int(s)%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(s)/3600, int(s)%3600/60)
	}
}

// fmtBytes formats n in decimal units.
func fmtBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n), 0
	for round3(f) >= unit && i < 4 {
		f = round3(f) / unit // rounded first, so that 999,500 B is 1 MB, not 0.999 MB
		i++
	}
	return fmt.Sprintf("%.3g %cB", f, "BkMGT"[i])
}

// round3 rounds f to three significant digits, as %.3g prints it.
func round3(f float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 3, 64), 64)
	return r
}

// itemCounts says what became of the items.
func itemCounts(s Summary) string {
	c := fmt.Sprintf("%d ok · %d failed · %d skipped", s.OK, s.Failed, s.Skipped)
	if s.Queued > 0 {
		c += fmt.Sprintf(" · %d queued", s.Queued)
	}
	return c
}
