package parallel

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// State is where a [Future]'s task is in its life. A task moves from
// Queued to Running to one of the three final states; a task cancelled or
// refused before it starts goes from Queued straight to Cancelled or Failed.
type State int32

// The states of a task, in the order a task passes through them.
const (
	Queued    State = iota // waiting for a worker
	Running                // its function is running
	Succeeded              // it returned a nil error
	Failed                 // it returned an error, panicked, timed out, or was refused
	Cancelled              // it was cancelled (by Cancel, its ctx, or a shutdown)
)

// String returns the state's name in lower case: "queued", "running",
// "succeeded", "failed" or "cancelled".
func (s State) String() string {
	switch s {
	case Queued:
		return "queued"
	case Running:
		return "running"
	case Succeeded:
		return "succeeded"
	case Failed:
		return "failed"
	case Cancelled:
		return "cancelled"
	}
	return "State(" + itoa(int(s)) + ")"
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// done reports whether s is final.
func (s State) done() bool { return s >= Succeeded }

// closedChan is returned by Done for futures that completed before anyone
// asked for their channel, so that completion never has to allocate one.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// runner is a queued task as the workers see it: a *Future[T] for any T.
type runner interface {
	run(w *worker)
	// abandon completes a queued task as cancelled with err, unless it
	// has left the queued state.
	abandon(err error)
}

// core is the part of a future that does not depend on its result type.
//
// Ownership: the goroutine that moves state from Queued to Running (a
// worker, or Cancel on a queued task) is the only one that writes err and
// the result, and it writes them before it stores the final state. A
// reader that loads a final state therefore sees them (the atomic store and
// load order the writes before the reads).
type core struct {
	state atomic.Int32
	err   error
	ex    *Executor
	// submitted is when the task was queued (monotonic clock), for the
	// queue latency figures.
	submitted time.Time

	tc taskCtx

	mu        sync.Mutex
	done      chan struct{} // guarded by mu; made on first wait
	callbacks []func()      // guarded by mu; run once at completion
	notify    chan<- runner // set before queueing; receives the future at completion
	self      runner        // the *Future[T] holding this core, for notify
}

// finish stores the final state and wakes everyone waiting: the done
// channel, the notify channel and the callbacks, in that order.
func (c *core) finish(st State) {
	c.mu.Lock()
	c.state.Store(int32(st))
	ch := c.done
	c.done = closedChan
	cbs := c.callbacks
	c.callbacks = nil
	c.mu.Unlock()
	if ch != nil && ch != closedChan {
		close(ch)
	}
	if c.notify != nil {
		c.notify <- c.self
	}
	for _, cb := range cbs {
		cb()
	}
}

// doneChan returns the channel closed at completion, making it if needed.
func (c *core) doneChan() <-chan struct{} {
	if State(c.state.Load()).done() {
		return closedChan
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
	}
	return c.done
}

// wait blocks until the future is complete or ctx is done.
func (c *core) wait(ctx context.Context) error {
	if State(c.state.Load()).done() {
		return nil
	}
	select {
	case <-c.doneChan():
		return nil
	case <-ctx.Done():
		// A cancelled wait leaves the future as it was.
		if State(c.state.Load()).done() {
			return nil
		}
		return context.Cause(ctx)
	}
}

// onDone registers cb to run once at completion, or runs it now.
func (c *core) onDone(cb func()) {
	c.mu.Lock()
	if !State(c.state.Load()).done() {
		c.callbacks = append(c.callbacks, cb)
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	cb()
}

// Future is the handle of a task submitted to an [Executor]: it holds the
// task's result once the task has finished, and lets the caller wait for
// it, select on it, cancel it and inspect its state. Futures are made by
// [Submit], [TrySubmit], [Call] and [Map]; the zero Future is not usable.
//
// All methods are safe for concurrent use by multiple goroutines.
type Future[T any] struct {
	core
	fn  func(context.Context) (T, error)
	val T
}

// Result waits for the task to finish and returns its value and error. ctx
// bounds the wait only: if ctx is done first, Result returns the zero value
// and context.Cause(ctx), and the task goes on (cancel it with
// [Future.Cancel], or through the ctx given to [Submit]).
//
// The task's error is what its function returned, except that:
//   - a panic is a [*PanicError];
//   - a run timeout that fired (Config.RunTimeout) is a [*TimeoutError];
//   - a task cancelled with [Future.Cancel] fails with [ErrCancelled];
//   - a task whose submit ctx ended before it started fails with
//     context.Cause of that ctx;
//   - a task refused by a closed executor fails with [ErrClosed].
//
// Result returns quickly, with no allocation, once the task has finished.
func (f *Future[T]) Result(ctx context.Context) (T, error) {
	if err := f.wait(ctx); err != nil {
		var zero T
		return zero, err
	}
	return f.val, f.err
}

// Done returns a channel that is closed when the task has finished, so
// that a future can be used in a select statement like a context.Context.
func (f *Future[T]) Done() <-chan struct{} { return f.doneChan() }

// State returns the task's current state.
func (f *Future[T]) State() State {
	return State(f.state.Load())
}

// Err returns the task's error if it has finished, and nil otherwise. It
// never blocks.
func (f *Future[T]) Err() error {
	if !f.State().done() {
		return nil
	}
	return f.err
}

// Cancel cancels the task. A queued task never runs: its future completes
// at once in state [Cancelled] with [ErrCancelled]. A running task has its
// ctx cancelled with cause [ErrCancelled] and completes when its function
// returns (a function that returns context.Canceled or ctx.Err() completes
// as [Cancelled] with ErrCancelled; one that returns a value anyway has
// succeeded). Cancel reports whether the task had not finished when it was
// called; it returns false for a finished task.
func (f *Future[T]) Cancel() bool {
	for {
		switch State(f.state.Load()) {
		case Queued:
			if !f.state.CompareAndSwap(int32(Queued), int32(Running)) {
				continue // a worker took it, or another Cancel did
			}
			f.err = ErrCancelled
			if f.ex != nil {
				f.ex.droppedQueued.Add(1)
				f.ex.cancelledQueued.Add(1)
			}
			f.finish(Cancelled)
			return true
		case Running:
			f.tc.cancel(ErrCancelled)
			return true
		default:
			return false
		}
	}
}

// OnDone arranges for fn to be called with f once the task has finished,
// like Python's add_done_callback. If the task has already finished, fn is
// called at once, on the calling goroutine; otherwise it is called on the
// goroutine that completes the task (usually a worker of the executor), so
// fn should be quick and must not block waiting for other tasks of the same
// executor. Callbacks run in the order they were added, exactly once. A
// panic in fn is not recovered: fn is the caller's code, not a task.
func (f *Future[T]) OnDone(fn func(*Future[T])) {
	f.onDone(func() { fn(f) })
}

// run is the worker side: it runs the task unless it was cancelled while
// queued, and records its outcome.
func (f *Future[T]) run(w *worker) {
	if !f.state.CompareAndSwap(int32(Queued), int32(Running)) {
		return // cancelled while queued: Cancel completed it
	}
	ex := f.ex
	if ex.dropQueued.Load() {
		f.drop(w, Cancelled, errShutdownQueued)
		return
	}
	if d := f.tc.parent.Done(); d != nil {
		select {
		case <-d:
			f.drop(w, Cancelled, context.Cause(f.tc.parent))
			return
		default:
		}
	}
	start := time.Now()
	w.queueLat.record(start.Sub(f.submitted))
	w.started.Add(1)
	f.tc.start(ex, start)

	var v T
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = newPanicError(p)
			}
		}()
		v, err = f.fn(&f.tc)
	}()

	f.fn = nil // let the closure go
	end := time.Now()
	w.runLat.record(end.Sub(start))
	st := Succeeded
	if err != nil {
		st = Failed
		err = f.tc.explain(err)
		var pe *PanicError
		var te *TimeoutError
		switch {
		case errors.As(err, &pe):
			w.panicked.Add(1)
			w.failed.Add(1)
		case errors.As(err, &te) && f.tc.timedOut():
			w.timedOut.Add(1)
			w.failed.Add(1)
		case errors.Is(err, context.Canceled):
			st = Cancelled
			w.cancelled.Add(1)
		default:
			w.failed.Add(1)
		}
	} else {
		w.succeeded.Add(1)
	}
	f.tc.stop()
	f.val, f.err = v, err
	f.finish(st)
}

