package parallel

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultQueueSize is the number of tasks that may wait for a worker when
// Config.QueueSize is zero.
const DefaultQueueSize = 1024

// Config configures an [Executor]. The zero Config is valid: GOMAXPROCS
// workers, a queue of [DefaultQueueSize] tasks, no run timeout, tasks run
// in-process. [New] copies it; the executor's configuration cannot change
// afterwards.
type Config struct {
	// Workers is the number of tasks that run at once. Zero means
	// runtime.GOMAXPROCS(0), right for CPU-bound work; I/O-bound work
	// (downloads) wants an explicit, larger number. Negative is treated as
	// zero, and a number above math.MaxInt32 as math.MaxInt32.
	Workers int

	// QueueSize is the number of submitted tasks that may wait for a free
	// worker; a Submit beyond it blocks (backpressure) and a TrySubmit
	// fails with ErrQueueFull. Zero means DefaultQueueSize. Negative means
	// no waiting room at all: a task is handed straight to an idle worker,
	// and Submit blocks until one is free. The queue is never unbounded.
	QueueSize int

	// RunTimeout bounds each task's run, counted from when a worker starts
	// it (time spent queued does not count). When it fires, the task's ctx
	// is cancelled with a [*TimeoutError] as its cause, and a task that
	// then returns ctx.Err() fails with that *TimeoutError. Zero means no
	// timeout. A task that never looks at its ctx cannot be stopped.
	RunTimeout time.Duration

	// Backend runs the named tasks of [Call]. Nil means in-process: Call
	// calls the task's function directly, with no encoding. The executor
	// does not close the Backend: whoever made it does, after the
	// executor's Close.
	Backend Backend

	// LocalClosures lets closures given to [Submit], [TrySubmit] and the
	// Map functions run in this process, on the executor's workers, when
	// Backend is set; named tasks still go to the Backend. By default such
	// closures are refused with [ErrLocalClosure]: a closure cannot run
	// where the Backend runs tasks, and running it here unasked would
	// give none of the isolation or scale the Backend was chosen for.
	LocalClosures bool
}

// Executor runs tasks on a fixed set of worker goroutines fed by a bounded
// queue, and hands back a [Future] for each task. Submit closures with
// [Submit] or [TrySubmit], named tasks with [Call], streams with [Map].
//
// The zero Executor is ready to use, with the defaults of a zero [Config].
// Workers start with the first task, not before. An Executor must not be
// copied after first use, and its configuration must not change.
//
// Whoever makes an Executor must call [Executor.Close] (or Shutdown) when
// done with it: that stops the worker goroutines and waits for them.
//
// A task that waits for another task of the same executor holds a worker
// while it waits: if every worker does so, they wait forever. Give nested
// work its own executor.
//
// All methods are safe for concurrent use by multiple goroutines. An
// Executor used inside a testing/synctest bubble must be made and closed
// in that bubble.
type Executor struct {
	cfg     Config // as given to New; never written after
	once    sync.Once
	ready   atomic.Bool // init has run: the fields it sets may be read
	workers int         // the worker limit: cfg.Workers or its default

	// queue carries tasks to the workers. A sender first adds one to
	// senders, and gives up if that shows sendersClosed; it subtracts one
	// when it has sent. Shutdown sets sendersClosed, closes quit (which
	// wakes senders blocked on a full queue) and waits until the count of
	// senders is zero (the sender that brings it to zero closes
	// sendersGone). From then on no send is in progress and none can
	// start, so closing queue is safe. This costs a sender two atomic adds
	// and no lock.
	queue       chan runner
	senders     atomic.Int64
	sendersGone chan struct{}
	goneOnce    sync.Once
	quit        chan struct{}

	// dropQueued tells the workers to complete the tasks they take from
	// the queue as cancelled instead of running them.
	dropQueued atomic.Bool
	// shortTasks is set while the tasks timed last ran for less than
	// shortTask: then only one task in sampleEvery is timed.
	shortTasks atomic.Bool
	// waiters holds empty channels of capacity 1 that Result waits on.
	waiters sync.Pool
	// base is when the executor started; times are kept as nanoseconds
	// since then, which reads only the monotonic clock.
	base time.Time
	// life is cancelled to cancel every running task's ctx.
	life       context.Context
	cancelLife context.CancelCauseFunc

	stopOnce sync.Once
	stripes  []*stripe     // counters, shared by worker i mod len
	spawned  atomic.Int32  // worker goroutines started
	live     atomic.Int32  // worker goroutines not yet exited
	stopped  chan struct{} // closed when no worker is left after shutdown
	wg       sync.WaitGroup

	submitted       atomic.Uint64
	rejected        atomic.Uint64
	droppedQueued   atomic.Uint64 // cancelled with Cancel while queued
	cancelledQueued atomic.Uint64 // every task cancelled before it started
}

