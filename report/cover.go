package report

import (
	"cmp"
	"slices"
	"time"
)

// cover is the union of time intervals: the wall time during which at
// least one of them was open. Intervals may be added in any order; fold
// lets a long batch keep only the recent ones.
type cover struct {
	ivs    []Span        // disjoint and sorted by Start; Phase unused
	folded time.Duration // the length of the union of intervals folded away
	floor  time.Duration // no interval below it is kept: the last fold's horizon
}

// add adds the interval [start, end). The part of it before the last
// fold's horizon is dropped: that time is already counted or promised
// not to come.
func (c *cover) add(start, end time.Duration) {
	start = max(start, c.floor)
	if end <= start {
		return
	}
	// The intervals that touch [start, end) are ivs[i:j]; they merge with it.
	i, _ := slices.BinarySearchFunc(c.ivs, start, func(s Span, t time.Duration) int { return cmp.Compare(s.End, t) })
	j := i
	for j < len(c.ivs) && c.ivs[j].Start <= end {
		start, end = min(start, c.ivs[j].Start), max(end, c.ivs[j].End)
		j++
	}
	c.ivs = slices.Replace(c.ivs, i, j, Span{Start: start, End: end})
}

// fold counts away the intervals that end by horizon, for a caller that
// promises no later interval starts before it, so that a batch of a
// million items keeps only the intervals still open.
func (c *cover) fold(horizon time.Duration) {
	if horizon <= c.floor {
		return
	}
	n := 0
	for n < len(c.ivs) && c.ivs[n].End <= horizon {
		c.folded += c.ivs[n].Duration()
		n++
	}
	c.ivs = slices.Delete(c.ivs, 0, n)
	c.floor = horizon
}

// total returns the length of the union.
func (c *cover) total() time.Duration {
	t := c.folded
	for _, s := range c.ivs {
		t += s.Duration()
	}
	return t
}

// busyTimes gathers, from an item's spans as they come, the wall time
// during which sources were being fetched, during which workers computed,
// and during which both happened.
type busyTimes struct {
	fetch, compute, either cover
}

// add counts a span of phase p from start to end.
func (b *busyTimes) add(p Phase, start, end time.Duration) {
	switch {
	case p == Downloading:
		b.fetch.add(start, end)
	case p.holdsWorker():
		b.compute.add(start, end)
	default:
		return
	}
	b.either.add(start, end)
}

// fold folds every cover at horizon (see cover.fold).
func (b *busyTimes) fold(horizon time.Duration) {
	b.fetch.fold(horizon)
	b.compute.fold(horizon)
	b.either.fold(horizon)
}

// set stores the totals in s.
func (b *busyTimes) set(s *Summary) {
	s.FetchWall, s.ComputeWall = b.fetch.total(), b.compute.total()
	s.OverlapWall = s.FetchWall + s.ComputeWall - b.either.total()
}