func (f *Future[T]) abandon(err error) {
	if f.state.CompareAndSwap(int32(Queued), int32(Running)) {
		f.drop(nil, Cancelled, err)
	}
}

// drop completes a task that will not run. The caller owns the future (it
// moved it out of Queued).
func (f *Future[T]) drop(w *worker, st State, err error) {
	f.fn = nil
	f.err = err
	f.tc.stop()
	if w != nil {
		w.dropped.Add(1)
	} else if f.ex != nil {
		f.ex.droppedQueued.Add(1)
	}
	if st == Cancelled && f.ex != nil {
		f.ex.cancelledQueued.Add(1)
	}
	f.finish(st)
}

// failed returns a future that has already failed with err: the result of
// a submit that was refused.
func failed[T any](err error, st State) *Future[T] {
	f := &Future[T]{}
	f.err = err
	f.state.Store(int32(st))
	f.done = closedChan
	f.self = f
	return f
}

// taskCtx is the context a task runs with. It is materialised lazily: the
// real context (context.WithCancelCause of the submit ctx, with the run
// timeout's deadline) is made the first time the task asks for Done, Err
// or Value. A task that never looks at its ctx costs no allocation for it,
// and a cancellation requested before then is applied at that moment.
// Value is delegated to the real context, so context.Cause and contexts
// derived from this one work as with any context.
type taskCtx struct {
	parent context.Context
	// deadline is the run timeout's deadline (zero if none); start sets it.
	deadline time.Time
	timeout  time.Duration
	ex       *Executor

	ready atomic.Bool // real, cancel and stopLife are set
	mu    sync.Mutex
	real  context.Context         // guarded by mu until ready
	canc  context.CancelCauseFunc // guarded by mu
	stopT context.CancelFunc      // guarded by mu; releases the deadline's timer
	stopL func() bool             // guarded by mu; stops the executor-abort hook
	// pending is a cancellation requested before the context was made.
	pending error // guarded by mu
	ended   bool  // guarded by mu; the task has returned
}

