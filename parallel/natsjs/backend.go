package natsjs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"golang.org/x/sync/semaphore"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/backend"
)

// Sentinel errors of the backend.
var (
	// ErrClosed is returned by [Backend.Run] after [Backend.Close], and by
	// the Runs that Close interrupts. It wraps [parallel.ErrClosed].
	ErrClosed = fmt.Errorf("natsjs: backend closed: %w", parallel.ErrClosed)

	// ErrNoResult is returned (wrapped) by [Backend.Run] when no result
	// came within [Config.ResultWait]. It matches
	// [context.DeadlineExceeded] as well.
	ErrNoResult = fmt.Errorf("natsjs: no result in time: %w", context.DeadlineExceeded)
)

// cleanupTimeout bounds the requests made after a Run's context is done
// (deleting its task, raising its cancel flag, deleting objects), and
// publishes of small messages.
const cleanupTimeout = 5 * time.Second

// publishBudget bounds the bytes of the tasks a Backend publishes at once:
// so many images of a batch published together over a slow link (a
// submitter behind 20 Mbit/s) would share it so thinly that each attempt
// timed out and was sent again, in full, making the link slower still.
// 2 MiB cross such a link in under a second, and a fast one many times
// over in a round trip; small tasks (references) hardly count.
const publishBudget = 2 << 20

// transferTimeout bounds the transfer of n bytes: cleanupTimeout plus one
// second per MiB.
func transferTimeout(n int) time.Duration {
	return cleanupTimeout + time.Duration(n>>20)*time.Second
}

// Backend is the submitting side of a fanout cluster: a [parallel.Backend]
// that runs named tasks on [Worker]s anywhere on a NATS JetStream cluster.
//
// RunsChunks reports that the cluster's workers run chunks of a named
// task in one message (see parallel.MapOptions.Chunk): a chunk travels on
// its task's subject, so the workers that serve the task take it, and is
// retried, dead-lettered and cancelled as one task.
func (b *Backend) RunsChunks() bool { return true }

// Run publishes the task to the work-queue stream and waits for its result
// on the results stream, which one durable consumer per Backend reads and
// hands to the waiting Runs. Delivery is at least once: a task whose worker
// died runs again elsewhere, so tasks must be idempotent; the submitter
// still sees exactly one result per Run.
//
// Each Backend has a durable, replicated consumer of its own on the
// servers (a RAFT group on a cluster), removed by Close: make one per
// process and keep it, rather than one per batch.
//
// A Backend is safe for concurrent use. Its owner calls [Backend.Close];
// the NATS connection stays the caller's to close, after Close.
type Backend struct {
	js     jetstream.JetStream
	c      *cluster
	cfg    Config
	log    *slog.Logger
	inline int
	// sending bounds the task bytes being published at once (see
	// publishBudget).
	sending *semaphore.Weighted
	id      string        // this Backend's results are on <prefix>.results.<id>.<task id>
	done    chan struct{} // closed by Close

	// restart asks the watcher to recreate the result consumer (the
	// consume loop saw it deleted). wg waits for the watcher.
	restart chan struct{}
	wg      sync.WaitGroup

	// lastResult is when the consumer last handed over a result (unix
	// nanoseconds); acked counts the results it acknowledged.
	lastResult atomic.Int64
	acked      atomic.Uint64

	ccMu sync.Mutex
	cons jetstream.Consumer       // guarded by ccMu: the durable result consumer
	cc   jetstream.ConsumeContext // guarded by ccMu: its consume loop

	mu      sync.Mutex
	waiting map[string]*waiter // guarded by mu: task id -> its Run's state
	closed  bool               // guarded by mu
}

// waiter is a Run waiting for its result.
type waiter struct {
	slot    chan outcome // buffered: holds the one outcome handed over
	subject string       // where the result will be
	seq     uint64       // the task's sequence in the work queue, 0 until published
	since   time.Time    // when the task was published
	gone    time.Time    // when the task was first seen missing from the work queue with no result in sight
}

// outcome is what a Run gets: a result message, or an error when none
// will come.
type outcome struct {
	header nats.Header
	data   []byte
	err    error
}

var _ parallel.Backend = (*Backend)(nil)

