package natsjs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

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
// on the results stream, which one ordered consumer per Backend reads and
// hands to the waiting Runs. Delivery is at least once: a task whose worker
// died runs again elsewhere, so tasks must be idempotent; the submitter
// still sees exactly one result per Run.
//
// A Backend is safe for concurrent use. Its owner calls [Backend.Close];
// the NATS connection stays the caller's to close, after Close.
type Backend struct {
	js     jetstream.JetStream
	c      *cluster
	cfg    Config
	inline int
	id     string // this Backend's results are on <prefix>.results.<id>.<task id>
	cc     jetstream.ConsumeContext
	done   chan struct{} // closed by Close

	// delivered is the stream sequence of the last result the consumer
	// handed over; the purger goroutine removes the results up to it from
	// the results stream. wg waits for the purger.
	delivered atomic.Uint64
	wg        sync.WaitGroup

	mu      sync.Mutex
	waiting map[string]chan jetstream.Msg // guarded by mu: task id -> its Run's result slot
	closed  bool                          // guarded by mu
}

var _ parallel.Backend = (*Backend)(nil)

// New sets up the cluster's streams and buckets (see [Setup]) and starts
// the consumer that collects this Backend's results. js is the caller's
// client: New never dials. Requests made by New are bounded by js's default
// timeout. New returns an error if cfg is invalid or the server refuses.
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
		inline:  cfg.maxInline(js.Conn().MaxPayload()),
		id:      nuid.Next(),
		done:    make(chan struct{}),
		waiting: make(map[string]chan jetstream.Msg),
	}
	cons, err := js.OrderedConsumer(ctx, cfg.resultsStream(), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{cfg.resultPrefix() + b.id + ".>"},
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("natsjs: create result consumer: %w", err)
	}
	b.cc, err = cons.Consume(b.deliver, jetstream.PullExpiry(pullExpiry))
	if err != nil {
		return nil, fmt.Errorf("natsjs: consume results: %w", err)
	}
	b.wg.Go(b.purgeDelivered)
	return b, nil
}

// purgeInterval is how often a Backend removes the results it has read.
const purgeInterval = time.Second

// purgeDelivered removes the results this Backend has read from the results
// stream, once per purgeInterval and at Close, so that the stream holds only
// results nobody has read yet: a large batch does not pile up its outputs
// on the servers' disks for ResultTTL. One purge request covers every
// result read since the last one. The consumer delivers in stream order
// and never goes back, so nothing it will need is removed; the server keeps
// de-duplicating the purged results by message id.
func (b *Backend) purgeDelivered() {
	t := time.NewTicker(purgeInterval)
	defer t.Stop()
	var purged uint64 // results below this sequence are gone
	purge := func() {
		upTo := b.delivered.Load() + 1
		if upTo <= purged+1 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		err := b.c.results.Purge(ctx, jetstream.WithPurgeSubject(b.cfg.resultPrefix()+b.id+".>"), jetstream.WithPurgeSequence(upTo))
		if err == nil { // otherwise try again next time; ResultTTL is the backstop
			purged = upTo - 1
		}
	}
	for {
		select {
		case <-t.C:
			purge()
		case <-b.done:
			purge()
			return
		}
	}
}

// deliver hands a result to the Run waiting for it. A result nobody waits
// for (a duplicate from a task that ran twice, or the result of a cancelled
// Run) is dropped, so each Run sees exactly one.
func (b *Backend) deliver(m jetstream.Msg) {
	subj := m.Subject()
	id := subj[strings.LastIndexByte(subj, '.')+1:]
	b.mu.Lock()
	ch, ok := b.waiting[id]
	delete(b.waiting, id)
	b.mu.Unlock()
	if md, err := m.Metadata(); err == nil {
		b.delivered.Store(md.Sequence.Stream)
	}
	if ok {
		ch <- m // buffered: never blocks
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
	id := nuid.Next()
	slot := make(chan jetstream.Msg, 1)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	b.waiting[id] = slot // before publishing, so that no result can be missed
	b.mu.Unlock()
	defer b.forget(id)

	var keepInput bool // the task is in the dead-letter stream, which names its input object
	subject := b.cfg.taskSubject(name)
	if task, ok := backend.ChunkOf(name); ok {
		subject = b.cfg.taskSubject(task) // the workers serving the task run its chunks
	}
	msg := nats.NewMsg(subject)
	msg.Header.Set(hdrTask, name)
	msg.Header.Set(hdrID, id)
	msg.Header.Set(hdrReply, b.cfg.resultPrefix()+b.id+"."+id)
	// Publish even if ctx ends meanwhile: knowing the task's sequence is
	// what lets a cancellation delete it.
	if len(input) > b.inline {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), transferTimeout(len(input)))
		defer cancel()
		obj := inputObject(id)
		if _, err := b.c.objects.PutBytes(pctx, obj, input); err != nil {
			return nil, fmt.Errorf("natsjs: task %s: store input: %w", name, err)
		}
		// Deleted once done with, except after a failure that may have
		// sent the task to the dead-letter stream, which refers to its
		// input by name.
		defer func() {
			if !keepInput {
				b.deleteObject(obj)
			}
		}()
		msg.Header.Set(hdrObject, obj)
	} else {
		msg.Data = input
	}
	ack, err := publish(context.WithoutCancel(ctx), b.js, msg, id, ctx.Done())
	if err != nil {
		if ctx.Err() != nil {
			// The task may have been stored after all; if so, it runs and
			// its result is dropped.
			return nil, fmt.Errorf("natsjs: task %s: %w", name, context.Cause(ctx))
		}
		return nil, fmt.Errorf("natsjs: task %s: publish: %w", name, err)
	}

	var timeout <-chan time.Time
	if b.cfg.ResultWait > 0 {
		t := time.NewTimer(b.cfg.ResultWait)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case m := <-slot:
		// A worker marks the failures that sent no dead letter (older
		// workers mark none: their failed tasks' inputs are kept).
		keepInput = m.Headers().Get(hdrStatus) == statusError && m.Headers().Get(hdrDropped) == ""
		return b.result(ctx, name, m)
	case <-ctx.Done():
		b.cancel(id, ack.Sequence)
		return nil, fmt.Errorf("natsjs: task %s: %w", name, context.Cause(ctx))
	case <-timeout:
		b.cancel(id, ack.Sequence)
		return nil, fmt.Errorf("natsjs: task %s: %w after %v", name, ErrNoResult, b.cfg.ResultWait)
	case <-b.done:
		b.cancel(id, ack.Sequence)
		return nil, ErrClosed
	}
}

// result decodes the result message of task name.
func (b *Backend) result(ctx context.Context, name string, m jetstream.Msg) ([]byte, error) {
	data := m.Data()
	if obj := m.Headers().Get(hdrObject); obj != "" {
		var err error
		data, err = b.c.objects.GetBytes(ctx, obj)
		if err != nil {
			return nil, fmt.Errorf("natsjs: task %s: fetch output %s: %w", name, obj, err)
		}
		b.deleteObject(obj)
	}
	if m.Headers().Get(hdrStatus) == statusError {
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
	b.cc.Stop()
	<-b.cc.Closed()
	close(b.done) // after the consumer stopped, so that the last purge sees every delivery
	b.wg.Wait()
	return nil
}

// errorsIsNotFound reports whether err says a message or object is gone.
func errorsIsNotFound(err error) bool {
	return errors.Is(err, jetstream.ErrMsgNotFound) || errors.Is(err, jetstream.ErrObjectNotFound) ||
		errors.Is(err, jetstream.ErrKeyNotFound)
}
