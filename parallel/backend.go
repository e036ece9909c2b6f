package parallel

import (
	"context"
	"errors"
)

// Backend runs named tasks somewhere other than the caller's goroutine: in
// worker processes (package proc), or on a cluster (package natsjs). An
// [Executor] with a Backend sends the named tasks of [Call] to it, while it
// keeps queueing, limits, futures, timeouts and counters for itself.
//
// Implementations must be safe for concurrent use.
type Backend interface {
	// Run runs the task registered as name on the encoded input and
	// returns its encoded output. It blocks until the task has finished,
	// failed, or ctx is done.
	//
	// When ctx is done, Run must stop the task as far as the backend can
	// (a process backend kills the worker) and return an error that wraps
	// context.Cause(ctx), so that a run timeout or a cancellation is
	// reported as such.
	//
	// Errors from the task keep their kind across the boundary: a panic
	// is a [*PanicError], a timeout a [*TimeoutError], an unknown name
	// wraps [ErrUnknownTask] (see [MarshalError] and [UnmarshalError]).
	// Failures of the backend itself (a worker that died, a lost
	// connection) are the backend's own error types.
	Run(ctx context.Context, name string, input []byte) ([]byte, error)

	// Close releases the backend's resources (worker processes,
	// subscriptions). Run must not be called after Close.
	Close() error
}

// Local is the in-process [Backend]: it runs tasks from its Registry on the
// calling goroutine, through the same encode and decode steps as a remote
// backend. The conformance suite uses it as the reference; an [Executor]
// without a Backend calls task functions directly and skips the encoding.
type Local struct {
	Registry *Registry // the tasks Run can run; must not be nil
}

var _ Backend = (*Local)(nil)

// Run runs the named task on the calling goroutine. If ctx ends while the
// task runs and the task returns ctx.Err(), Run returns
// context.Cause(ctx) instead, as the Backend contract asks.
func (l *Local) Run(ctx context.Context, name string, input []byte) ([]byte, error) {
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	out, err := l.Registry.Invoke(ctx, name, input)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		if cause := context.Cause(ctx); !errors.Is(err, cause) {
			return nil, cause
		}
	}
	return out, err
}

// Close does nothing and returns nil.
func (l *Local) Close() error { return nil }