// New sets up the cluster's streams and buckets (see [Setup]) and starts
// the consumer that collects this Backend's results. js is the caller's
// client: New never dials. Requests made by New are bounded by js's default
// timeout. New returns an error if cfg is invalid or the server refuses.
//
// The results are read through a durable consumer of the results stream,
// replicated as the stream is ([Config.Replicas]), so that it survives the
// loss of a node: the cluster moves it with the stream. A watcher
// recreates it if it is lost all the same, and, when no result has come
// for a few seconds while Runs wait, fetches their results from the
// stream directly (see [Backend.Run]).
func New(js jetstream.JetStream, cfg Config) (*Backend, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx := context.Background() // jetstream bounds each request by its default timeout
	c, err := setup(ctx, js, cfg)
	if err != nil {
		return nil, err
	}
	b := &Backend{
		js:      js,
		c:       c,
		cfg:     cfg,
		log:     cfg.Logger,
		inline:  cfg.maxInline(js.Conn().MaxPayload()),
		sending: semaphore.NewWeighted(publishBudget),
		id:      backendID(cfg),
		done:    make(chan struct{}),
		restart: make(chan struct{}, 1),
		waiting: make(map[string]*waiter),
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	if err := b.startConsumer(ctx); err != nil {
		return nil, err
	}
	b.lastResult.Store(time.Now().UnixNano())
	b.wg.Go(b.watch)
	return b, nil
}

// Timings of the result path. resultQuiet and sweepMax are variables
// only so that tests can shorten them.
var (
	// watchInterval is how often a Backend removes the results it has
	// read and checks on its result consumer.
	watchInterval = time.Second
	// resultQuiet is how long no result may come, while Runs wait, before
	// the Backend looks for their results in the stream itself.
	resultQuiet = 5 * time.Second
	// sweepMax is the longest pause between two such looks.
	sweepMax = 30 * time.Second
	// sweepBatch is how many Runs one look covers, the longest waiting
	// first.
	sweepBatch = 256
	// resultAckWait is the result consumer's ack wait: a result lost on
	// its way to the Backend (a node lost mid-delivery) comes again after
	// it. The Backend acknowledges each result as it arrives, so a short
	// one costs nothing but a rare duplicate, which is dropped.
	resultAckWait = 3 * time.Second
	// resultConsumerIdle is how long the server keeps the result consumer
	// of a Backend that stopped pulling without closing (its process
	// died): a Backend pulls every few seconds while it lives.
	resultConsumerIdle = time.Hour
)

// consumerName is the name of the durable consumer of this Backend's
// results.
func (b *Backend) consumerName() string { return "results_" + b.id }

// startConsumer creates (or recreates) the result consumer and starts
// consuming from it, replacing the consume loop running before, if any.
func (b *Backend) startConsumer(ctx context.Context) error {
	cons, err := retryRace(ctx, func() (jetstream.Consumer, error) {
		return b.js.CreateOrUpdateConsumer(ctx, b.cfg.resultsStream(), jetstream.ConsumerConfig{
			Durable:           b.consumerName(),
			Description:       "results of one fanout submitter",
			FilterSubject:     b.cfg.resultPrefix() + b.id + ".>",
			DeliverPolicy:     jetstream.DeliverAllPolicy,
			AckPolicy:         jetstream.AckExplicitPolicy,
			AckWait:           resultAckWait,
			MaxDeliver:        -1,
			MaxAckPending:     1 << 16,
			InactiveThreshold: resultConsumerIdle,
			Replicas:          b.cfg.Replicas,
		})
	})
	if err != nil {
		return fmt.Errorf("natsjs: create result consumer: %w", err)
	}
	// The server's idle heartbeats every second let the client notice
	// within two that the consumer's leader is gone, and pull from the new
	// one. Results are pulled publishBudget bytes at a time, so that over
	// a slow link each arrives well within the ack wait, which runs from
	// when the server sends it (a pull of 500 results of a few hundred KB
	// each would take minutes to cross 20 Mbit/s, and every result not
	// acknowledged in time would be sent again).
	cc, err := cons.Consume(b.deliver, jetstream.PullExpiry(pullExpiry), jetstream.PullHeartbeat(time.Second),
		jetstream.PullMaxBytes(publishBudget), jetstream.ConsumeErrHandler(b.consumeError))
	if err != nil {
		return fmt.Errorf("natsjs: consume results: %w", err)
	}
	b.ccMu.Lock()
	old := b.cc
	b.cons, b.cc = cons, cc
	b.ccMu.Unlock()
	if old != nil {
		old.Stop()
	}
	return nil
}

// consumeError asks the watcher to recreate the result consumer when the
// server says it is gone.
func (b *Backend) consumeError(_ jetstream.ConsumeContext, err error) {
	if errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) {
		select {
		case b.restart <- struct{}{}:
		default:
		}
	}
}

