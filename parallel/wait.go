package parallel

import (
	"context"
	"iter"
	"strconv"
)

// AsCompleted yields the futures of fs as they finish, in completion order
// (futures already finished come first), like Python's as_completed. Nil
// elements are skipped. ctx bounds the waiting: when it ends, the
// iteration stops early, without yielding the futures still running, and
// without cancelling them. Breaking out of the loop leaves the futures
// untouched too. Each run of the loop starts afresh.
func AsCompleted[T any](ctx context.Context, fs []*Future[T]) iter.Seq[*Future[T]] {
	if ctx == nil {
		panic(errNilContext("AsCompleted"))
	}
	return func(yield func(*Future[T]) bool) {
		ctxDone := ctx.Done()
		ch, n, stop := notifyAll(fs)
		defer stop()
		for range n {
			select {
			case f := <-ch:
				if !yield(f) {
					return
				}
			case <-ctxDone:
				return
			}
		}
	}
}

// notifyAll arranges for each non-nil future of fs to be sent to the
// returned channel when it finishes, and returns the channel, the number
// of futures that will be sent, and a function that cancels the sends not
// yet made; the caller must call it when it stops receiving. The channel
// has room for all of them, so no callback ever blocks, even when nobody
// receives any more.
func notifyAll[T any](fs []*Future[T]) (ch <-chan *Future[T], n int, stop func()) {
	c := make(chan *Future[T], len(fs))
	cbs := make([]*callback, len(fs))
	for i, f := range fs {
		if f == nil {
			continue
		}
		n++
		cbs[i] = f.onDone(func() { c <- f })
	}
	stop = func() {
		for i, cb := range cbs {
			if cb != nil {
				fs[i].removeCallback(cb)
			}
		}
	}
	return c, n, stop
}

// WaitMode says when [Wait] returns, like Python's return_when.
type WaitMode int

const (
	// WaitAll returns when every future has finished (ALL_COMPLETED).
	WaitAll WaitMode = iota
	// WaitAny returns when at least one future has finished
	// (FIRST_COMPLETED).
	WaitAny
	// WaitFirstError returns when a future finishes with an error
	// (including a panic, a timeout or a cancellation), or when every
	// future has finished (FIRST_EXCEPTION).
	WaitFirstError
)

// String returns the mode's name: "all", "any" or "first-error".
func (m WaitMode) String() string {
	switch m {
	case WaitAll:
		return "all"
	case WaitAny:
		return "any"
	case WaitFirstError:
		return "first-error"
	}
	return "WaitMode(" + strconv.Itoa(int(m)) + ")"
}

// Wait waits for the futures of fs as mode says, like Python's
// concurrent.futures.wait, and returns them split into those finished and
// those not, each in the order of fs (nil elements are left out). ctx
// bounds the wait: if it ends first, Wait returns the split at that moment
// and context.Cause(ctx). Wait never cancels a future.
func Wait[T any](ctx context.Context, fs []*Future[T], mode WaitMode) (done, pending []*Future[T], err error) {
	if ctx == nil {
		panic(errNilContext("Wait"))
	}
	ch, n, stop := notifyAll(fs)
	defer stop()
loop:
	for i := 0; i < n; i++ {
		select {
		case f := <-ch:
			if mode == WaitAny || (mode == WaitFirstError && f.Err() != nil) {
				break loop
			}
		case <-ctx.Done():
			err = context.Cause(ctx)
			break loop
		}
	}
	for _, f := range fs {
		switch {
		case f == nil:
		case f.State().done():
			done = append(done, f)
		default:
			pending = append(pending, f)
		}
	}
	return done, pending, err
}
