package natsjs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/backend"
)

// pullExpiry is how long a worker's pull request waits on the server. A
// short one bounds the stall when the consumer's leader moves to another
// node of a cluster (the request dies with the old leader, and the client
// notices when it expires), at the cost of one small request per worker
// every few seconds when idle.
const pullExpiry = 5 * time.Second

// heartbeatsPerAckWait is how many heartbeats a running task sends per
// AckWait: several, so that one or two lost while a cluster elects a new
// leader do not make the server give the task to another worker.
const heartbeatsPerAckWait = 5

// Causes given to a task's context when it is stopped.
var (
	errCancelled = fmt.Errorf("natsjs: task cancelled by its submitter: %w", context.Canceled)
	errShutdown  = fmt.Errorf("natsjs: worker stopped: %w", context.Canceled)
)

// Worker is the serving side of a fanout cluster: it takes tasks from the
// work-queue stream and runs them with its Registry. Start as many as you
// like, in one process or on many machines: all the workers that serve the
// same tasks share one durable pull consumer, which is how the server
// balances work between them.
//
// Each task runs under [backend.Invoke] (a panic becomes a
// [parallel.PanicError]) with a heartbeat that tells the server every
// AckWait/5 that the task is alive. Then:
//   - success: the result is published, then the task is acknowledged
//     (DoubleAck), so a task is never lost between the two;
//   - an error matching [parallel.ErrPermanent] (an unknown task, an input
//     that does not decode): the task is terminated and its submitter gets
//     the error at once;
//   - another error: the task is delivered again after
//     [Config.Backoff](delivered), until [Config.MaxDeliver] deliveries;
//     after the last one it goes to the dead-letter stream with its error
//     and the submitter gets the error;
//   - a worker that dies mid-task: the server gives the task to another
//     worker AckWait after the last heartbeat. If that was its last
//     delivery, the dead-letter mover that every Worker runs moves it to the
//     dead-letter stream, removes it from the work queue and tells the
//     submitter, so nothing is left stranded.
//
// Set the exported fields, then call [Worker.Run]. The fields must not be
// modified after Run is called, and a Worker must not be copied after
// first use (it holds its counters, [Worker.Stats]).
type Worker struct {
	// JS is the client the worker uses; the caller dials and closes it.
	// Each worker process should have its own connection. Required.
	JS jetstream.JetStream

	// Registry holds the tasks the worker can run. Required.
	Registry *parallel.Registry

	// Config names the cluster and its delivery policy; it must match the
	// submitters' Config.
	Config Config

	// Concurrency is how many tasks run at once. The worker takes a task
	// from the server only when one of its slots is free, so a task never
	// waits in a worker behind long ones. 0 means runtime.GOMAXPROCS(0).
	Concurrency int

	// Tasks lists the tasks this worker serves. Empty means all tasks,
	// including names it does not know, which it fails at once with
	// [parallel.ErrUnknownTask]. Workers serving the same list share a
	// consumer; lists that differ must not overlap (a work-queue stream
	// allows one consumer per subject), and a worker serving a list cannot
	// run beside one serving all tasks. Every name must be in Registry.
	// When a new task is rolled out, upgrade the workers before the
	// submitters: a worker serving all tasks fails a name it does not
	// know at once.
	Tasks []string

	// TaskTimeout stops a task that runs longer: its context is cancelled
	// and it fails, permanently, with a [parallel.TimeoutError]. 0 means
	// no limit on the worker's side.
	TaskTimeout time.Duration

	// DrainTimeout bounds the wait for running tasks once Run's context is
	// done: when it passes, their contexts are cancelled and the tasks are
	// handed back to the cluster, unfinished, for other workers to run. 0
	// means wait until they finish.
	DrainTimeout time.Duration

	// Logger receives the worker's failures to talk to the server at warn
	// level and one line per failed task at info level. nil means
	// [Config.Logger]; both nil discards.
	Logger *slog.Logger

	// stats counts what Run does, for Stats and the workers bucket.
	stats counters
}

// worker is the state of one [Worker.Run].
type worker struct {
	*Worker
	c      *cluster
	cfg    Config
	log    *slog.Logger
	inline int

	mu        sync.Mutex
	running   map[string]context.CancelCauseFunc // guarded by mu: task id -> cancels its context
	cancelled map[string]time.Time               // guarded by mu: task ids flagged as cancelled
}

