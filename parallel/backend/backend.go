// Package backend is for the authors of a [parallel.Backend]: the worker
// side of a named task ([Invoke]), the wire form of a task's error
// ([MarshalError], [UnmarshalError]) and the in-process reference backend
// ([Local]). Programs that only run tasks need none of it; packages proc
// and natsjs are built on it.
//
// A backend that runs tasks elsewhere works like this: the executor
// encodes a task's input and calls Backend.Run with the task's name; the
// backend carries name and input to a worker, which holds the same
// [parallel.Registry] and calls [Invoke]; the worker sends back the output,
// or the error as [MarshalError] encodes it; Run returns the output, or
// the error as [UnmarshalError] rebuilds it, so that a panic is still a
// *parallel.PanicError and a timeout a *parallel.TimeoutError on the
// caller's side.
package backend

import (
	"context"
	"errors"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/internal/plumbing"
)

// Invoke runs the task registered in r as name on encoded input and
// returns its encoded output: the worker side of every Backend. A panic in
// the task (or in its codec) is returned as a [*parallel.PanicError], a
// failed initializer (see [parallel.Registry.Init]) as a
// [*parallel.InitError], and an unknown name as an error wrapping
// [parallel.ErrUnknownTask]; errors that sending the same input again
// cannot fix wrap [parallel.ErrPermanent].
func Invoke(ctx context.Context, r *parallel.Registry, name string, input []byte) ([]byte, error) {
	return plumbing.Invoke(ctx, r, name, input)
}

// MarshalError encodes err for transport to another process. It keeps
// what callers branch on: a [*parallel.PanicError] (value text and stack),
// a [*parallel.TimeoutError], a [*parallel.InitError],
// [parallel.ErrUnknownTask], [parallel.ErrPermanent] and cancellation; any
// other error travels as its text.
func MarshalError(err error) []byte { return plumbing.MarshalError(err) }

// UnmarshalError decodes an error written by [MarshalError]. An
// application error comes back as a [*parallel.RemoteError]; malformed
// input yields a *parallel.RemoteError holding the raw text, never a panic.
func UnmarshalError(data []byte) error { return plumbing.UnmarshalError(data) }

// ChunkOf reports whether name, as given to Backend.Run, is the wire name
// of a chunk of the task named task: several inputs of that task in one
// round trip, which a Backend with a RunsChunks method that returns true
// receives from parallel.MapCall (see parallel.MapOptions.Chunk). The
// worker's [Invoke] runs a chunk like any task; a backend that routes
// tasks by name (a queue or subject per task) routes a chunk as its task,
// so that the workers serving the task receive it.
func ChunkOf(name string) (task string, ok bool) { return plumbing.ChunkOf(name) }

// Local is the in-process [parallel.Backend]: it runs tasks from its
// Registry on the calling goroutine, through the same encode and decode
// steps as a remote backend. The conformance suite (package paralleltest)
// uses it as the reference; an Executor without a Backend calls task
// functions directly and skips the encoding.
type Local struct {
	Registry *parallel.Registry // the tasks Run can run; must not be nil
}

var _ parallel.Backend = (*Local)(nil)

// Run runs the named task on the calling goroutine. If ctx ends while the
// task runs and the task returns ctx.Err(), Run returns
// context.Cause(ctx) instead, as the Backend contract asks.
func (l *Local) Run(ctx context.Context, name string, input []byte) ([]byte, error) {
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	out, err := Invoke(ctx, l.Registry, name, input)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		if cause := context.Cause(ctx); !errors.Is(err, cause) {
			return nil, cause
		}
	}
	return out, err
}

// Close does nothing and returns nil.
func (l *Local) Close() error { return nil }
