package report

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"
)

// ItemID identifies an item within one [Recorder]: IDs count up from zero
// in the order items begin. It is the item's [Item.Index], and its index in
// [Report.Items] unless the report is Partial.
type ItemID int

// Config configures a [Recorder]. The zero value is ready to use.
type Config struct {
	// Start is when the batch started; span offsets are measured from it.
	// Zero means the time NewRecorder is called.
	Start time.Time

	// Settings are copied into the report as they are.
	Settings Settings

	// Thumbnails is how many items [Recorder.Sample] selects for
	// before/after thumbnails. Zero means 8; negative means none.
	Thumbnails int

	// SummaryOnly keeps what a summary needs instead of every item: an
	// item is added to the totals when it finishes and then forgotten,
	// unless it failed, and of the failed ones the first [MaxKeptFailures]
	// are kept with their causes. Memory then depends on the items in
	// flight, not on the length of the batch. The Report is Partial: a
	// Summary of every item but, in Items, only the kept failures and the
	// unfinished items, in the order they began and without lanes; its
	// lane counts are the settings' (or the highest pinned worker lane),
	// not the concurrency reached. It is for a summary, not for a page.
	//
	// Its wall-clock busy times (Summary.FetchWall and the others) rely on
	// what holds when spans are timed by the clock as they happen and
	// recorded when they end: no span of an item starts before the end of
	// a span recorded before the item's Begin. Time that breaks this is
	// not counted there.
	SummaryOnly bool
}

// MaxKeptFailures is how many failed items a [Config.SummaryOnly] Recorder
// keeps.
const MaxKeptFailures = 1000

// Result is the outcome of one item, given to [Recorder.Finish].
type Result struct {
	// Status is what became of the item. The zero value means
	// [StatusFailed] if Err is not nil and [StatusOK] otherwise.
	Status Status

	// Err is the cause of a failure, or the reason for a skip.
	Err error

	// Output is the file the result was written to.
	Output string

	// BytesIn and BytesOut are the sizes of the source and of the result.
	BytesIn, BytesOut int64

	// Width and Height are the decoded source's dimensions; OutWidth and
	// OutHeight the result's.
	Width, Height, OutWidth, OutHeight int

	// Path says how the pixels went (see [Item].Path).
	Path string
}

// Recorder collects the timeline of a batch from the goroutines that run
// it. Call [Recorder.Begin] when an item enters the batch, [Recorder.Phase]
// as each of its phases ends, [Recorder.Finish] with its outcome, and
// [Recorder.Report] at the end.
//
// All methods are safe for concurrent use. Each call takes one short
// critical section (a slice append): Begin, six Phase calls and Finish
// together cost about a microsecond per item with both cores recording
// (BENCH.md), against milliseconds of work per image. Methods given an [ItemID]
// that Begin did not return panic: that is a programming error.
//
// Lanes: an item's CPU and disk phases (decoding, processing, encoding,
// writing) are drawn on a worker lane, its downloading phase on a download
// lane. Unless [Recorder.PinWorker] names the worker, [Recorder.Report]
// gives each item the lowest-numbered lane that is free when the item
// starts there, which uses as many lanes as there were items in that stage
// at once: the concurrency actually reached.
type Recorder struct {
	start       time.Time
	settings    Settings
	thumbs      int
	summaryOnly bool

	mu    sync.Mutex // guards the fields below
	items []*itemRec // every item, by ID; pointers stay put when the slice grows

	// With SummaryOnly, instead of items:
	begun     int                 // IDs handed out
	live      map[ItemID]*itemRec // items begun and not finished
	done      Summary             // totals of the finished items, before derive
	doneWall  time.Duration       // the latest end of their spans
	maxPinned int                 // the highest worker lane pinned, or -1
	failures  []Item              // the first MaxKeptFailures failed items
	busy      busyTimes           // of every span recorded, folded as items finish
	finished  int                 // items finished, to fold busy now and then
	latest    time.Duration       // the latest end of a span recorded
}

// itemRec is the Recorder's state for one item.
type itemRec struct {
	item   Item
	pinned int           // worker lane from PinWorker, or -1
	begun  time.Duration // SummaryOnly: the Recorder's latest span end when Begin was called
}

// NewRecorder returns a Recorder for a batch configured by cfg.
func NewRecorder(cfg Config) *Recorder {
	r := &Recorder{start: cfg.Start, settings: cfg.Settings, thumbs: cfg.Thumbnails, summaryOnly: cfg.SummaryOnly, maxPinned: -1}
	if r.summaryOnly {
		r.live = make(map[ItemID]*itemRec)
	}
	if r.start.IsZero() {
		r.start = time.Now()
	}
	if r.thumbs == 0 {
		r.thumbs = 8
	}
	return r
}