// Run serves tasks until ctx is done, then stops fetching, hands back the
// tasks fetched but not started (so that other workers take them at once),
// lets the running tasks finish and report, and returns nil. It returns an
// error if the Worker is misconfigured, if the registry's initializer
// fails (an [*parallel.InitError], before any task is taken), if the
// cluster's streams or consumers cannot be created, or if the server stops
// the consumer.
func (w *Worker) Run(ctx context.Context) error {
	if w.JS == nil {
		return errors.New("natsjs: worker: nil JS")
	}
	if w.Registry == nil {
		return errors.New("natsjs: worker: nil Registry")
	}
	for _, name := range w.Tasks {
		if !w.Registry.Has(name) {
			return fmt.Errorf("natsjs: worker: task %q is not in the registry (registered: %s)",
				name, strings.Join(w.Registry.Names(), ", "))
		}
	}
	if w.Concurrency < 0 {
		return fmt.Errorf("natsjs: worker: Concurrency %d must not be negative", w.Concurrency)
	}
	cfg, err := w.Config.withDefaults()
	if err != nil {
		return err
	}
	// The registry's initializer, before the worker takes any task: one
	// that fails leaves the tasks to workers that can run them.
	if err := w.Registry.Start(ctx); err != nil {
		return fmt.Errorf("natsjs: worker: %w", err)
	}
	log := w.Logger
	if log == nil {
		log = cfg.Logger
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, err := setupPatiently(ctx, w.JS, cfg, log)
	if err != nil {
		return err
	}
	r := &worker{
		Worker:    w,
		c:         c,
		cfg:       cfg,
		log:       log,
		inline:    cfg.maxInline(w.JS.Conn().MaxPayload()),
		running:   make(map[string]context.CancelCauseFunc),
		cancelled: make(map[string]time.Time),
	}
	return r.run(ctx)
}

func (w *worker) run(ctx context.Context) error {
	conc := w.Concurrency
	if conc == 0 {
		conc = runtime.GOMAXPROCS(0)
	}
	durable, filters := w.cfg.workerConsumer(w.Tasks)
	cons, err := ensureConsumer(ctx, w.JS, w.cfg.tasksStream(), jetstream.ConsumerConfig{
		Durable:        durable,
		Description:    "fanout workers",
		FilterSubjects: filters,
		AckPolicy:      jetstream.AckExplicitPolicy,
		AckWait:        w.cfg.AckWait,
		MaxDeliver:     w.cfg.MaxDeliver,
		MaxAckPending:  4096,
	})
	if err != nil {
		return fmt.Errorf("natsjs: worker: create consumer %s (workers serving other task lists must not overlap): %w", durable, err)
	}
	dlq, err := ensureConsumer(ctx, w.JS, w.cfg.advisoriesStream(), jetstream.ConsumerConfig{
		Durable:     deadLetterConsumer,
		Description: "fanout dead-letter movers",
		AckPolicy:   jetstream.AckExplicitPolicy,
		AckWait:     30 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("natsjs: worker: create consumer %s: %w", deadLetterConsumer, err)
	}
	// The watcher and the mover outlive ctx until the running tasks are
	// done, so that a cancellation still reaches a task that is draining.
	bg, stopBg := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBg()
	// Tasks run under their own context, which outlives ctx by at most
	// DrainTimeout.
	taskBase, stopTasks := context.WithCancelCause(bg)
	defer stopTasks(nil)
	watcher, err := w.c.cancels.WatchAll(bg)
	if err != nil {
		return fmt.Errorf("natsjs: worker: watch cancel flags: %w", err)
	}
	// One message per pull, pulled by Next: the loop below calls Next only
	// with a free slot, so the worker holds no task it is not running. A
	// task waiting in a client buffer would get no heartbeat, and behind
	// long tasks it would be given to another worker after AckWait and run
	// twice.
	tasks, err := cons.Messages(jetstream.PullMaxMessages(1), jetstream.PullExpiry(pullExpiry))
	if err != nil {
		watcher.Stop()
		return fmt.Errorf("natsjs: worker: consume %s: %w", durable, err)
	}
	letters, err := dlq.Messages(jetstream.PullMaxMessages(1), jetstream.PullExpiry(pullExpiry))
	if err != nil {
		watcher.Stop()
		tasks.Stop()
		return fmt.Errorf("natsjs: worker: consume %s: %w", deadLetterConsumer, err)
	}

	var bgWG sync.WaitGroup
	bgWG.Go(func() { w.watchCancels(watcher) })
	bgWG.Go(func() { w.moveDeadLetters(bg, letters) })
	bgWG.Go(func() { w.announce(bg, conc) })
	stopFetching := context.AfterFunc(ctx, tasks.Drain)
	defer stopFetching()

	var taskWG sync.WaitGroup
	sem := make(chan struct{}, conc)
	var fatal error
	for {
		// Take a slot before the next message, so that at most conc tasks
		// run and the others wait on the server, not here.
		acquired := false
		select {
		case sem <- struct{}{}:
			acquired = true
		case <-ctx.Done():
		}
		m, err := tasks.Next()
		if err != nil || ctx.Err() != nil {
			if acquired {
				<-sem
			}
		}
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				if ctx.Err() == nil {
					fatal = fmt.Errorf("natsjs: worker: consumer %s stopped: %w", durable, err)
				}
				break
			}
			w.log.Warn("natsjs: worker: fetch", "err", err)
			continue
		}
		if ctx.Err() != nil {
			// Stopping: hand back what was fetched but not started, so
			// that other workers take it now rather than after AckWait.
			m.Nak()
			w.stats.returned.Add(1)
			continue
		}
		taskWG.Go(func() {
			defer func() { <-sem }()
			w.handle(bg, taskBase, m)
		})
	}
	if w.DrainTimeout > 0 {
		t := time.AfterFunc(w.DrainTimeout, func() { stopTasks(errShutdown) })
		defer t.Stop()
	}
	taskWG.Wait()
	stopBg()
	letters.Stop()
	watcher.Stop()
	bgWG.Wait()
	return fatal
}