// workers returns the worker limit that c asks for. It is at most
// math.MaxInt32, so that it fits the int32 count of workers started.
func (c *Config) workers() int {
	if c.Workers <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return int(min(int64(c.Workers), math.MaxInt32))
}

// New returns an Executor configured by cfg. It starts no goroutine: the
// workers start with the first task.
func New(cfg Config) *Executor {
	return &Executor{cfg: cfg}
}

// Errors given to tasks stopped by a shutdown. Both match ErrClosed and
// context.Canceled.
var (
	errShutdownQueued  = fmt.Errorf("%w before the task started: %w", ErrClosed, context.Canceled)
	errShutdownRunning = fmt.Errorf("%w while the task was running: %w", ErrClosed, context.Canceled)
)

// init applies the defaults and starts the workers, once.
func (ex *Executor) init() {
	ex.once.Do(func() {
		ex.workers = ex.cfg.workers()
		queueSize := ex.cfg.QueueSize
		switch {
		case queueSize == 0:
			queueSize = DefaultQueueSize
		case queueSize < 0:
			queueSize = 0
		}
		ex.base = time.Now()
		ex.queue = make(chan runner, queueSize)
		ex.quit = make(chan struct{})
		ex.sendersGone = make(chan struct{})
		ex.stopped = make(chan struct{})
		ex.life, ex.cancelLife = context.WithCancelCause(context.Background())
		// Counters are striped: a worker goroutine uses stripe i mod n.
		// With no more stripes than twice the processors, a thousand
		// download workers do not cost a thousand sets of histograms,
		// and CPU workers (one per processor) never share one.
		ex.stripes = make([]*stripe, min(ex.workers, 2*runtime.GOMAXPROCS(0)))
		for i := range ex.stripes {
			ex.stripes[i] = new(stripe)
		}
		ex.ready.Store(true)
	})
}

// spawn starts another worker goroutine, with first as its first task, if
// fewer than Workers run, and reports whether it did: workers start as
// tasks arrive, so an executor sized for a thousand downloads that gets
// ten starts ten. Handing the new worker its first task directly, rather
// than through the queue, means that a task finds a worker that was yet
// to start as it finds an idle one: even with no waiting room in the
// queue (Config.QueueSize < 0), TrySubmit does not fail for lack of a
// worker that has not started. The caller is a sender that has seen
// sendersClosed unset, so Shutdown has not yet closed the queue nor begun
// to wait for the workers.
func (ex *Executor) spawn(first runner) bool {
	for {
		n := ex.spawned.Load()
		if n >= int32(ex.workers) {
			return false
		}
		if ex.spawned.CompareAndSwap(n, n+1) {
			ex.live.Add(1)
			w := ex.stripes[int(n)%len(ex.stripes)]
			ex.wg.Go(func() { ex.work(w, first) })
			return true
		}
	}
}

// work is a worker goroutine's loop: first, then the queue's tasks until
// it is closed. The last worker to leave closes stopped.
func (ex *Executor) work(w *stripe, first runner) {
	defer func() {
		if ex.live.Add(-1) == 0 {
			close(ex.stopped)
		}
	}()
	first.run(w)
	for r := range ex.queue {
		r.run(w)
	}
}

