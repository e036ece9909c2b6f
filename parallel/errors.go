package parallel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Each function's doc names the ones it returns; inspect
// them with [errors.Is].
var (
	// ErrClosed is returned when work is submitted to an executor that has
	// been shut down.
	ErrClosed = errors.New("parallel: executor closed")

	// ErrQueueFull is returned by a non-blocking submit when the executor's
	// queue has no free slot.
	ErrQueueFull = errors.New("parallel: queue full")

	// ErrUnknownTask is returned when a named task is not in the registry of
	// the side that is asked to run it.
	ErrUnknownTask = errors.New("parallel: unknown task")

	// ErrCancelled is the cause recorded on a future whose task was cancelled
	// with [Future.Cancel]. It wraps [context.Canceled], so
	// errors.Is(err, context.Canceled) holds as well.
	ErrCancelled = fmt.Errorf("parallel: task cancelled: %w", context.Canceled)

	// ErrLocalClosure is the error of a closure given to [Submit],
	// [TrySubmit] or a Map function on an executor whose Config.Backend
	// runs tasks elsewhere (worker processes, a cluster): a closure cannot
	// travel there, and running it in this process instead would silently
	// defeat the backend. Register the function as a [Task] and [Call] it,
	// or set Config.LocalClosures to run closures here on purpose.
	ErrLocalClosure = errors.New("parallel: a closure cannot run on the executor's backend (register a Task and use Call, or set Config.LocalClosures)")

	// ErrDetached is the error (wrapped) of a task that a Backend queued
	// durably without waiting for its result (a detached cluster job, see
	// package natsjs): the task runs, and its result is collected later
	// by another run of the same job. It is not the task's failure.
	ErrDetached = errors.New("parallel: task queued without waiting for its result")

	// ErrPermanent marks an error that retrying cannot fix (a corrupt
	// input, a task that does not exist). Backends that retry (the cluster
	// backend) give up at once on it. Wrap an error with [Permanent].
	ErrPermanent = errors.New("parallel: permanent error")
)

// PanicError is the error a task's future holds when the task panicked.
// The panic never crashes the program and is never swallowed: it surfaces
// here, with the stack of the goroutine that panicked. For a task that ran
// in another process, Value is the panic value's text.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the stack trace at the point of the panic
}

// Error returns "parallel: task panicked: " and the panic value.
func (e *PanicError) Error() string {
	return fmt.Sprintf("parallel: task panicked: %v", e.Value)
}

// Unwrap returns the panic value if it is an error, so that errors.Is and
// errors.As see through a panic(err).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// TimeoutError is the error of a task that ran past its run timeout and was
// stopped. It matches [context.DeadlineExceeded] with [errors.Is].
type TimeoutError struct {
	Timeout time.Duration // the run timeout that fired
}

// Error returns "parallel: task timed out after " and the run timeout.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("parallel: task timed out after %v", e.Timeout)
}

// Is reports whether target is [context.DeadlineExceeded].
func (e *TimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// Permanent wraps err so that errors.Is(err, [ErrPermanent]) holds; backends
// do not retry such an error. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string        { return e.err.Error() }
func (e *permanentError) Unwrap() error        { return e.err }
func (e *permanentError) Is(target error) bool { return target == ErrPermanent }

// RemoteError is an application error returned by a task that ran in another
// process or on another machine. Only its text crosses the boundary.
type RemoteError struct {
	Msg string
}

// Error returns the remote error's text as it was.
func (e *RemoteError) Error() string { return e.Msg }

// InitError is the error of tasks that could not run because the
// registry's initializer (see [Registry.Init]) failed where they were to
// run: the worker's failure, not the task's. It is permanent: another try
// on the same worker would meet the same failure.
type InitError struct {
	Err error // the initializer's error
}

func (e *InitError) Error() string { return "parallel: worker initializer failed: " + e.Err.Error() }

// Unwrap returns the initializer's error and [ErrPermanent].
func (e *InitError) Unwrap() []error { return []error{e.Err, ErrPermanent} }

// wireError is the portable form of a task's error.
type wireError struct {
	Kind    string        `json:"kind"` // "", "panic", "timeout", "unknown", "cancelled", "init"
	Msg     string        `json:"msg"`
	Stack   string        `json:"stack,omitempty"`
	Timeout time.Duration `json:"timeout,omitempty"`
	Perm    bool          `json:"permanent,omitempty"`
}

// marshalError encodes err for transport to another process: the wire form
// that package backend exports as MarshalError (see its doc).
func marshalError(err error) []byte {
	w := wireError{Msg: err.Error(), Perm: errors.Is(err, ErrPermanent)}
	var pe *PanicError
	var te *TimeoutError
	var ie *InitError
	switch {
	case errors.As(err, &ie):
		w.Kind, w.Msg = "init", ie.Err.Error()
	case errors.As(err, &pe):
		w.Kind, w.Msg, w.Stack = "panic", fmt.Sprint(pe.Value), string(pe.Stack)
	case errors.As(err, &te):
		w.Kind, w.Timeout = "timeout", te.Timeout
	case errors.Is(err, ErrUnknownTask):
		w.Kind = "unknown"
	case errors.Is(err, context.Canceled):
		w.Kind = "cancelled"
	}
	b, _ := json.Marshal(w) // a struct of strings and ints always marshals
	return b
}

// unmarshalError decodes an error written by marshalError: package
// backend's UnmarshalError.
func unmarshalError(data []byte) error {
	var w wireError
	if err := json.Unmarshal(data, &w); err != nil {
		return &RemoteError{Msg: string(data)}
	}
	var err error
	switch w.Kind {
	case "panic":
		err = &PanicError{Value: w.Msg, Stack: []byte(w.Stack)}
	case "timeout":
		err = &TimeoutError{Timeout: w.Timeout}
	case "unknown":
		err = &sentinelError{w.Msg, ErrUnknownTask}
	case "cancelled":
		err = &sentinelError{w.Msg, context.Canceled}
	case "init":
		return &InitError{Err: &RemoteError{Msg: w.Msg}}
	default:
		err = &RemoteError{Msg: w.Msg}
	}
	if w.Perm {
		err = Permanent(err)
	}
	return err
}

// sentinelError carries a remote error's text and the sentinel it matched
// on the far side.
type sentinelError struct {
	msg string
	err error
}

func (e *sentinelError) Error() string { return e.msg }
func (e *sentinelError) Unwrap() error { return e.err }