// watch keeps the result path healthy until Close: once per
// watchInterval it removes the results this Backend has acknowledged from
// the results stream, recreates the result consumer if the server lost it,
// and, when no result has come for resultQuiet while Runs wait, sweeps:
// it looks for their results in the stream itself.
func (b *Backend) watch() {
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	var purgedAt uint64     // acked count at the last purge
	var lastSweep time.Time // when the last sweep ran
	sweepEvery := resultQuiet
	for {
		select {
		case <-t.C:
		case <-b.restart:
			b.recreate("the server deleted it")
			continue
		case <-b.done:
			return
		}
		quiet := time.Since(time.Unix(0, b.lastResult.Load())) >= resultQuiet && b.numWaiting() > 0
		if n := b.acked.Load(); b.cfg.Job == "" && (n != purgedAt || quiet) {
			if b.purge() {
				purgedAt = n
			}
		}
		if !quiet {
			sweepEvery = resultQuiet
			continue
		}
		if time.Since(lastSweep) < sweepEvery {
			continue
		}
		lastSweep = time.Now()
		if b.sweep() {
			sweepEvery = resultQuiet
		} else {
			sweepEvery = min(2*sweepEvery, sweepMax)
		}
	}
}

// recreate makes the result consumer again, after the server lost it.
func (b *Backend) recreate(why string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := b.startConsumer(ctx); err != nil {
		b.log.Warn("natsjs: result consumer lost; recreating it failed, will try again", "why", why, "err", err)
		return
	}
	b.log.Info("natsjs: result consumer recreated", "why", why, "consumer", b.consumerName())
}

// purge removes from the results stream this Backend's results below the
// consumer's ack floor: those it has read and acknowledged. The consumer
// never goes back below its ack floor, so nothing it will need is removed;
// the server keeps de-duplicating the purged results by message id. It
// reports whether it got through, and recreates the consumer if the
// server says it is gone.
func (b *Backend) purge() bool {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	b.ccMu.Lock()
	cons := b.cons
	b.ccMu.Unlock()
	info, err := cons.Info(ctx)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		b.recreate("not found on the server")
		return false
	}
	if err != nil {
		return false // try again next time; ResultTTL is the backstop
	}
	floor := info.AckFloor.Stream
	if floor == 0 {
		return true
	}
	err = b.c.results.Purge(ctx, jetstream.WithPurgeSubject(b.cfg.resultPrefix()+b.id+".>"), jetstream.WithPurgeSequence(floor+1))
	return err == nil
}

// numWaiting returns how many Runs wait for a result.
func (b *Backend) numWaiting() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.waiting)
}