// enqueue puts r on the queue, waiting for room unless try is set. It
// returns ErrClosed, ErrQueueFull (try only) or ctx's cause.
func (ex *Executor) enqueue(ctx context.Context, r runner, try bool) error {
	if ex.senders.Add(1)&sendersClosed != 0 {
		ex.doneSending()
		return ErrClosed
	}
	if ex.spawned.Load() < int32(ex.workers) && ex.spawn(r) {
		ex.doneSending()
		return nil
	}
	select {
	case ex.queue <- r:
		ex.doneSending()
		return nil
	default:
	}
	if try {
		ex.doneSending()
		return ErrQueueFull
	}
	var err error
	select {
	case ex.queue <- r:
	case <-ex.quit:
		err = ErrClosed
	case <-ctx.Done():
		err = context.Cause(ctx)
	}
	ex.doneSending()
	return err
}

// sendersClosed is the bit of Executor.senders that Shutdown sets.
const sendersClosed = 1 << 62

// doneSending ends a sender's turn; the last one out after Shutdown began
// lets it close the queue.
func (ex *Executor) doneSending() {
	if ex.senders.Add(-1) == sendersClosed {
		ex.goneOnce.Do(func() { close(ex.sendersGone) })
	}
}

// submit queues a task, and turns a refusal into a completed future.
// A non-nil notify receives the future when it completes (it must have
// room); a refused future is not sent.
func submit[T any](ctx context.Context, ex *Executor, f func(context.Context) (T, error), try bool, notify chan<- runner) (*Future[T], error) {
	ex.init()
	fut := &Future[T]{fn: f}
	fut.tc.ex = ex
	fut.tc.parent = ctx
	fut.notify = notify
	if !ex.shortTasks.Load() || rand.Uint32()%sampleEvery == 0 {
		fut.submitted = max(ex.now(), 1) // nonzero: the task is timed
	}
	// Count the task before a worker can start it, so that Stats never
	// shows more tasks finished than submitted.
	ex.submitted.Add(1)
	if err := ex.enqueue(ctx, fut, try); err != nil {
		ex.submitted.Add(^uint64(0))
		ex.rejected.Add(1)
		st := Failed
		if !errors.Is(err, ErrClosed) && !errors.Is(err, ErrQueueFull) {
			st = Cancelled
		}
		fut.fn = nil
		fut.notify = nil
		fut.err = err
		fut.state.Store(int32(st))
		fut.done = closedChan
		return fut, err
	}
	return fut, nil
}

// Submit queues f to run on ex and returns its future. If the queue is
// full, Submit waits for room (backpressure) until ctx is done.
//
// ctx is the task's parent context: f runs with a context derived from it
// (cancelled by [Future.Cancel], by Config.RunTimeout, and by a shutdown
// that cancels running work). If ctx is done before a worker starts the
// task, the task never runs and its future is [Cancelled] with
// context.Cause(ctx).
//
// Submit never returns nil, and a refusal is in the future, as every
// error is: a refused task gets a future that has already completed, with
// [ErrLocalClosure] if ex's Backend runs tasks elsewhere (see
// Config.LocalClosures), with [ErrClosed] if ex is shut down, or with
// context.Cause(ctx) if ctx ended while Submit waited for room. A panic in
// f becomes a [*PanicError] on the future. Submit panics if ctx, ex or f
// is nil: those are programming errors, not conditions to handle.
//
// Cost: one allocation (the future) and one channel send per task; see
// BENCH-executor.md in the bench module for figures.
func Submit[T any](ctx context.Context, ex *Executor, f func(context.Context) (T, error)) *Future[T] {
	mustHaveFunc(ctx, ex, f, "Submit")
	if err := ex.closureErr(); err != nil {
		return failed[T](err, Failed)
	}
	fut, _ := submit(ctx, ex, f, false, nil)
	return fut
}

// closureErr returns ErrLocalClosure if ex has a Backend and does not
// allow closures to run in this process.
func (ex *Executor) closureErr() error {
	if ex.cfg.Backend != nil && !ex.cfg.LocalClosures {
		return ErrLocalClosure
	}
	return nil
}

// TrySubmit is [Submit] without waiting: if the queue has no free slot,
// the future it returns has already failed with [ErrQueueFull] and f never
// runs. Other refusals are Submit's. A refusal is known at once: the
// future's Err is non-nil as soon as TrySubmit returns.
func TrySubmit[T any](ctx context.Context, ex *Executor, f func(context.Context) (T, error)) *Future[T] {
	mustHaveFunc(ctx, ex, f, "TrySubmit")
	if err := ex.closureErr(); err != nil {
		return failed[T](err, Failed)
	}
	fut, _ := submit(ctx, ex, f, true, nil)
	return fut
}

