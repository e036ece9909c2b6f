package parallel

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// Stats is a snapshot of an [Executor]'s counters, from [Executor.Stats].
// Counters only grow; Queued and Running are gauges, derived from
// counters read one after another, so while tasks run they may be off by
// the few tasks that moved meanwhile (never negative).
type Stats struct {
	Workers        int // the most tasks that run at once (Config.Workers, or its default)
	WorkersStarted int // worker goroutines started so far: they start as tasks arrive

	Submitted uint64 // tasks accepted into the queue
	Rejected  uint64 // submits refused: closed executor, full queue (TrySubmit), ctx done while waiting
	Queued    int    // tasks waiting for a worker now
	Running   int    // tasks running now

	Succeeded uint64 // finished with a nil error
	Failed    uint64 // finished with an error, including Panicked and TimedOut
	Cancelled uint64 // cancelled, whether queued (never ran) or running
	Panicked  uint64 // of Failed: panicked
	TimedOut  uint64 // of Failed: stopped by Config.RunTimeout

	// Latency figures over the tasks timed. Every task is timed while the
	// tasks run for 10µs or more; while they are shorter, one task in 16
	// (chosen at random) is, so that reading the clock stays cheap next to
	// the tasks themselves. Count says how many tasks were timed.
	QueueWait Latency // from submit to the start of the run
	Run       Latency // from the start to the end of the run
}

// Latency summarises durations. Quantiles come from a log-linear histogram
// with 8 buckets per power of two, so they are within 1/16 (about 6%) of
// the true value; Mean and Max are exact.
type Latency struct {
	Count uint64
	Mean  time.Duration
	Max   time.Duration
	P50   time.Duration
	P90   time.Duration
	P99   time.Duration
}

// Stats returns a snapshot of ex's counters and latency figures. It is
// cheap enough to poll (it sums a few counters per worker) and never
// blocks the workers.
func (ex *Executor) Stats() Stats {
	var s Stats
	if !ex.ready.Load() { // no task yet
		s.Workers = ex.cfg.workers()
		return s
	}
	var q, r histogram
	var started, dropped uint64
	// Read finish counters before started, and started before submitted:
	// counters only grow, so the gauges derived below are never negative.
	for _, w := range ex.stripes {
		s.Succeeded += w.succeeded.Load()
		s.Failed += w.failed.Load()
		s.Cancelled += w.cancelled.Load()
		s.Panicked += w.panicked.Load()
		s.TimedOut += w.timedOut.Load()
		dropped += w.dropped.Load()
		r.add(&w.runLat)
	}
	finished := s.Succeeded + s.Failed + s.Cancelled
	dropped += ex.droppedQueued.Load()
	s.Cancelled += ex.cancelledQueued.Load()
	for _, w := range ex.stripes {
		started += w.started.Load()
		q.add(&w.queueLat)
	}
	s.Submitted = ex.submitted.Load()
	s.Rejected = ex.rejected.Load()
	s.Workers = ex.workers
	s.WorkersStarted = int(ex.spawned.Load())
	s.Queued = clampInt(s.Submitted - min(s.Submitted, started+dropped))
	s.Running = clampInt(started - min(started, finished))
	s.QueueWait = q.latency()
	s.Run = r.latency()
	return s
}

func clampInt(n uint64) int { return int(min(n, 1<<62)) }

// stripe holds the counters of the worker goroutines that share it (one,
// when there are no more workers than twice the processors), so that the
// atomic adds seldom contend; Stats reads them.
type stripe struct {
	started   atomic.Uint64
	succeeded atomic.Uint64
	failed    atomic.Uint64
	cancelled atomic.Uint64
	panicked  atomic.Uint64
	timedOut  atomic.Uint64
	dropped   atomic.Uint64 // taken from the queue but not run
	queueLat  histogram
	runLat    histogram
	_         [64]byte // keep the next worker's counters off this cache line
}

// numBuckets covers every int64: 16 exact buckets for 0-15 ns, then 8 per
// power of two.
const numBuckets = 16 + 8*60

// histogram is a log-linear histogram of durations in nanoseconds.
type histogram struct {
	sum     atomic.Int64
	max     atomic.Int64
	buckets [numBuckets]atomic.Uint64
}

func bucketOf(v int64) int {
	if v < 16 {
		return int(max(v, 0))
	}
	shift := bits.Len64(uint64(v)) - 4
	return shift*8 + int(v>>shift)
}

// bucketMid returns a value in the middle of bucket i.
func bucketMid(i int) int64 {
	if i < 16 {
		return int64(i)
	}
	shift := i/8 - 1
	m := int64(i%8 + 8)
	return m<<shift + (int64(1)<<shift)/2
}

// record adds v nanoseconds. It is safe for concurrent use.
func (h *histogram) record(v int64) {
	h.buckets[bucketOf(v)].Add(1)
	h.sum.Add(v)
	for m := h.max.Load(); v > m && !h.max.CompareAndSwap(m, v); m = h.max.Load() {
	}
}

// add merges o into h; h is a private copy.
func (h *histogram) add(o *histogram) {
	h.sum.Store(h.sum.Load() + o.sum.Load())
	h.max.Store(max(h.max.Load(), o.max.Load()))
	for i := range h.buckets {
		if n := o.buckets[i].Load(); n != 0 {
			h.buckets[i].Store(h.buckets[i].Load() + n)
		}
	}
}

func (h *histogram) latency() Latency {
	var l Latency
	for i := range h.buckets {
		l.Count += h.buckets[i].Load()
	}
	if l.Count == 0 {
		return l
	}
	l.Mean = time.Duration(h.sum.Load() / int64(l.Count))
	l.Max = time.Duration(h.max.Load())
	l.P50 = h.quantile(l.Count, 0.50, l.Max)
	l.P90 = h.quantile(l.Count, 0.90, l.Max)
	l.P99 = h.quantile(l.Count, 0.99, l.Max)
	return l
}

func (h *histogram) quantile(count uint64, q float64, maxv time.Duration) time.Duration {
	rank := uint64(q*float64(count-1)) + 1
	var seen uint64
	for i := range h.buckets {
		seen += h.buckets[i].Load()
		if seen >= rank {
			return min(time.Duration(bucketMid(i)), maxv)
		}
	}
	return maxv
}