// setupPatiently is setup, tried again while the cluster does not answer
// (a server starting, restarting or electing leaders), so that a worker
// started before its server, or during its restart, waits for it rather
// than exiting. It returns setup's other errors at once, and ctx's error
// when ctx ends first.
func setupPatiently(ctx context.Context, js jetstream.JetStream, cfg Config, log *slog.Logger) (*cluster, error) {
	wait := 100 * time.Millisecond
	for logged := false; ; {
		c, err := setup(ctx, js, cfg)
		if err == nil || !unanswered(err) || ctx.Err() != nil {
			if err == nil && logged {
				log.Info("natsjs: worker: the cluster answers; serving")
			}
			return c, err
		}
		if !logged {
			log.Warn("natsjs: worker: the cluster does not answer yet; waiting for it", "err", err)
			logged = true
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// unanswered reports whether err says that a JetStream request got no
// answer, or that the cluster is not ready for it yet (no meta leader
// elected, not enough nodes for the replicas), rather than a refusal.
func unanswered(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode {
		case 10005, 10008, 10023: // no suitable peers, temporarily unavailable, insufficient resources
			return true
		}
		if apiErr.Code == 503 {
			return true
		}
	}
	return retryable(err) || errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, nats.ErrDisconnected)
}

// ensureConsumer returns the durable consumer cc names, creating it, or
// updating it if its settings differ, as ensureStream does for streams.
func ensureConsumer(ctx context.Context, js jetstream.JetStream, stream string, cc jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	c, err := js.Consumer(ctx, stream, cc.Durable)
	switch {
	case err == nil:
		have := c.CachedInfo().Config
		if slices.Equal(have.FilterSubjects, cc.FilterSubjects) && have.AckPolicy == cc.AckPolicy &&
			unsetOrEqual(cc.AckWait, have.AckWait) && unsetOrEqual(cc.MaxDeliver, have.MaxDeliver) &&
			unsetOrEqual(cc.MaxAckPending, have.MaxAckPending) && have.Description == cc.Description {
			return c, nil
		}
	case !errors.Is(err, jetstream.ErrConsumerNotFound):
		return nil, err
	}
	return js.CreateOrUpdateConsumer(ctx, stream, cc)
}

// handle runs one delivered task under a context derived from taskBase and
// settles it with the server, making its requests under ctx.
func (w *worker) handle(ctx, taskBase context.Context, m jetstream.Msg) {
	h := m.Headers()
	name, id, reply := h.Get(hdrTask), h.Get(hdrID), h.Get(hdrReply)
	md, err := m.Metadata()
	if err != nil || name == "" || id == "" || !strings.HasPrefix(reply, w.cfg.resultPrefix()) {
		w.log.Warn("natsjs: worker: malformed task message dropped", "subject", m.Subject())
		m.TermWithReason("malformed task message")
		return
	}
	delivered := int(md.NumDelivered)
	log := w.log.With("task", name, "id", id, "delivered", delivered)
	if w.isCancelled(id) {
		m.TermWithReason("cancelled")
		return
	}

	// The heartbeat covers the fetch of a claim-checked input too, which
	// may take longer than AckWait.
	stopBeat := heartbeat(m, w.cfg.AckWait/heartbeatsPerAckWait)
	input := m.Data()
	if obj := h.Get(hdrObject); obj != "" {
		input, err = w.fetch(ctx, obj)
		if err != nil {
			stopBeat()
			err = fmt.Errorf("natsjs: task %s: fetch input %s: %w", name, obj, err)
			if errorsIsNotFound(err) {
				err = parallel.Permanent(err)
			}
			w.settle(ctx, log, m, name, id, reply, delivered, nil, err)
			return
		}
	}

	tctx, cancel := context.WithCancelCause(taskBase)
	defer cancel(nil)
	if w.TaskTimeout > 0 {
		var stop context.CancelFunc
		tctx, stop = context.WithTimeoutCause(tctx, w.TaskTimeout, &parallel.TimeoutError{Timeout: w.TaskTimeout})
		defer stop()
	}
	w.mu.Lock()
	w.running[id] = cancel
	if _, ok := w.cancelled[id]; ok {
		// Raised after the check above (while the input was fetched, say),
		// when watchCancels found no running task to cancel.
		cancel(errCancelled)
	}
	w.mu.Unlock()
	// An unknown name fails here, permanently: the consumer of a worker
	// that serves every task receives names it may not have.
	w.stats.running.Add(1)
	out, err := backend.Invoke(tctx, w.Registry, name, input)
	w.stats.running.Add(-1)
	stopBeat()
	w.mu.Lock()
	delete(w.running, id)
	w.mu.Unlock()

	var te *parallel.TimeoutError
	switch cause := context.Cause(tctx); {
	case errors.Is(cause, errCancelled):
		m.TermWithReason("cancelled")
		return
	case errors.Is(cause, errShutdown):
		m.Nak() // another worker takes it now
		w.stats.returned.Add(1)
		return
	case err != nil && errors.As(cause, &te):
		err = parallel.Permanent(te)
	}
	w.settle(ctx, log, m, name, id, reply, delivered, out, err)
}

// settle reports the outcome of a delivery: the result or the error to the
// submitter, and the ack, nak or term to the server.
func (w *worker) settle(ctx context.Context, log *slog.Logger, m jetstream.Msg, name, id, reply string, delivered int, out []byte, err error) {
	last := w.cfg.MaxDeliver > 0 && delivered >= w.cfg.MaxDeliver
	switch {
	case err == nil:
		// Storing a large output may take longer than AckWait.
		stopBeat := heartbeat(m, w.cfg.AckWait/heartbeatsPerAckWait)
		perr := w.publishResult(ctx, reply, id, out, false, false)
		stopBeat()
		if perr != nil {
			log.Warn("natsjs: worker: publish result", "err", perr)
			m.NakWithDelay(w.cfg.Backoff(delivered))
			w.stats.retried.Add(1)
			return
		}
		w.stats.done.Add(1)
		if aerr := m.DoubleAck(ctx); aerr != nil {
			// The result is out; the task may run again elsewhere and its
			// second result will be dropped by the submitter.
			log.Debug("natsjs: worker: ack", "err", aerr)
		}
	case errors.Is(err, parallel.ErrPermanent):
		log.Info("natsjs: worker: task failed permanently", "err", err)
		w.fail(ctx, log, reply, id, err, true)
		m.TermWithReason(truncate(err.Error(), 256))
		w.stats.failed.Add(1)
	case last:
		log.Info("natsjs: worker: task failed on its last delivery; dead-lettered", "err", err)
		md, _ := m.Metadata()
		raw := &jetstream.RawStreamMsg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()}
		if md != nil {
			raw.Sequence = md.Sequence.Stream
		}
		// The dead letter says why it is there; the submitter gets the
		// task's own error, unchanged.
		why := fmt.Errorf("natsjs: task %s failed on all %d deliveries, the last with: %w", name, delivered, err)
		if derr := w.deadLetter(ctx, raw, delivered, why); derr != nil {
			log.Warn("natsjs: worker: dead letter", "err", derr)
			m.NakWithDelay(w.cfg.Backoff(delivered)) // the mover will see the max-deliveries advisory
			return
		}
		w.fail(ctx, log, reply, id, err, false)
		m.TermWithReason("max deliveries reached")
		w.stats.failed.Add(1)
		w.stats.deadLettered.Add(1)
	default:
		log.Info("natsjs: worker: task failed, will retry", "err", err, "in", w.cfg.Backoff(delivered))
		m.NakWithDelay(w.cfg.Backoff(delivered))
		w.stats.retried.Add(1)
	}
}