// mustHaveFunc is mustHave for the functions that take a closure.
func mustHaveFunc[T any](ctx context.Context, ex *Executor, f func(context.Context) (T, error), fn string) {
	mustHave(ctx, ex, fn)
	if f == nil {
		panic("parallel: " + fn + " with a nil function")
	}
}

// Call queues the named task t with input in, and returns its future. With
// ex's Config.Backend nil, the task's function is called directly on a
// worker, with no encoding. Otherwise the input is encoded with t's codec,
// the task runs through Backend.Run while it holds one of ex's worker
// slots, and the output is decoded: the executor keeps the queue, limits,
// timeouts, cancellation and counters, and the backend only carries the
// work. Errors are as for [Submit], plus encode and decode errors (which
// wrap [ErrPermanent]) and the backend's own.
func Call[In, Out any](ctx context.Context, ex *Executor, t *Task[In, Out], in In) *Future[Out] {
	mustHave(ctx, ex, "Call")
	if t == nil {
		panic("parallel: Call with a nil task")
	}
	fn := taskFunc(ex, t)
	fut, _ := submit(ctx, ex, func(ctx context.Context) (Out, error) { return fn(ctx, in) }, false, nil)
	return fut
}

// MapCall is [Map] for a named task: it runs t on every element of
// inputs as [Call] does (on ex's Backend, if it has one), and yields one
// finished future per input as opts says. On a Backend that runs chunks
// (see MapOptions.Chunk), inputs travel in chunks. It panics if ctx, ex
// or t is nil.
func MapCall[In, Out any](ctx context.Context, ex *Executor, t *Task[In, Out], inputs iter.Seq[In], opts *MapOptions) iter.Seq[*Future[Out]] {
	mustHave(ctx, ex, "MapCall")
	if t == nil {
		panic("parallel: MapCall with a nil task")
	}
	if c, ok := ex.cfg.Backend.(interface{ RunsChunks() bool }); ok && c.RunsChunks() && (opts == nil || opts.Chunk != 1) {
		return mapChunked(ctx, ex, t, inputs, opts)
	}
	return futures(mapRun(ctx, ex, inputs, taskFunc(ex, t), opts))
}

// errNilContext is the panic value of an entry point given a nil context.
func errNilContext(fn string) string {
	return "parallel: " + fn + " with a nil context (use context.Background or context.TODO)"
}

// mustHave panics if ctx or ex is nil: the programming errors that every
// entry point refuses, as the standard library refuses a nil context.
func mustHave(ctx context.Context, ex *Executor, fn string) {
	if ctx == nil {
		panic(errNilContext(fn))
	}
	if ex == nil {
		panic("parallel: " + fn + " with a nil *Executor")
	}
}

// taskFunc returns the function that runs t the way ex runs named tasks.
func taskFunc[In, Out any](ex *Executor, t *Task[In, Out]) func(context.Context, In) (Out, error) {
	if ex.cfg.Backend == nil {
		if t.reg == nil {
			return t.fn
		}
		return func(ctx context.Context, in In) (Out, error) {
			if err := t.reg.Start(ctx); err != nil {
				var out Out
				return out, err
			}
			return t.fn(ctx, in)
		}
	}
	b := ex.cfg.Backend
	return func(ctx context.Context, in In) (Out, error) {
		var out Out
		input, err := t.codec.Marshal(in)
		if err != nil {
			return out, Permanent(fmt.Errorf("parallel: task %s: encode input: %w", t.name, err))
		}
		output, err := b.Run(ctx, t.name, input)
		if err != nil {
			return out, err
		}
		if err := t.codec.Unmarshal(output, &out); err != nil {
			return out, Permanent(fmt.Errorf("parallel: task %s: decode output: %w", t.name, err))
		}
		return out, nil
	}
}

// ShutdownMode says what [Executor.Shutdown] does with unfinished work.
type ShutdownMode int

