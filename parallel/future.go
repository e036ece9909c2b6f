package parallel

import (
	"context"
	"errors"
	"slices"
	"strconv"
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
	return "State(" + strconv.Itoa(int(s)) + ")"
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
	run(w *stripe)
	// abandon completes a queued task as cancelled with err, unless it
	// has left the queued state.
	abandon(err error)
}

// core is the part of a future that does not depend on its result type.
// It is kept small: every task allocates one.
//
// Ownership: the goroutine that moves state from Queued to Running (a
// worker, or Cancel on a queued task) is the only one that writes err and
// the result, and it writes them before it stores the final state. A
// reader that loads a final state therefore sees them (the atomic store and
// load order the writes before the reads).
type core struct {
	state atomic.Int32
	// slow is set, before they look at state, by the first Done and
	// OnDone: only then must finish take tc.mu to close done and run the
	// callbacks. (Sequentially consistent atomics: either finish sees
	// slow set, or the Done that set it then sees the final state.)
	slow atomic.Bool
	// submitted is when the task was queued, in nanoseconds since the
	// executor started (monotonic), for the queue latency figures.
	submitted int64
	err       error

	tc taskCtx // tc.mu also guards done and tc.x.callbacks

	done   chan struct{}          // guarded by tc.mu; made by the first Done
	waiter atomic.Pointer[waiter] // a Result waiting, woken by a send; finishedWaiter once finished
	notify chan<- runner          // set before queueing; receives the future at completion
}

// waiter is a channel with room for one token, which finish sends to
// wake a Result. Waiters are pooled per executor, so a Result costs no
// allocation; a pooled waiter is always empty.
type waiter struct{ c chan struct{} }

// finishedWaiter takes the place of the waiter once the future finished.
var finishedWaiter = &waiter{}

// finish stores the final state and wakes everyone waiting: the waiter,
// the done channel, the notify channel (which gets self) and the
// callbacks.
func (c *core) finish(self runner, st State) {
	c.state.Store(int32(st))
	if w := c.waiter.Swap(finishedWaiter); w != nil && w != finishedWaiter {
		w.c <- struct{}{} // never blocks: w is empty and has room for one
	}
	if c.slow.Load() {
		c.tc.mu.Lock()
		ch := c.done
		c.done = closedChan
		var cbs []*callback
		if c.tc.x != nil {
			cbs = c.tc.x.callbacks
			c.tc.x.callbacks = nil
		}
		c.tc.mu.Unlock()
		if ch != nil && ch != closedChan {
			close(ch)
		}
		for _, cb := range cbs {
			cb.fn()
		}
	}
	if c.notify != nil {
		c.notify <- self
	}
}

// doneChan returns the channel closed at completion, making it if needed.
func (c *core) doneChan() <-chan struct{} {
	if State(c.state.Load()).done() {
		return closedChan
	}
	c.tc.mu.Lock()
	defer c.tc.mu.Unlock()
	c.slow.Store(true)
	if State(c.state.Load()).done() {
		return closedChan
	}
	if c.done == nil {
		c.done = make(chan struct{})
	}
	return c.done
}

// wait blocks until the future is complete or ctx is done.
//
// The first goroutine to wait installs a waiter from its executor's pool
// (a compare-and-swap from nil), and finish swaps it out and sends it one
// token. A waiter goes back to the pool empty: its owner either received
// the token, or swapped it out again before finish could. Other
// goroutines waiting at the same time use the done channel.
func (c *core) wait(ctx context.Context) error {
	if State(c.state.Load()).done() {
		return nil
	}
	ex := c.tc.ex
	w, _ := ex.waiters.Get().(*waiter)
	if w == nil {
		w = &waiter{c: make(chan struct{}, 1)}
	}
	if !c.waiter.CompareAndSwap(nil, w) {
		// Another goroutine waits already, or the future has finished.
		ex.waiters.Put(w)
		return c.waitDone(ctx)
	}
	ctxDone := ctx.Done()
	if ctxDone == nil { // a ctx that never ends: a plain receive is cheaper than select
		<-w.c
		ex.waiters.Put(w)
		return nil
	}
	select {
	case <-w.c:
		ex.waiters.Put(w)
		return nil
	case <-ctxDone:
	}
	if !c.waiter.CompareAndSwap(w, nil) {
		// finish took w and is sending the token: the task is done.
		<-w.c
		ex.waiters.Put(w)
		return nil
	}
	ex.waiters.Put(w)
	// A cancelled wait leaves the future as it was.
	return context.Cause(ctx)
}

