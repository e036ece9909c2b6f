package parallel

import (
	"context"
	"fmt"
	"iter"
)

// MapOptions configures [Map] and [MapCall]. A nil *MapOptions means the
// zero value's defaults.
type MapOptions struct {
	// Window is the most tasks in flight (queued, running, or finished
	// but not yet yielded) at once. Zero means twice the executor's
	// workers, enough to keep every worker busy while the loop body runs.
	// A window over 1<<20 is treated as 1<<20: the loop makes a slot for
	// every task that may be in flight when it starts.
	Window int

	// Unordered yields futures in completion order instead of input
	// order, so that a slow task does not hold back the results behind
	// it (Python's as_completed over submitted futures, without holding
	// them all).
	Unordered bool

	// Chunk is how many inputs of a [MapCall] travel to the executor's
	// Backend in one round trip, when the Backend runs chunks (it has a
	// RunsChunks method that says so, as the process and cluster backends
	// do), as Python's chunksize: each member still gets its own future,
	// output and error, in the order the map yields. Zero means automatic:
	// one input a trip to start with, then as many as take about 5 ms by
	// the time per input of the last chunk (1 to 512), so that tiny tasks
	// do not pay a round trip each, slow ones stay spread over the
	// workers, and the map's last chunks leave no worker idle for long.
	// 1 sends each input alone. With chunks, Window counts chunks, and an Unordered map yields
	// a chunk's members together when the chunk completes. Chunk does
	// nothing for closures or in-process tasks, which pay no round trip.
	Chunk int
}

// maxWindow is the largest window of tasks in flight that a map keeps (see
// MapOptions.Window): a few MiB of slots, and more tasks in flight than an
// executor usefully runs.
const maxWindow = 1 << 20

// errMapStopped is the cause given to the outstanding tasks of a Map
// whose loop stopped early.
var errMapStopped = fmt.Errorf("parallel: map loop stopped before the task finished: %w", context.Canceled)

// Map runs fn on every element of inputs on ex and yields one finished
// future per input: in input order, or in completion order if
// opts.Unordered is set. A nil opts means the defaults (see [MapOptions]).
// It is Python's executor.map, lazy and with every error kept.
//
// Inputs are read lazily, as the loop consumes futures: at most
// opts.Window tasks are in flight, so an endless inputs works and memory
// does not grow with the number of inputs. Nothing runs until the loop
// starts; each run of the loop reads inputs afresh.
//
// Errors ride in the futures: a failed task does not stop the map, and the
// loop body decides what an error means (break to stop at the first one,
// or use [Collect]).
//
// Breaking out of the loop cancels every outstanding task (queued ones
// never run; running ones see their ctx cancelled) and waits for them, so
// that when the loop statement ends no call of fn is running and no
// goroutine is left behind. If ctx ends, the map stops reading inputs and
// yields the futures in flight, which fail with ctx's cause unless they
// finish anyway.
//
// On an executor whose Backend runs tasks elsewhere, a closure is refused
// (unless Config.LocalClosures): the map yields one future failed with
// [ErrLocalClosure], reads no input, and ends. [MapCall] runs a named
// task there.
//
// Map panics if ctx or ex is nil, as the standard library does with a nil
// context: both are programming errors, not conditions to handle.
func Map[In, Out any](ctx context.Context, ex *Executor, inputs iter.Seq[In], fn func(context.Context, In) (Out, error), opts *MapOptions) iter.Seq[*Future[Out]] {
	mustHave(ctx, ex, "Map")
	if err := ex.closureErr(); err != nil {
		return func(yield func(*Future[Out]) bool) { yield(failed[Out](err, Failed)) }
	}
	return futures(mapRun(ctx, ex, inputs, fn, opts))
}

// futures drops the inputs of seq.
func futures[In, Out any](seq iter.Seq2[In, *Future[Out]]) iter.Seq[*Future[Out]] {
	return func(yield func(*Future[Out]) bool) {
		for _, f := range seq {
			if !yield(f) {
				return
			}
		}
	}
}