// fetch reads a claim-checked input. Its size is unknown until it is
// read, so the bound is generous: two minutes is over 200 MB at the rate
// measured in BENCH.md.
func (w *worker) fetch(ctx context.Context, obj string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return w.c.objects.GetBytes(ctx, obj)
}

// fail sends err to the submitter as the task's result. dropped says that
// the task is terminated without a dead letter, so that nothing refers to
// its input any more: the submitter may delete a claim-checked input
// rather than keep it for ResultTTL.
func (w *worker) fail(ctx context.Context, log *slog.Logger, reply, id string, err error, dropped bool) {
	if perr := w.publishResult(ctx, reply, id, backend.MarshalError(err), true, dropped); perr != nil {
		log.Warn("natsjs: worker: publish failure result", "err", perr)
	}
}

// publishResult publishes a task's output (or its marshalled error, with
// failed, and dropped as fail says) on reply, through the object
// store if it is large. The message id makes a second result for the same
// task a duplicate the server drops.
func (w *worker) publishResult(ctx context.Context, reply, id string, data []byte, failed, dropped bool) error {
	msg := nats.NewMsg(reply)
	if failed {
		msg.Header.Set(hdrStatus, statusError)
	}
	if dropped {
		msg.Header.Set(hdrDropped, "true")
	}
	if len(data) > w.inline {
		obj := outputObject(id)
		pctx, cancel := context.WithTimeout(ctx, transferTimeout(len(data)))
		defer cancel()
		if _, err := w.c.objects.PutBytes(pctx, obj, data); err != nil {
			return fmt.Errorf("natsjs: store output: %w", err)
		}
		msg.Header.Set(hdrObject, obj)
	} else {
		msg.Data = data
	}
	_, err := publish(ctx, w.JS, msg, resultMsgIDPrefix+id, nil)
	return err
}

