package parallel

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Codec turns a task's input and output into bytes and back, so that the
// task can cross a process or machine boundary. [JSON] and [Gob] are
// provided.
//
// A Codec must be safe for concurrent use.
type Codec interface {
	// Marshal encodes v, a task's input or output.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes data into v, a pointer to a task's input or
	// output.
	Unmarshal(data []byte, v any) error
}

// JSON is the [Codec] of encoding/json: readable on the wire, and the
// default of [Register].
var JSON Codec = jsonCodec{}

// Gob is the [Codec] of encoding/gob: compact for byte slices and binary
// data, Go-only.
var Gob Codec = gobCodec{}

type jsonCodec struct{}

func (jsonCodec) Marshal(v any) ([]byte, error)      { return json.Marshal(v) }
func (jsonCodec) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

type gobCodec struct{}

func (gobCodec) Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (gobCodec) Unmarshal(data []byte, v any) error {
	return gob.NewDecoder(bytes.NewReader(data)).Decode(v)
}

// Registry maps task names to functions. Both sides of a process or machine
// boundary hold the same registry value: the submitter to name the task and
// encode its input, the worker to find the function and run it. A Registry
// is an explicit value, built by the program (never filled by init), so that
// what a worker can run is visible where it is made.
//
// The zero Registry is empty and ready to use. A Registry is safe for
// concurrent use; register every task before the first call runs.
type Registry struct {
	mu    sync.RWMutex
	tasks map[string]invoker // guarded by mu
	init  func(context.Context) error

	started sync.Once
	initErr error // of init, once started has run
}

// Init sets fn as the registry's initializer, Python's
// ProcessPoolExecutor(initializer=...): it runs once per worker process
// and per cluster worker before the first task there (to load a model or
// open a connection once, not per task), and once in this process before
// the first task [Call] runs here. If it fails, no task runs where it
// failed: they get an [*InitError] holding its error, the worker's
// failure, not theirs. Init panics if fn is nil or an initializer is
// already set: both are programming errors. Set it before the first task
// runs.
func (r *Registry) Init(fn func(context.Context) error) {
	if fn == nil {
		panic("parallel: Init with nil function")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.init != nil {
		panic("parallel: Init called twice")
	}
	r.init = fn
}

// Start runs the registry's initializer (see [Registry.Init]) if it has one
// and it has not run in this process, and returns its error, wrapped in an
// [*InitError], now and on every later call. A panic in it is a
// [*PanicError] inside the InitError. Workers call it before their first
// task.
func (r *Registry) Start(ctx context.Context) error {
	r.started.Do(func() {
		r.mu.RLock()
		fn := r.init
		r.mu.RUnlock()
		if fn == nil {
			return
		}
		if _, err := protect(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) }); err != nil {
			r.initErr = &InitError{Err: err}
		}
	})
	return r.initErr
}

// invoker runs a task on encoded input and returns encoded output, or a
// chunk of inputs (see MapConfig.Chunk).
type invoker interface {
	invoke(ctx context.Context, input []byte) ([]byte, error)
	invokeChunk(ctx context.Context, input []byte) ([]byte, error)
}

// Task is a named function registered in a [Registry]. Run it with [Call],
// which runs it in-process or on the executor's [Backend].
type Task[In, Out any] struct {
	name  string
	fn    func(context.Context, In) (Out, error)
	codec Codec
	reg   *Registry
}

// Register adds fn to r under name and returns the typed handle that call
// sites use. codec encodes the input and output when the task crosses a
// boundary; nil means [JSON]. Register panics if name is empty or already
// registered: both are programming errors.
func Register[In, Out any](r *Registry, name string, codec Codec, fn func(context.Context, In) (Out, error)) *Task[In, Out] {
	if name == "" || strings.HasPrefix(name, chunkPrefix) {
		panic("parallel: Register with empty task name, or one starting with " + chunkPrefix)
	}
	if fn == nil {
		panic("parallel: Register " + name + " with nil function")
	}
	if codec == nil {
		codec = JSON
	}
	t := &Task[In, Out]{name: name, fn: fn, codec: codec, reg: r}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.tasks[name]; dup {
		panic("parallel: task " + name + " registered twice")
	}
	if r.tasks == nil {
		r.tasks = make(map[string]invoker)
	}
	r.tasks[name] = t
	return t
}

// Name returns the name the task was registered under.
func (t *Task[In, Out]) Name() string { return t.name }

// Codec returns the codec that encodes the task's input and output.
func (t *Task[In, Out]) Codec() Codec { return t.codec }

// invoke decodes input, runs the function with panics turned into
// [*PanicError], and encodes the output. A decode error is permanent:
// sending the same bytes again cannot help.
func (t *Task[In, Out]) invoke(ctx context.Context, input []byte) ([]byte, error) {
	// The codec runs user code too (a custom Codec, a MarshalJSON method):
	// a panic there is a *PanicError like one in the task, not the death
	// of a worker process.
	in, err := protect(ctx, func(context.Context) (In, error) {
		var in In
		return in, t.codec.Unmarshal(input, &in)
	})
	if err != nil {
		return nil, Permanent(fmt.Errorf("parallel: task %s: decode input: %w", t.name, err))
	}
	out, err := protect(ctx, func(ctx context.Context) (Out, error) { return t.fn(ctx, in) })
	if err != nil {
		return nil, err
	}
	b, err := protect(ctx, func(context.Context) ([]byte, error) { return t.codec.Marshal(out) })
	if err != nil {
		return nil, Permanent(fmt.Errorf("parallel: task %s: encode output: %w", t.name, err))
	}
	return b, nil
}

// invoke runs the task registered as name on encoded input and returns its
// encoded output: the worker side of every [Backend], which package backend
// exports as Invoke (see its doc).
func (r *Registry) invoke(ctx context.Context, name string, input []byte) ([]byte, error) {
	task, chunked := isChunkName(name)
	if !chunked {
		task = name
	}
	r.mu.RLock()
	t, ok := r.tasks[task]
	r.mu.RUnlock()
	if !ok {
		return nil, Permanent(fmt.Errorf("%w: %q", ErrUnknownTask, task))
	}
	if chunked {
		return t.invokeChunk(ctx, input)
	}
	return t.invoke(ctx, input)
}

// Has reports whether a task is registered as name.
func (r *Registry) Has(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.tasks[name]
	return ok
}

// Names returns the registered task names in sorted order.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.tasks))
	for name := range r.tasks {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// protect calls f and turns a panic in it into a [*PanicError] holding the
// panic value and the stack. Every task's code runs through it.
func protect[T any](ctx context.Context, f func(context.Context) (T, error)) (v T, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = newPanicError(p)
		}
	}()
	return f(ctx)
}