// sweep looks for the results of the Runs that have waited longest, at
// most sweepBatch of them, in the results stream itself: a result the
// consumer failed to hand over is handed over from there. For a task
// with no result yet it checks that the task is still in the work queue
// (waiting or running); one that has left it and whose result does not
// appear within [Config.LostResultWait] ends its Run with [ErrNoResult].
// It reports whether it found a result.
func (b *Backend) sweep() bool {
	type entry struct {
		id string
		w  *waiter
	}
	b.mu.Lock()
	var ws []entry
	for id, w := range b.waiting {
		if w.seq != 0 && time.Since(w.since) >= resultQuiet {
			ws = append(ws, entry{id, w})
		}
	}
	b.mu.Unlock()
	slices.SortFunc(ws, func(a, c entry) int { return a.w.since.Compare(c.w.since) })
	ws = ws[:min(len(ws), sweepBatch)]
	found, lost, inQueue := 0, 0, 0
	for _, e := range ws {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		raw, err := b.c.results.GetLastMsgForSubject(ctx, e.w.subject)
		if err == nil {
			cancel()
			found++
			b.hand(e.id, outcome{header: raw.Header, data: raw.Data})
			continue
		}
		if !errors.Is(err, jetstream.ErrMsgNotFound) {
			cancel()
			break // the server is unreachable; next time
		}
		_, err = b.c.tasks.GetMsg(ctx, e.w.seq)
		cancel()
		switch {
		case err == nil: // waiting or running
			inQueue++
			b.mu.Lock()
			e.w.gone = time.Time{}
			b.mu.Unlock()
			continue
		case !errors.Is(err, jetstream.ErrMsgNotFound):
			continue
		}
		b.mu.Lock()
		if e.w.gone.IsZero() {
			e.w.gone = time.Now()
		}
		gone := e.w.gone
		b.mu.Unlock()
		if time.Since(gone) >= b.cfg.LostResultWait {
			lost++
			b.hand(e.id, outcome{err: fmt.Errorf("%w: the task left the work queue %v ago and no result was published",
				ErrNoResult, time.Since(gone).Round(time.Second))})
		}
	}
	if found > 0 || lost > 0 {
		b.log.Info("natsjs: results fetched from the stream while the result consumer was quiet",
			"found", found, "lost", lost, "checked", len(ws))
	}
	if found == 0 && inQueue > 0 {
		// Say why nothing comes: the tasks wait for a worker, or run.
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		q, err := queueState(ctx, b.c.tasks)
		cancel()
		quiet := time.Since(time.Unix(0, b.lastResult.Load())).Round(time.Second)
		switch {
		case err != nil:
			b.log.Warn("natsjs: no result for a while; the tasks are in the queue", "for", quiet, "tasks", inQueue)
		case q.Consumers == 0:
			b.log.Warn("natsjs: no result for a while: no worker has ever served this cluster; start one (fanout worker)",
				"for", quiet, "queued", q.Queued)
		case q.Running == 0 && q.Pulling == 0:
			b.log.Warn("natsjs: no result for a while: tasks wait and no worker is connected; start one (fanout worker)",
				"for", quiet, "queued", q.Queued)
		default:
			b.log.Info("natsjs: no result for a while; the tasks are queued or running",
				"for", quiet, "queued", q.Queued, "running", q.Running, "idle_worker_slots", q.Pulling)
		}
	}
	return found > 0
}

// deliver hands a result from the consumer to the Run waiting for it and
// acknowledges it. A result nobody waits for (a duplicate from a task that
// ran twice, a result already fetched by a sweep, or the result of a
// cancelled Run) is dropped, so each Run sees exactly one.
func (b *Backend) deliver(m jetstream.Msg) {
	subj := m.Subject()
	id := subj[strings.LastIndexByte(subj, '.')+1:]
	b.hand(id, outcome{header: m.Headers(), data: m.Data()})
	b.lastResult.Store(time.Now().UnixNano())
	if m.Ack() == nil {
		b.acked.Add(1)
	}
}

// hand gives o to the Run waiting for task id, if any, once.
func (b *Backend) hand(id string, o outcome) {
	b.mu.Lock()
	w, ok := b.waiting[id]
	delete(b.waiting, id)
	b.mu.Unlock()
	if ok {
		w.slot <- o // buffered, and handed once: never blocks
	}
}