// mapRun is Map for any function, closure or named task, yielding each
// future with its input.
func mapRun[In, Out any](ctx context.Context, ex *Executor, inputs iter.Seq[In], fn func(context.Context, In) (Out, error), opts *MapOptions) iter.Seq2[In, *Future[Out]] {
	var o MapOptions
	if opts != nil {
		o = *opts
	}
	return func(yield func(In, *Future[Out]) bool) {
		ctx, cancel := context.WithCancelCause(ctx)
		defer cancel(errMapStopped)
		window := o.Window
		if window <= 0 {
			ex.init()
			window = 2 * min(ex.workers, maxWindow)
		}
		window = min(window, maxWindow)
		task := func(in In) func(context.Context) (Out, error) {
			return func(ctx context.Context) (Out, error) { return fn(ctx, in) }
		}
		if o.Unordered {
			mapUnordered(ctx, cancel, ex, inputs, task, window, yield)
			return
		}
		mapOrdered(ctx, cancel, ex, inputs, task, window, yield)
	}
}

// slot is a future in flight with its input.
type slot[In, Out any] struct {
	in In
	f  *Future[Out]
}

func mapOrdered[In, Out any](ctx context.Context, cancel context.CancelCauseFunc, ex *Executor, inputs iter.Seq[In],
	task func(In) func(context.Context) (Out, error), window int, yield func(In, *Future[Out]) bool) {
	// pending is a FIFO ring of the futures in flight, oldest at head.
	pending := make([]slot[In, Out], window)
	head, n := 0, 0
	stop := func() {
		cancel(errMapStopped)
		for i := range n {
			pending[(head+i)%window].f.Cancel()
		}
		for i := range n {
			pending[(head+i)%window].f.wait(context.Background())
		}
	}
	pop := func() slot[In, Out] {
		s := pending[head]
		pending[head] = slot[In, Out]{}
		head = (head + 1) % window
		n--
		s.f.wait(context.Background()) // no allocation, unlike Done
		return s
	}
	done := ctx.Done()
	for in := range inputs {
		select {
		case <-done:
		default:
			f, _ := submit(ctx, ex, task(in), false, nil)
			pending[(head+n)%window] = slot[In, Out]{in, f}
			n++
			if n < window {
				continue
			}
			if s := pop(); yield(s.in, s.f) {
				continue
			}
			stop()
			return
		}
		break // ctx ended: stop reading inputs
	}
	for n > 0 {
		if s := pop(); !yield(s.in, s.f) {
			stop()
			return
		}
	}
}

func mapUnordered[In, Out any](ctx context.Context, cancel context.CancelCauseFunc, ex *Executor, inputs iter.Seq[In],
	task func(In) func(context.Context) (Out, error), window int, yield func(In, *Future[Out]) bool) {
	// Every future in flight sends itself to finished when it completes;
	// the channel has room for all of them, so completion never blocks.
	finished := make(chan runner, window)
	// live holds the futures in flight and their inputs, so that stopping
	// can cancel those still queued at once: on an executor shared with
	// slow tasks, waiting for a worker to reach them could take long.
	live := make(map[*Future[Out]]In, min(window, 1024))
	n := 0
	stop := func() {
		cancel(errMapStopped)
		for f := range live {
			f.Cancel()
		}
		for ; n > 0; n-- {
			<-finished
		}
	}
	next := func() (In, *Future[Out]) {
		n--
		f := (<-finished).(*Future[Out])
		in := live[f]
		delete(live, f)
		return in, f
	}
	done := ctx.Done()
	for in := range inputs {
		select {
		case <-done:
		default:
			f, err := submit(ctx, ex, task(in), false, finished)
			if err != nil {
				finished <- f // refused: complete already, never notified
			}
			live[f] = in
			n++
			if n < window {
				continue
			}
			if yield(next()) {
				continue
			}
			stop()
			return
		}
		break
	}
	for n > 0 {
		if !yield(next()) {
			stop()
			return
		}
	}
}

// Collect waits for the futures of seq (a Map's, say) in the order it
// yields them and returns their values, or stops at the first error and
// returns the values before it with that error. Stopping early ends the
// loop over seq, so a Map cancels its outstanding tasks, as Python's
// list(executor.map(f, xs)) raises the first exception.
func Collect[T any](ctx context.Context, seq iter.Seq[*Future[T]]) ([]T, error) {
	if ctx == nil {
		panic(errNilContext("Collect"))
	}
	var out []T
	for f := range seq {
		v, err := f.Result(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
