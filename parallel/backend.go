package parallel

import (
	"context"

	"github.com/fanout-dev/fanout/parallel/internal/plumbing"
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
	// wraps [ErrUnknownTask] (package backend has the wire form of errors
	// that keeps them: backend.MarshalError and backend.UnmarshalError).
	// Failures of the backend itself (a worker that died, a lost
	// connection) are the backend's own error types.
	Run(ctx context.Context, name string, input []byte) ([]byte, error)

	// Close releases the backend's resources (worker processes,
	// subscriptions). Run must not be called after Close.
	Close() error
}

// Package backend exports the worker side of named tasks and the wire form
// of errors to backend authors; they live here, unexported, because the
// executor needs them too (a chunk of tasks carries its members' errors),
// and package backend imports this one. See internal/plumbing.
func init() {
	plumbing.Invoke = func(ctx context.Context, r any, name string, input []byte) ([]byte, error) {
		return r.(*Registry).invoke(ctx, name, input)
	}
	plumbing.MarshalError = marshalError
	plumbing.UnmarshalError = unmarshalError
	plumbing.ChunkOf = isChunkName
}