// Run runs the task registered as name on a worker and returns its encoded
// output, or the task's error with its kind kept (see
// [backend.UnmarshalError]). It blocks until the result arrives, ctx is
// done, [Config.ResultWait] passes or the Backend is closed.
//
// An input larger than [Config.MaxInline] goes through the object store
// and is deleted once the result is in (after a failure that sent the task
// to the dead-letter stream, which names the input, it is kept for
// [Config.ResultTTL]); so is a large output.
//
// When ctx is done first, Run deletes the task from the work queue, so that
// a task still waiting is never run, and raises the task's cancel flag,
// which the worker running it watches and turns into the cancellation of
// the task's context. Stopping a running task is best effort: a task that
// ignores its context runs to the end and its result is dropped. Run then
// returns an error wrapping context.Cause(ctx).
//
// Other errors: [ErrClosed], an error wrapping [ErrNoResult], and failures
// to reach the server ("natsjs: task NAME: publish: ...").
func (b *Backend) Run(ctx context.Context, name string, input []byte) ([]byte, error) {
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("natsjs: task %s: %w", name, err)
	}
	id, w, err := b.register(name, input)
	if err != nil {
		return nil, err
	}
	defer b.forget(id)

	var seq uint64 // the task's sequence in the work queue
	if b.cfg.Job != "" {
		// A task of a job may have been queued, or run, by an earlier
		// submitter of the same job. The queue is asked first: a task
		// leaves it only after its result is in the results stream.
		var o *outcome
		seq, o = b.earlier(ctx, id, w)
		switch {
		case o != nil && b.cfg.Detach:
			return nil, fmt.Errorf("natsjs: task %s: %w (it has finished)", name, ErrDetached)
		case o != nil:
			return b.result(ctx, name, *o)
		}
	}

	keepInput := true // the task is in the dead-letter stream, which names its input object
	if seq == 0 {
		obj, err := b.publish(ctx, name, id, w.subject, input, &seq)
		if err != nil {
			return nil, err
		}
		if obj != "" && b.cfg.Job == "" {
			// Deleted once done with, except after a failure that may
			// have sent the task to the dead-letter stream, which refers
			// to its input by name. A job's inputs stay for the next
			// submitter of the job; the bucket's TTL removes them.
			keepInput = false
			defer func() {
				if !keepInput {
					b.deleteObject(obj)
				}
			}()
		}
	}
	b.mu.Lock()
	w.seq, w.since = seq, time.Now()
	b.mu.Unlock()
	if b.cfg.Detach {
		return nil, fmt.Errorf("natsjs: task %s: %w", name, ErrDetached)
	}

	var timeout <-chan time.Time
	if b.cfg.ResultWait > 0 {
		t := time.NewTimer(b.cfg.ResultWait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case o := <-w.slot:
		if o.err != nil {
			keepInput = true
			return nil, fmt.Errorf("natsjs: task %s: %w", name, o.err)
		}
		// A worker marks the failures that sent no dead letter (older
		// workers mark none: their failed tasks' inputs are kept).
		keepInput = o.header.Get(hdrStatus) == statusError && o.header.Get(hdrDropped) == ""
		return b.result(ctx, name, o)
	case <-ctx.Done():
		b.cancel(id, seq)
		return nil, fmt.Errorf("natsjs: task %s: %w", name, context.Cause(ctx))
	case <-timeout:
		b.cancel(id, seq)
		return nil, fmt.Errorf("natsjs: task %s: %w after %v", name, ErrNoResult, b.cfg.ResultWait)
	case <-b.done:
		if b.cfg.Job == "" {
			b.cancel(id, seq)
		}
		return nil, ErrClosed
	}
}

// register makes the result slot of a task and returns its id: random,
// or for a job made from the job, name and input; an identical task of
// the job already waiting in this Backend gets a random suffix.
func (b *Backend) register(name string, input []byte) (string, *waiter, error) {
	id := b.taskID(name, input)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return "", nil, ErrClosed
	}
	if _, dup := b.waiting[id]; dup {
		id += "-" + nuid.Next()
	}
	w := &waiter{slot: make(chan outcome, 1), subject: b.cfg.resultPrefix() + b.id + "." + id}
	b.waiting[id] = w // before publishing, so that no result can be missed
	return id, w, nil
}