// start prepares the context for a run beginning at start.
func (c *taskCtx) start(ex *Executor, start time.Time) {
	c.ex = ex
	if d := ex.cfg.RunTimeout; d > 0 {
		c.timeout = d
		c.deadline = start.Add(d)
	}
}

func (c *taskCtx) get() context.Context {
	if c.ready.Load() {
		return c.real
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ready.Load() {
		return c.real
	}
	ctx := c.parent
	if c.timeout > 0 {
		ctx, c.stopT = context.WithDeadlineCause(ctx, c.deadline, &TimeoutError{Timeout: c.timeout})
	}
	ctx, c.canc = context.WithCancelCause(ctx)
	if c.ended {
		c.canc(context.Canceled)
		if c.stopT != nil {
			c.stopT()
		}
	} else if c.pending != nil {
		c.canc(c.pending)
	} else if c.ex != nil && c.ex.life != nil {
		cancel := c.canc
		c.stopL = context.AfterFunc(c.ex.life, func() { cancel(errShutdownRunning) })
	}
	c.real = ctx
	c.ready.Store(true)
	return ctx
}

// Deadline returns the run timeout's deadline or the submit ctx's,
// whichever is earlier.
func (c *taskCtx) Deadline() (time.Time, bool) {
	d, ok := c.parent.Deadline()
	if !c.deadline.IsZero() && (!ok || c.deadline.Before(d)) {
		return c.deadline, true
	}
	return d, ok
}

func (c *taskCtx) Done() <-chan struct{} { return c.get().Done() }
func (c *taskCtx) Err() error            { return c.get().Err() }
func (c *taskCtx) Value(key any) any     { return c.get().Value(key) }

// String names the context for debugging, as the standard contexts do.
func (c *taskCtx) String() string { return "parallel.taskContext" }

// cancel cancels the task's context with cause, now or when it is made.
func (c *taskCtx) cancel(cause error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ready.Load() {
		c.canc(cause)
		return
	}
	if c.pending == nil {
		c.pending = cause
	}
}

// stop releases the context once the task has returned.
func (c *taskCtx) stop() {
	if !c.ready.Load() {
		c.mu.Lock()
		c.ended = true
		ready := c.ready.Load()
		c.mu.Unlock()
		if !ready {
			return
		}
	}
	if c.stopL != nil {
		c.stopL()
	}
	c.canc(context.Canceled)
	if c.stopT != nil {
		c.stopT()
	}
}

// timedOut reports whether the run timeout fired.
func (c *taskCtx) timedOut() bool {
	if !c.ready.Load() || c.timeout == 0 {
		return false
	}
	var te *TimeoutError
	return errors.As(context.Cause(c.real), &te)
}

// explain makes a task's error say why its context ended: a function that
// returns the bare ctx.Err() gets the cause instead (a [*TimeoutError],
// [ErrCancelled], the submit ctx's cause), and an error that wraps
// context.DeadlineExceeded from a run timeout also matches the
// [*TimeoutError].
func (c *taskCtx) explain(err error) error {
	if !c.ready.Load() {
		return err
	}
	ctxErr := c.real.Err()
	if ctxErr == nil {
		return err
	}
	cause := context.Cause(c.real)
	if cause == nil || errors.Is(err, cause) {
		return err
	}
	if err == ctxErr {
		return cause
	}
	var te *TimeoutError
	if errors.Is(err, context.DeadlineExceeded) && errors.As(cause, &te) {
		return &timeoutWrapError{te: te, err: err}
	}
	return err
}

// timeoutWrapError is a task's own error that a run timeout caused.
type timeoutWrapError struct {
	te  *TimeoutError
	err error
}

func (e *timeoutWrapError) Error() string   { return e.te.Error() + ": " + e.err.Error() }
func (e *timeoutWrapError) Unwrap() []error { return []error{e.te, e.err} }
