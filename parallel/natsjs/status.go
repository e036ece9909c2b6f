package natsjs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// Timings of the workers' presence in the <Prefix>_WORKERS bucket.
const (
	// presenceInterval is how often a worker refreshes its entry.
	presenceInterval = 5 * time.Second
	// workerTTL is how long an entry outlives its last refresh: a worker
	// that died without a word leaves the bucket after it.
	workerTTL = 3 * presenceInterval
)

// WorkerInfo is what a running [Worker] tells the cluster about itself,
// every 5 seconds, in the <Prefix>_WORKERS key-value bucket. An entry not
// refreshed for 15 seconds (a worker that died) disappears; a worker that
// stops removes its own.
type WorkerInfo struct {
	ID          string    `json:"id"`   // unique per Worker.Run
	Host        string    `json:"host"` // the machine's host name
	PID         int       `json:"pid"`  // the process id on Host
	Concurrency int       `json:"concurrency"`
	Tasks       []string  `json:"tasks,omitempty"` // served task names; empty: all
	Server      string    `json:"server"`          // the NATS server it is connected to
	Started     time.Time `json:"started"`
	Heartbeat   time.Time `json:"heartbeat"` // when the entry was written

	WorkerStats
}

// WorkerStats are a [Worker]'s counters since it started: what it runs
// now and what it has settled.
type WorkerStats struct {
	Running      int     `json:"running"`       // tasks running now
	Done         uint64  `json:"done"`          // tasks that succeeded
	Failed       uint64  `json:"failed"`        // tasks that failed for good (permanent error, last delivery)
	Retried      uint64  `json:"retried"`       // failed runs handed back to be delivered again
	DeadLettered uint64  `json:"dead_lettered"` // tasks this worker moved to the dead-letter stream
	Returned     uint64  `json:"returned"`      // tasks handed back unfinished when the worker stopped
	Rate         float64 `json:"rate"`          // tasks settled per second over the last minute
}

// counters are a Worker's live statistics. The zero value is ready.
type counters struct {
	running, done, failed, retried, deadLettered, returned atomic.Int64

	mu      sync.Mutex
	samples []sample // guarded by mu: settled counts over the last minute
}

// sample is the number of tasks settled by a time.
type sample struct {
	at      time.Time
	settled int64
}

// snapshot returns the counters, and records a sample for the rate.
func (c *counters) snapshot() WorkerStats {
	s := WorkerStats{
		Running:      int(c.running.Load()),
		Done:         uint64(c.done.Load()),
		Failed:       uint64(c.failed.Load()),
		Retried:      uint64(c.retried.Load()),
		DeadLettered: uint64(c.deadLettered.Load()),
		Returned:     uint64(c.returned.Load()),
	}
	settled := int64(s.Done + s.Failed + s.Retried)
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.samples = append(c.samples, sample{now, settled})
	for len(c.samples) > 1 && now.Sub(c.samples[0].at) > time.Minute {
		c.samples = c.samples[1:]
	}
	if first := c.samples[0]; now.Sub(first.at) > 0 {
		s.Rate = float64(settled-first.settled) / now.Sub(first.at).Seconds()
	}
	return s
}

// Stats returns the worker's counters since its Run started (zero before).
// It is safe to call at any time, from any goroutine.
func (w *Worker) Stats() WorkerStats { return w.stats.snapshot() }

// announce keeps this worker's entry in the workers bucket until ctx is
// done, then removes it.
func (w *worker) announce(ctx context.Context, conc int) {
	host, _ := os.Hostname()
	info := WorkerInfo{
		ID:          nuid.Next(),
		Host:        host,
		PID:         os.Getpid(),
		Concurrency: conc,
		Tasks:       w.Tasks,
		Started:     time.Now().UTC(),
	}
	put := func() {
		info.Heartbeat = time.Now().UTC()
		info.Server = w.JS.Conn().ConnectedServerName()
		info.WorkerStats = w.stats.snapshot()
		data, _ := json.Marshal(info)
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if _, err := w.c.workers.Put(pctx, info.ID, data); err != nil && ctx.Err() == nil {
			w.log.Debug("natsjs: worker: announce", "err", err)
		}
	}
	put()
	t := time.NewTicker(presenceInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			put()
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
			w.c.workers.Delete(dctx, info.ID)
			cancel()
			return
		}
	}
}

// Status is the state of a fanout cluster: its queue, its workers and its
// dead letters, as [ReadStatus] finds them.
type Status struct {
	Queued      uint64 // tasks waiting for a worker
	Running     int    // tasks delivered to a worker and not yet settled
	Redelivered int    // of the running, those delivered more than once (a worker died, a retry)
	IdleSlots   int    // pull requests waiting: worker slots with nothing to do
	Consumers   int    // worker consumers (one per set of tasks served); 0: no worker ever served
	DeadLetters uint64 // tasks in the dead-letter stream (see [ListDeadLetters])
	Results     uint64 // results published and not yet collected by their submitter
	Submitters  int    // submitters ([Backend]s) collecting results
	Workers     []WorkerInfo
	Throughput  float64 // tasks settled per second over the last minute, all workers together
}

// ReadStatus reads the state of the cluster cfg names. It creates nothing:
// it returns an error wrapping [jetstream.ErrStreamNotFound] when the
// cluster has not been set up (no submitter or worker ever ran), and the
// server's error when it cannot be reached.
func ReadStatus(ctx context.Context, js jetstream.JetStream, cfg Config) (*Status, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	tasks, err := js.Stream(ctx, cfg.tasksStream())
	if err != nil {
		return nil, fmt.Errorf("natsjs: status: stream %s: %w", cfg.tasksStream(), err)
	}
	q, err := queueState(ctx, tasks)
	if err != nil {
		return nil, fmt.Errorf("natsjs: status: consumers of %s: %w", cfg.tasksStream(), err)
	}
	st := &Status{Queued: q.Queued, Running: q.Running, Redelivered: q.Redeliver, IdleSlots: q.Pulling, Consumers: q.Consumers}
	if q.Consumers == 0 {
		st.Queued = tasks.CachedInfo().State.Msgs
	}
	if dlq, err := js.Stream(ctx, cfg.dlqStream()); err == nil {
		st.DeadLetters = dlq.CachedInfo().State.Msgs
	} else if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, fmt.Errorf("natsjs: status: stream %s: %w", cfg.dlqStream(), err)
	}
	if res, err := js.Stream(ctx, cfg.resultsStream()); err == nil {
		st.Results = res.CachedInfo().State.Msgs
		st.Submitters = res.CachedInfo().State.Consumers
	}
	kv, err := js.KeyValue(ctx, cfg.workersBucket())
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return st, nil // workers older than the bucket
	}
	if err != nil {
		return nil, fmt.Errorf("natsjs: status: bucket %s: %w", cfg.workersBucket(), err)
	}
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("natsjs: status: bucket %s: %w", cfg.workersBucket(), err)
	}
	for key := range keys.Keys() {
		e, err := kv.Get(ctx, key)
		if err != nil {
			continue // gone meanwhile
		}
		var wi WorkerInfo
		if json.Unmarshal(e.Value(), &wi) == nil {
			st.Workers = append(st.Workers, wi)
			st.Throughput += wi.Rate
		}
	}
	slices.SortFunc(st.Workers, func(a, b WorkerInfo) int { return a.Started.Compare(b.Started) })
	return st, nil
}