// publish queues task id (named name, its result to go to reply) on the
// work queue, through the object store if input is large, and sets *seq
// to its sequence there. It returns the name of the input's object, if
// any. It publishes even if ctx ends meanwhile: knowing the task's
// sequence is what lets a cancellation delete it.
func (b *Backend) publish(ctx context.Context, name, id, reply string, input []byte, seq *uint64) (obj string, err error) {
	subject := b.cfg.taskSubject(name)
	if task, ok := backend.ChunkOf(name); ok {
		subject = b.cfg.taskSubject(task) // the workers serving the task run its chunks
	}
	// Wait for room among the bytes being sent: a publish's attempts are
	// timed from when it starts, for a link that gives it about 1 MiB/s.
	weight := min(int64(len(input)), publishBudget)
	if err := b.sending.Acquire(ctx, weight); err != nil {
		return "", fmt.Errorf("natsjs: task %s: %w", name, context.Cause(ctx))
	}
	defer b.sending.Release(weight)
	msg := nats.NewMsg(subject)
	msg.Header.Set(hdrTask, name)
	msg.Header.Set(hdrID, id)
	msg.Header.Set(hdrReply, reply)
	if len(input) > b.inline {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), transferTimeout(len(input)))
		defer cancel()
		obj = inputObject(id)
		if _, err := b.c.objects.PutBytes(pctx, obj, input); err != nil {
			return "", fmt.Errorf("natsjs: task %s: store input: %w", name, err)
		}
		msg.Header.Set(hdrObject, obj)
	} else {
		msg.Data = input
	}
	ack, err := publish(context.WithoutCancel(ctx), b.js, msg, id, ctx.Done())
	if err != nil {
		if obj != "" {
			b.deleteObject(obj)
		}
		if ctx.Err() != nil {
			// The task may have been stored after all; if so, it runs and
			// its result is dropped.
			return "", fmt.Errorf("natsjs: task %s: %w", name, context.Cause(ctx))
		}
		return "", fmt.Errorf("natsjs: task %s: publish: %w", name, err)
	}
	*seq = ack.Sequence
	if b.cfg.Job != "" {
		b.record(id, ack.Sequence)
	}
	return obj, nil
}

// result decodes the result message of task name.
func (b *Backend) result(ctx context.Context, name string, m outcome) ([]byte, error) {
	data := m.data
	if obj := m.header.Get(hdrObject); obj != "" {
		var err error
		data, err = b.c.objects.GetBytes(ctx, obj)
		if err != nil {
			return nil, fmt.Errorf("natsjs: task %s: fetch output %s: %w", name, obj, err)
		}
		if b.cfg.Job == "" { // a job's outputs stay for its next submitter
			b.deleteObject(obj)
		}
	}
	if m.header.Get(hdrStatus) == statusError {
		return nil, backend.UnmarshalError(data)
	}
	return data, nil
}

// cancel deletes the task at sequence seq from the work queue and, if it
// was still there (waiting, or running and not yet acknowledged), raises its
// cancel flag for the worker that may be running it.
func (b *Backend) cancel(id string, seq uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := b.c.tasks.DeleteMsg(ctx, seq); err != nil {
		return // already done, or the server is unreachable: nothing more to do
	}
	b.c.cancels.Put(ctx, id, nil) // best effort: see Run
}

// deleteObject removes a claim-checked payload; the bucket's TTL removes it
// if this fails.
func (b *Backend) deleteObject(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	b.c.objects.Delete(ctx, name)
}

// forget removes the result slot of task id.
func (b *Backend) forget(id string) {
	b.mu.Lock()
	delete(b.waiting, id)
	b.mu.Unlock()
}

// Close stops collecting results. Runs still waiting return [ErrClosed] and
// cancel their tasks. Close does not close the NATS connection. It always
// returns nil and is safe to call more than once.
func (b *Backend) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	close(b.done) // Runs return; the watcher stops
	b.wg.Wait()
	b.ccMu.Lock()
	cc := b.cc
	b.ccMu.Unlock()
	cc.Stop()
	<-cc.Closed()
	if b.cfg.Job != "" {
		return nil // the job's results and consumer stay for its next submitter
	}
	// Nobody reads this Backend's results any more: remove them and the
	// consumer (best effort: the results expire after ResultTTL, the
	// consumer when idle).
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	b.c.results.Purge(ctx, jetstream.WithPurgeSubject(b.cfg.resultPrefix()+b.id+".>"))
	b.js.DeleteConsumer(ctx, b.cfg.resultsStream(), b.consumerName())
	return nil
}

// errorsIsNotFound reports whether err says a message or object is gone.
func errorsIsNotFound(err error) bool {
	return errors.Is(err, jetstream.ErrMsgNotFound) || errors.Is(err, jetstream.ErrObjectNotFound) ||
		errors.Is(err, jetstream.ErrKeyNotFound)
}