// deadLetter copies a task message to the dead-letter stream with the error
// that ended it.
func (w *worker) deadLetter(ctx context.Context, raw *jetstream.RawStreamMsg, delivered int, cause error) error {
	name := raw.Header.Get(hdrTask)
	msg := nats.NewMsg(w.cfg.dlqSubject(name))
	for k, v := range raw.Header {
		if !strings.HasPrefix(k, "Nats-") {
			msg.Header[k] = v
		}
	}
	msg.Header.Set(hdrError, truncate(cause.Error(), 4096))
	msg.Header.Set(hdrDeliveries, strconv.Itoa(delivered))
	msg.Header.Set(hdrStreamSeq, strconv.FormatUint(raw.Sequence, 10))
	msg.Data = raw.Data
	_, err := publish(ctx, w.JS, msg, dlqMsgIDPrefix+raw.Header.Get(hdrID), nil)
	return err
}

// heartbeat tells the server every interval that m is still being worked
// on, until the returned function is called.
func heartbeat(m jetstream.Msg, interval time.Duration) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				m.InProgress()
			case <-done:
				return
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// watchCancels records the cancel flags raised by submitters and cancels
// the matching running tasks, until the watcher stops.
func (w *worker) watchCancels(watcher jetstream.KeyWatcher) {
	for e := range watcher.Updates() {
		if e == nil || e.Operation() != jetstream.KeyValuePut {
			continue // nil marks the end of the initial values
		}
		w.mu.Lock()
		w.cancelled[e.Key()] = e.Created()
		if cancel, ok := w.running[e.Key()]; ok {
			cancel(errCancelled)
		}
		if len(w.cancelled)%1024 == 0 {
			w.pruneCancelledLocked()
		}
		w.mu.Unlock()
	}
}

// pruneCancelledLocked forgets flags older than the bucket's TTL.
func (w *worker) pruneCancelledLocked() {
	cutoff := time.Now().Add(-w.cfg.ResultTTL)
	for id, at := range w.cancelled {
		if at.Before(cutoff) {
			delete(w.cancelled, id)
		}
	}
}

// isCancelled reports whether task id's cancel flag has been seen.
func (w *worker) isCancelled(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	_, ok := w.cancelled[id]
	return ok
}

// truncate shortens s to at most n bytes, for headers and term reasons.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