// Start returns the batch's start time, the origin of every span offset.
func (r *Recorder) Start() time.Time { return r.start }

// Begin adds an item read from input (a URL or a file name) and returns its
// ID. IDs count up from zero in the order Begin is called.
func (r *Recorder) Begin(input string) ItemID {
	rec := &itemRec{
		item:   Item{Input: input, Worker: -1, Slot: -1, Spans: make([]Span, 0, NumPhases)},
		pinned: -1,
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.summaryOnly {
		rec.begun = r.latest
		id := r.begun
		r.begun++
		rec.item.Index = id
		r.live[ItemID(id)] = rec
		return ItemID(id)
	}
	id := len(r.items)
	rec.item.Index = id
	r.items = append(r.items, rec)
	return ItemID(id)
}

// Phase records that item id spent the time from start to end in phase p.
// Times before the batch's start are moved to it, and an end before start
// is moved to start, so a span is never negative. A phase may be recorded
// more than once (each download attempt, say). A [Waiting] span of zero
// length says nothing and is not kept, so a pipeline may record every
// queue it passes through without checking whether it waited.
func (r *Recorder) Phase(id ItemID, p Phase, start, end time.Time) {
	if p >= NumPhases {
		panic(fmt.Sprintf("report: Phase called with unknown phase %d", uint8(p)))
	}
	s := max(start.Sub(r.start), 0)
	e := max(end.Sub(r.start), s)
	if p == Waiting && e == s {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock() // deferred: recLocked may panic
	if rec := r.recLocked(id, "Phase"); rec != nil {
		rec.item.Spans = append(rec.item.Spans, Span{Phase: p, Start: s, End: e})
		if r.summaryOnly {
			r.busy.add(p, s, e)
			r.latest = max(r.latest, e)
		}
	}
}

// PinWorker records that item id ran on worker lane worker (a worker
// process's index, or a token from a pool of worker slots) instead of
// letting [Recorder.Report] choose a lane. A negative worker undoes the
// pin. Worker indices must stay below 4096, the most lanes a page draws.
func (r *Recorder) PinWorker(id ItemID, worker int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec := r.recLocked(id, "PinWorker"); rec != nil {
		rec.pinned = max(worker, -1)
		r.maxPinned = max(r.maxPinned, rec.pinned)
	}
}

// Finish records the outcome of item id and returns the item as recorded
// (without thumbnails, its spans in order), the same record the report
// holds, for a progress display or a log. Calling it again replaces the
// outcome, except with [Config.SummaryOnly], where Finish is the last call
// for an item: the item is added to the totals, and later calls for it are
// ignored and return the zero Item.
func (r *Recorder) Finish(id ItemID, res Result) Item {
	st := res.Status
	if st == StatusUnfinished {
		st = StatusOK
		if res.Err != nil {
			st = StatusFailed
		}
	}
	var msg string
	if res.Err != nil {
		msg = res.Err.Error()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.recLocked(id, "Finish")
	if rec == nil {
		return Item{}
	}
	it := &rec.item
	it.Status = st
	it.Error = msg
	it.Path = res.Path
	it.Output = res.Output
	it.BytesIn, it.BytesOut = res.BytesIn, res.BytesOut
	it.Width, it.Height = res.Width, res.Height
	it.OutWidth, it.OutHeight = res.OutWidth, res.OutHeight
	if r.summaryOnly {
		delete(r.live, id)
		r.doneWall = max(r.doneWall, r.done.add(it))
		if r.finished++; r.finished%foldEvery == 0 {
			r.foldLocked()
		}
		if st == StatusFailed && len(r.failures) < MaxKeptFailures {
			it.Before, it.After = nil, nil
			r.failures = append(r.failures, *it)
		}
	}
	out := snapshot(it)
	out.Err = res.Err
	return out
}

// Item returns item id as recorded so far (without thumbnails, its spans
// in order): [StatusUnfinished] until Finish. With [Config.SummaryOnly],
// an item already finished is the zero Item.
func (r *Recorder) Item(id ItemID) Item {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec := r.recLocked(id, "Item"); rec != nil {
		return snapshot(&rec.item)
	}
	return Item{}
}

// snapshot returns a copy of it without thumbnails, its spans cloned and
// in order.
func snapshot(it *Item) Item {
	c := *it
	c.Before, c.After = nil, nil
	c.Spans = slices.Clone(it.Spans)
	slices.SortStableFunc(c.Spans, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	return c
}

// foldEvery is how many items a SummaryOnly Recorder finishes between
// folds of its busy times.
const foldEvery = 256

// foldLocked folds the busy times of a SummaryOnly Recorder at the earliest
// moment a span may still start: the latest span end recorded before the
// oldest live item began, or the latest span end of all when none is live.
// That relies on the contract of [Config.SummaryOnly]. r.mu must be held.
func (r *Recorder) foldLocked() {
	horizon := r.latest
	for _, rec := range r.live {
		horizon = min(horizon, rec.begun)
	}
	r.busy.fold(horizon)
}

// Sample reports whether item id is one of the sample that gets
// before/after thumbnails: the first [Config.Thumbnails] items begun. The
// pipeline calls it to decide whether to make thumbnails (see [Thumbnail])
// and hands them to [Recorder.Thumbnails].
func (r *Recorder) Sample(id ItemID) bool {
	return int(id) >= 0 && int(id) < r.thumbs
}

// Thumbnails attaches before and after thumbnails (small JPEG or PNG
// images; either may be nil) to item id. The Recorder keeps the slices: the
// caller must not modify them afterwards. [WriteHTML] rejects bytes that
// are neither JPEG nor PNG.
func (r *Recorder) Thumbnails(id ItemID, before, after []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec := r.recLocked(id, "Thumbnails"); rec != nil {
		rec.item.Before, rec.item.After = before, after
	}
}

// recLocked returns the record of id, panicking if Begin did not return
// id; it returns nil for an item a SummaryOnly Recorder has finished. r.mu
// must be held; callers unlock it in a defer.
func (r *Recorder) recLocked(id ItemID, method string) *itemRec {
	n := len(r.items)
	if r.summaryOnly {
		n = r.begun
	}
	if int(id) < 0 || int(id) >= n {
		panic(fmt.Sprintf("report: %s called with item %d, which Begin did not return", method, id))
	}
	if r.summaryOnly {
		return r.live[id] // nil once finished
	}
	return r.items[id]
}

// Report returns a snapshot of everything recorded so far: items with their
// spans sorted, lanes assigned, and the summary computed. Items not yet
// finished have [StatusUnfinished]. The Recorder may keep recording
// afterwards; the returned Report does not change.
func (r *Recorder) Report() *Report {
	if r.summaryOnly {
		return r.summaryReport()
	}
	r.mu.Lock()
	items := make([]Item, len(r.items))
	pins := make([]int, len(r.items))
	for i, rec := range r.items {
		items[i] = rec.item
		items[i].Spans = slices.Clone(rec.item.Spans)
		pins[i] = rec.pinned
	}
	r.mu.Unlock()

	rep := &Report{
		Version:  SchemaVersion,
		Start:    r.start,
		Settings: r.settings,
		Items:    items,
	}
	for i := range items {
		slices.SortStableFunc(items[i].Spans, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	}
	rep.Lanes.Workers = assignLanes(items, pins, workerExtent, func(it *Item) *int { return &it.Worker })
	rep.Lanes.Downloads = assignLanes(items, nil, slotExtent, func(it *Item) *int { return &it.Slot })
	rep.Lanes.Workers = max(rep.Lanes.Workers, min(r.settings.Workers, maxLanes))
	rep.Summarize()
	return rep
}

// summaryReport is Report for a SummaryOnly Recorder: the totals of the
// finished items plus the unfinished ones, the kept failures and the
// unfinished items, and as many worker lanes as workers (no item has a
// lane to count).
func (r *Recorder) summaryReport() *Report {
	r.mu.Lock()
	s, wall := r.done, r.doneWall
	r.busy.set(&s)
	items := slices.Clone(r.failures)
	for i := range items {
		items[i].Spans = slices.Clone(items[i].Spans) // sorted below, outside the lock
	}
	live := make([]Item, 0, len(r.live))
	for _, rec := range r.live {
		it := rec.item
		it.Spans = slices.Clone(it.Spans)
		live = append(live, it)
	}
	workers := max(min(r.settings.Workers, maxLanes), r.maxPinned+1)
	r.mu.Unlock()

	for i := range live {
		wall = max(wall, s.add(&live[i]))
	}
	items = append(items, live...)
	slices.SortFunc(items, func(a, b Item) int { return cmp.Compare(a.Index, b.Index) })
	for i := range items {
		items[i].Worker, items[i].Slot = -1, -1
		slices.SortStableFunc(items[i].Spans, func(a, b Span) int { return cmp.Compare(a.Start, b.Start) })
	}
	s.derive(wall, workers)
	return &Report{
		Version:  SchemaVersion,
		Start:    r.start,
		Wall:     wall,
		Settings: r.settings,
		Lanes:    Lanes{Workers: workers, Downloads: min(r.settings.Downloads, maxLanes)},
		Summary:  s,
		Items:    items,
		Partial:  true,
	}
}

// workerExtent returns the time an item held a worker lane: from the start
// of its first decoding, processing or encoding span to the end of its last
// one, or, for an item with none of those, of its writing spans. ok is false
// if it has neither.
func workerExtent(it *Item) (start, end time.Duration, ok bool) {
	if start, end, ok = extent(it, Phase.holdsWorker); ok {
		return start, end, ok
	}
	return extent(it, Phase.onWorker)
}

// slotExtent returns the time an item held a download lane.
func slotExtent(it *Item) (start, end time.Duration, ok bool) {
	return extent(it, func(p Phase) bool { return p == Downloading })
}

func extent(it *Item, in func(Phase) bool) (start, end time.Duration, ok bool) {
	for _, s := range it.Spans {
		if !in(s.Phase) {
			continue
		}
		if !ok || s.Start < start {
			start = s.Start
		}
		if !ok || s.End > end {
			end = s.End
		}
		ok = true
	}
	return start, end, ok
}

// assignLanes sets the lane (through field) of every item that has an
// extent: the pinned lane if pins names one, else the lowest-numbered lane
// free at the item's start. Items are placed in order of start, so this is
// the greedy interval partitioning that uses as many lanes as the most
// items that overlapped. It returns the number of lanes used.
func assignLanes(items []Item, pins []int, ext func(*Item) (time.Duration, time.Duration, bool), field func(*Item) *int) int {
	type iv struct {
		i          int
		start, end time.Duration
	}
	ivs := make([]iv, 0, len(items))
	for i := range items {
		*field(&items[i]) = -1
		if s, e, ok := ext(&items[i]); ok {
			ivs = append(ivs, iv{i, s, e})
		}
	}
	slices.SortStableFunc(ivs, func(a, b iv) int { return cmp.Compare(a.start, b.start) })
	var free []time.Duration // free[l] is when lane l's last item ended
	for _, v := range ivs {
		lane := -1
		if pins != nil && pins[v.i] >= 0 {
			lane = pins[v.i]
			for len(free) <= lane {
				free = append(free, 0)
			}
		} else {
			for l, f := range free {
				if f <= v.start {
					lane = l
					break
				}
			}
			if lane < 0 {
				lane = len(free)
				free = append(free, 0)
			}
		}
		free[lane] = max(free[lane], v.end)
		*field(&items[v.i]) = lane
	}
	return len(free)
}

// Summarize recomputes r.Summary and r.Wall from r.Items, and raises
// r.Lanes to cover every lane an item names. [Recorder.Report] calls it; call
// it after building or editing a Report by hand. A Partial report's Items
// do not hold the whole batch: Summarize leaves it as it is.
func (r *Report) Summarize() {
	if r.Partial {
		return
	}
	var s Summary
	var wall time.Duration
	var busy busyTimes
	for i := range r.Items {
		it := &r.Items[i]
		wall = max(wall, s.add(it))
		for _, sp := range it.Spans {
			busy.add(sp.Phase, sp.Start, sp.End)
		}
		r.Lanes.Workers = max(r.Lanes.Workers, it.Worker+1)
		r.Lanes.Downloads = max(r.Lanes.Downloads, it.Slot+1)
	}
	busy.set(&s)
	s.derive(wall, r.Lanes.Workers)
	r.Wall = wall
	r.Summary = s
}

// add counts it into s and returns the latest end of its spans.
func (s *Summary) add(it *Item) (end time.Duration) {
	s.Items++
	switch it.Status {
	case StatusOK:
		s.OK++
	case StatusFailed:
		s.Failed++
	case StatusSkipped:
		s.Skipped++
	case StatusQueued:
		s.Queued++
	default:
		s.Unfinished++
	}
	s.BytesIn += it.BytesIn
	s.BytesOut += it.BytesOut
	s.Pixels += int64(it.Width) * int64(it.Height)
	for _, sp := range it.Spans {
		if sp.Phase < NumPhases {
			s.Phases[sp.Phase] += sp.Duration()
		}
		end = max(end, sp.End)
	}
	return end
}

// derive sets the fields of s computed from the others, for a batch of wall
// time wall on the given number of worker lanes.
func (s *Summary) derive(wall time.Duration, workers int) {
	s.Network = s.Phases[Downloading]
	s.Compute = s.Phases[Decoding] + s.Phases[Processing] + s.Phases[Encoding]
	s.PerSecond, s.Utilisation = 0, 0
	if wall > 0 {
		s.PerSecond = float64(s.OK) / wall.Seconds()
		if workers > 0 {
			s.Utilisation = float64(s.Compute) / (float64(wall) * float64(workers))
		}
	}
}
