package natsjs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/fanout-dev/fanout/parallel"
)

// ErrDetached is returned (wrapped) by [Backend.Run] with [Config.Detach]:
// the task is queued (or was found queued or done) and runs without this
// process waiting for it. It wraps [parallel.ErrDetached].
var ErrDetached = fmt.Errorf("natsjs: task queued for a detached job: %w", parallel.ErrDetached)

// jobIDPrefix starts the id of a job's Backend, under which its results
// are filed; random ids (nuid) hold no '_'.
const jobIDPrefix = "job_"

// backendID returns the id a Backend files its results under: the job's,
// or a random one.
func backendID(cfg Config) string {
	if cfg.Job != "" {
		return jobIDPrefix + cfg.Job
	}
	return nuid.Next()
}

// taskID returns the id of a task: for a job, made from the job, the
// task's name and its input, so that every submitter of the job gives the
// same task the same id; otherwise random.
func (b *Backend) taskID(name string, input []byte) string {
	if b.cfg.Job == "" {
		return nuid.Next()
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(b.cfg.Job), []byte(name), input} {
		h.Write([]byte(strconv.Itoa(len(part)) + ":"))
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// jobKey returns the key under which a job's task id is recorded.
func jobKey(job, id string) string { return job + "." + id }

// record notes that the job's task id is at sequence seq of the work
// queue, so that a later submitter of the job finds it there instead of
// queueing it again. Best effort: without the record, a later submitter
// queues the task again (the work queue de-duplicates it for two minutes).
func (b *Backend) record(id string, seq uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if _, err := b.c.jobs.Put(ctx, jobKey(b.cfg.Job, id), []byte(strconv.FormatUint(seq, 10))); err != nil {
		b.log.Warn("natsjs: could not record a job's task; a restarted submitter may queue it again",
			"job", b.cfg.Job, "task", id, "err", err)
	}
}

// earlier looks for a job's task as an earlier submitter of the job left
// it: still in the work queue (its sequence), or finished (its result).
// It returns neither if the task is to be queued.
func (b *Backend) earlier(ctx context.Context, id string, w *waiter) (uint64, *outcome) {
	rctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
	defer cancel()
	if e, err := b.c.jobs.Get(rctx, jobKey(b.cfg.Job, id)); err == nil {
		if seq, err := strconv.ParseUint(string(e.Value()), 10, 64); err == nil {
			if raw, err := b.c.tasks.GetMsg(rctx, seq); err == nil && raw.Header.Get(hdrID) == id {
				return seq, nil // waiting or running
			}
		}
	}
	if raw, err := b.c.results.GetLastMsgForSubject(rctx, w.subject); err == nil {
		return 0, &outcome{header: raw.Header, data: raw.Data}
	}
	return 0, nil
}

// JobStatus is the state of a job (see [Config.Job]), from [ReadJob].
type JobStatus struct {
	Job       string
	Queued    int // tasks the job's submitters queued
	Done      int // tasks with a result: Succeeded + Failed
	Succeeded int
	Failed    int // tasks whose result is an error (their dead letters are in the dead-letter stream)
	Pending   int // tasks queued and not yet done: waiting for a worker, or running

	First, Last time.Time // when the first and the last result came; zero if none did
}

// Finished reports whether every task the job queued is done.
func (s JobStatus) Finished() bool { return s.Queued > 0 && s.Pending == 0 }

// Throughput returns the job's results per second between its first and
// its last result, or 0 with fewer than two.
func (s JobStatus) Throughput() float64 {
	d := s.Last.Sub(s.First).Seconds()
	if s.Done < 2 || d <= 0 {
		return 0
	}
	return float64(s.Done-1) / d
}

// ReadJob returns the status of the job named job on the cluster cfg names,
// from the records of the tasks it queued and the results kept under it
// (both kept for cfg.ResultTTL after they are written). It reads every
// result's headers, not their data, and creates nothing. A job nobody
// ran, or whose records have expired, has a zero status and no error.
func ReadJob(ctx context.Context, js jetstream.JetStream, cfg Config, job string) (JobStatus, error) {
	cfg.Job = job
	cfg, err := cfg.withDefaults()
	if err != nil {
		return JobStatus{}, err
	}
	if job == "" {
		return JobStatus{}, errors.New("natsjs: job status: no job named")
	}
	st := JobStatus{Job: job}
	kv, err := js.KeyValue(ctx, cfg.jobsBucket())
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return st, nil // no job ever ran on this cluster
	}
	if err != nil {
		return st, fmt.Errorf("natsjs: job %s: bucket %s: %w", job, cfg.jobsBucket(), err)
	}
	keys, err := kv.ListKeysFiltered(ctx, job+".>")
	if err != nil {
		return st, fmt.Errorf("natsjs: job %s: list its tasks: %w", job, err)
	}
	for range keys.Keys() {
		st.Queued++
	}
	keys.Stop() // the lister stopped when it closed the channel

	filter := cfg.resultPrefix() + backendID(cfg) + ".>"
	cons, err := js.OrderedConsumer(ctx, cfg.resultsStream(), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{filter},
		HeadersOnly:    true,
	})
	if err != nil {
		return st, fmt.Errorf("natsjs: job %s: read its results: %w", job, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return st, fmt.Errorf("natsjs: job %s: read its results: %w", job, err)
	}
	seen := make(map[string]bool)
	for left := info.NumPending; left > 0; {
		batch, err := cons.Fetch(int(min(left, 1024)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return st, fmt.Errorf("natsjs: job %s: read its results: %w", job, err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			left--
			if seen[m.Subject()] {
				continue // a task that ran twice
			}
			seen[m.Subject()] = true
			if m.Headers().Get(hdrStatus) == statusError {
				st.Failed++
			} else {
				st.Succeeded++
			}
			if md, err := m.Metadata(); err == nil {
				if st.First.IsZero() || md.Timestamp.Before(st.First) {
					st.First = md.Timestamp
				}
				if md.Timestamp.After(st.Last) {
					st.Last = md.Timestamp
				}
			}
		}
		if err := batch.Error(); err != nil && n == 0 {
			return st, fmt.Errorf("natsjs: job %s: read its results: %w", job, err)
		}
		if n == 0 {
			break
		}
	}
	st.Done = st.Succeeded + st.Failed
	st.Queued = max(st.Queued, st.Done)
	st.Pending = st.Queued - st.Done
	return st, nil
}