const (
	// Drain runs every queued and running task to completion.
	Drain ShutdownMode = iota
	// CancelQueued completes every queued task as [Cancelled] without
	// running it (its error matches ErrClosed and context.Canceled) and
	// lets running tasks finish.
	CancelQueued
	// CancelAll does what CancelQueued does and also cancels the ctx of
	// every running task, with a cause that matches ErrClosed.
	CancelAll
)

// String returns the mode's name: "drain", "cancel-queued" or "cancel-all".
func (m ShutdownMode) String() string {
	switch m {
	case Drain:
		return "drain"
	case CancelQueued:
		return "cancel-queued"
	case CancelAll:
		return "cancel-all"
	}
	return "ShutdownMode(" + strconv.Itoa(int(m)) + ")"
}

// Shutdown stops ex from taking new tasks and deals with unfinished ones
// as mode says, then waits for the workers to exit. From the moment
// Shutdown is called, submits fail with [ErrClosed] (Submit's future
// completes with it; a Submit blocked on a full queue gives up with it).
//
// ctx bounds the wait. If ctx ends first, Shutdown escalates to CancelAll
// and returns an error wrapping context.Cause(ctx) without waiting longer;
// tasks that ignore their ctx may still be running then, and
// [Executor.Close] waits for them.
//
// Shutdown may be called more than once, and with a stronger mode than
// before to escalate. It does not close the Backend.
//
// A task of ex must not wait for ex's Shutdown (nor its Close): the wait
// includes that task, so it never ends, as with Python's
// Executor.shutdown(wait=True) from inside a task. A task that decides the
// whole run must stop returns an error the owner acts on, or starts the
// Shutdown in a new goroutine without waiting for it.
func (ex *Executor) Shutdown(ctx context.Context, mode ShutdownMode) error {
	mustHave(ctx, ex, "Shutdown")
	ex.init()
	if mode >= CancelQueued {
		ex.dropQueued.Store(true)
	}
	if mode >= CancelAll {
		ex.cancelLife(errShutdownRunning)
	}
	ex.stopOnce.Do(func() {
		inFlight := ex.senders.Or(sendersClosed) // returns the old value
		close(ex.quit)
		if inFlight != 0 {
			<-ex.sendersGone
		}
		// No send is in progress and none can start: closing is safe.
		close(ex.queue)
		if ex.spawned.Load() == 0 {
			close(ex.stopped) // no worker will
		}
	})
	if mode >= CancelQueued {
		// Complete the queued tasks now rather than when a worker gets
		// to them, which may be long if the running ones are slow.
		for r := range ex.queue {
			r.abandon(errShutdownQueued)
		}
	}
	select {
	case <-ex.stopped:
		return nil
	default:
	}
	select {
	case <-ex.stopped:
		return nil
	case <-ctx.Done():
		ex.dropQueued.Store(true)
		ex.cancelLife(errShutdownRunning)
		for r := range ex.queue {
			r.abandon(errShutdownQueued)
		}
		return fmt.Errorf("parallel: shutdown: %w", context.Cause(ctx))
	}
}

// Close drains ex: it refuses new tasks, lets queued and running tasks
// finish, and waits for every worker goroutine to exit. It is
// Shutdown(context.Background(), Drain) followed by a wait for all
// workers, and always returns nil; calling it again is harmless. Like
// Shutdown, it must not be called from one of ex's own tasks.
func (ex *Executor) Close() error {
	_ = ex.Shutdown(context.Background(), Drain) // cannot fail: the ctx never ends
	ex.wg.Wait()
	ex.cancelLife(ErrClosed)
	return nil
}

// Latency sampling: reading the clock costs about 30ns, a lot next to a
// task of a microsecond, nothing next to one of 10µs.
const (
	shortTask   = int64(10 * time.Microsecond)
	sampleEvery = 16
)

// now returns the time since ex started, in nanoseconds. time.Since reads
// only the monotonic clock, half the cost of time.Now.
func (ex *Executor) now() int64 { return int64(time.Since(ex.base)) }

// newPanicError records a recovered panic value with the current stack.
func newPanicError(p any) *PanicError {
	return &PanicError{Value: p, Stack: debug.Stack()}
}