// waitDone waits on the done channel.
func (c *core) waitDone(ctx context.Context) error {
	select {
	case <-c.doneChan():
		return nil
	case <-ctx.Done():
		if State(c.state.Load()).done() {
			return nil
		}
		return context.Cause(ctx)
	}
}

// callback is a function registered to run at completion.
type callback struct{ fn func() }

// onDone registers fn to run once at completion and returns its handle,
// or runs it now and returns nil.
func (c *core) onDone(fn func()) *callback {
	c.tc.mu.Lock()
	c.slow.Store(true)
	if !State(c.state.Load()).done() {
		if c.tc.x == nil {
			c.tc.x = new(ctxState)
		}
		cb := &callback{fn}
		c.tc.x.callbacks = append(c.tc.x.callbacks, cb)
		c.tc.mu.Unlock()
		return cb
	}
	c.tc.mu.Unlock()
	fn()
	return nil
}

// removeCallback unregisters cb, a handle from onDone, unless it has run
// or is about to (finish has taken the list). AsCompleted and Wait use it
// so that calling them again and again on a long task, each time with a
// ctx that ends, does not pile up callbacks on its future.
func (c *core) removeCallback(cb *callback) {
	if cb == nil {
		return
	}
	c.tc.mu.Lock()
	defer c.tc.mu.Unlock()
	if c.tc.x == nil {
		return
	}
	cbs := c.tc.x.callbacks
	for i := len(cbs) - 1; i >= 0; i-- { // the newest are the likeliest
		if cbs[i] == cb {
			c.tc.x.callbacks = slices.Delete(cbs, i, i+1)
			return
		}
	}
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
// It panics if ctx is nil.
func (f *Future[T]) Result(ctx context.Context) (T, error) {
	if ctx == nil {
		panic(errNilContext("Result"))
	}
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
			if ex := f.tc.ex; ex != nil {
				ex.droppedQueued.Add(1)
				ex.cancelledQueued.Add(1)
			}
			f.finish(f, Cancelled)
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
func (f *Future[T]) run(w *stripe) {
	if !f.state.CompareAndSwap(int32(Queued), int32(Running)) {
		return // cancelled while queued: Cancel completed it
	}
	ex := f.tc.ex
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
	// Only sampled tasks are timed (see Stats); a run timeout needs the
	// start time anyway.
	timed := f.submitted != 0
	var start int64
	if timed || ex.cfg.RunTimeout > 0 {
		start = ex.now()
		f.tc.start = start
	}
	if timed {
		w.queueLat.record(start - f.submitted)
	}
	w.started.Add(1)

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
	if timed {
		d := ex.now() - start
		w.runLat.record(d)
		if short := d < shortTask; ex.shortTasks.Load() != short {
			ex.shortTasks.Store(short)
		}
	}
	st := Succeeded
	if err != nil {
		st = Failed
		orig := err
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
		case errors.Is(err, context.Canceled) || errors.Is(orig, context.Canceled):
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
	f.finish(f, st)
}

func (f *Future[T]) abandon(err error) {
	if f.state.CompareAndSwap(int32(Queued), int32(Running)) {
		f.drop(nil, Cancelled, err)
	}
}

// drop completes a task that will not run. The caller owns the future (it
// moved it out of Queued).
func (f *Future[T]) drop(w *stripe, st State, err error) {
	f.fn = nil
	f.err = err
	f.tc.stop()
	if w != nil {
		w.dropped.Add(1)
	} else if ex := f.tc.ex; ex != nil {
		ex.droppedQueued.Add(1)
	}
	if st == Cancelled && f.tc.ex != nil {
		f.tc.ex.cancelledQueued.Add(1)
	}
	f.finish(f, st)
}

// failed returns a future that has already failed with err: the result of
// a submit that was refused.
func failed[T any](err error, st State) *Future[T] {
	f := &Future[T]{}
	f.err = err
	f.state.Store(int32(st))
	f.done = closedChan
	return f
}

// taskCtx is the context a task runs with. It is made lazily: the real
// context (context.WithCancelCause of the submit ctx, under the run
// timeout's deadline) is made the first time the task asks for Done, Err
// or Value. A task that never looks at its ctx costs no allocation for it,
// and a cancellation requested before then is applied at that moment.
// Value is delegated to the real context, so context.Cause and contexts
// derived from this one work as with any standard context.
type taskCtx struct {
	mu    sync.Mutex    // guards x after ctxReady, and core's done and callbacks
	flags atomic.Uint32 // ctxReady, ctxEnded
	// start is when the run started, in nanoseconds since the executor
	// started; written by the worker before the task runs.
	start  int64
	parent context.Context
	ex     *Executor
	x      *ctxState // guarded by mu; its context fields are complete when ctxReady is set
}

const (
	ctxReady uint32 = 1 << iota // x.ctx is made
	ctxEnded                    // the task has returned
)

// ctxState is the part of a task's context that exists only once the task
// has looked at its ctx, or was cancelled.
type ctxState struct {
	ctx       context.Context
	cancel    context.CancelCauseFunc
	stopTimer context.CancelFunc // releases the run timeout's timer
	stopLife  func() bool        // stops the executor-shutdown hook
	pending   error              // a cancellation requested before ctx was made
	callbacks []*callback        // OnDone callbacks, run once at completion
}

func (c *taskCtx) get() context.Context {
	if c.flags.Load()&ctxReady != 0 {
		return c.x.ctx
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flags.Load()&ctxReady != 0 {
		return c.x.ctx
	}
	if c.x == nil {
		c.x = new(ctxState)
	}
	x := c.x
	ctx := c.parent
	if d, ok := c.runDeadline(); ok {
		ctx, x.stopTimer = context.WithDeadlineCause(ctx, d, &TimeoutError{Timeout: c.ex.cfg.RunTimeout})
	}
	ctx, x.cancel = context.WithCancelCause(ctx)
	x.ctx = ctx
	if !c.flags.CompareAndSwap(0, ctxReady) {
		// The task has returned already (its ctx escaped): release at once.
		x.cancel(context.Canceled)
		if x.stopTimer != nil {
			x.stopTimer()
		}
		c.flags.Store(ctxReady | ctxEnded)
		return ctx
	}
	if x.pending != nil {
		x.cancel(x.pending)
	} else if c.ex != nil && c.ex.life != nil {
		cancel := x.cancel
		x.stopLife = context.AfterFunc(c.ex.life, func() { cancel(errShutdownRunning) })
	}
	return ctx
}

// runDeadline returns the run timeout's deadline, if there is one.
func (c *taskCtx) runDeadline() (time.Time, bool) {
	if c.ex == nil || c.ex.cfg.RunTimeout <= 0 {
		return time.Time{}, false
	}
	return c.ex.base.Add(time.Duration(c.start) + c.ex.cfg.RunTimeout), true
}

// Deadline returns the run timeout's deadline or the submit ctx's,
// whichever is earlier.
func (c *taskCtx) Deadline() (time.Time, bool) {
	d, ok := c.parent.Deadline()
	if rd, rok := c.runDeadline(); rok && (!ok || rd.Before(d)) {
		return rd, true
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
	if c.flags.Load()&ctxReady != 0 {
		c.x.cancel(cause)
		return
	}
	if c.x == nil {
		c.x = new(ctxState)
	}
	if c.x.pending == nil {
		c.x.pending = cause
	}
}

// stop releases the context once the task has returned.
func (c *taskCtx) stop() {
	if c.flags.CompareAndSwap(0, ctxEnded) {
		return // never made: nothing to release
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flags.Load()&ctxEnded != 0 {
		return
	}
	c.flags.Store(ctxReady | ctxEnded)
	x := c.x
	if x.stopLife != nil {
		x.stopLife()
	}
	x.cancel(context.Canceled)
	if x.stopTimer != nil {
		x.stopTimer()
	}
}

// real returns the made context, or nil.
func (c *taskCtx) real() context.Context {
	if c.flags.Load()&ctxReady == 0 {
		return nil
	}
	return c.x.ctx
}

// timedOut reports whether the run timeout fired.
func (c *taskCtx) timedOut() bool {
	ctx := c.real()
	if ctx == nil {
		return false
	}
	var te *TimeoutError
	return errors.As(context.Cause(ctx), &te)
}

// explain makes a task's error say why its context ended: a function that
// returns the bare ctx.Err() gets the cause instead (a [*TimeoutError],
// [ErrCancelled], the submit ctx's cause), and an error that wraps
// context.DeadlineExceeded from a run timeout also matches the
// [*TimeoutError].
func (c *taskCtx) explain(err error) error {
	ctx := c.real()
	if ctx == nil {
		return err
	}
	ctxErr := ctx.Err()
	if ctxErr == nil {
		return err
	}
	cause := context.Cause(ctx)
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
