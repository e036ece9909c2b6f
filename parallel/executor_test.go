package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/backend"
	"github.com/fanout-dev/fanout/parallel/paralleltest"
)

// newTestExecutor returns an executor that is closed when the test ends.
func newTestExecutor(t testing.TB, cfg parallel.Config) *parallel.Executor {
	t.Helper()
	ex := parallel.New(cfg)
	t.Cleanup(func() { ex.Close() })
	return ex
}

// blocker returns a task that signals started and returns when release is
// closed (ignoring its ctx), plus the two channels.
func blocker() (func(context.Context) (int, error), chan struct{}, chan struct{}) {
	started, release := make(chan struct{}), make(chan struct{})
	return func(context.Context) (int, error) {
		close(started)
		<-release
		return 1, nil
	}, started, release
}

func TestConformanceLocal(t *testing.T) {
	paralleltest.TestBackend(t, func(t *testing.T) parallel.Backend {
		r := new(parallel.Registry)
		paralleltest.Register(r)
		return &backend.Local{Registry: r}
	})
}

func TestSubmitResults(t *testing.T) {
	ex := newTestExecutor(t, parallel.Config{Workers: 4})
	ctx := t.Context()
	var fs []*parallel.Future[string]
	for i := range 100 {
		fs = append(fs, parallel.Submit(ctx, ex, func(context.Context) (string, error) {
			return fmt.Sprint(i), nil
		}))
	}
	for i, f := range fs {
		select {
		case <-f.Done():
		case <-time.After(time.Minute):
			t.Fatalf("future %d not done", i)
		}
		if got, err := f.Result(ctx); err != nil || got != fmt.Sprint(i) {
			t.Errorf("future %d = %q, %v; want %q, nil", i, got, err, fmt.Sprint(i))
		}
		if f.State() != parallel.Succeeded {
			t.Errorf("future %d state = %v, want succeeded", i, f.State())
		}
	}
}

func TestZeroExecutor(t *testing.T) {
	var ex parallel.Executor
	defer ex.Close()
	if s := ex.Stats(); s.WorkersStarted != 0 {
		t.Errorf("workers before the first task = %d, want 0", s.WorkersStarted)
	}
	ctx := t.Context()
	if v, err := parallel.Submit(ctx, &ex, func(context.Context) (int, error) { return 7, nil }).Result(ctx); v != 7 || err != nil {
		t.Errorf("Result = %d, %v; want 7, nil", v, err)
	}
	if got, want := ex.Stats().Workers, runtime.GOMAXPROCS(0); got != want {
		t.Errorf("workers = %d, want GOMAXPROCS = %d", got, want)
	}
	if got := ex.Stats().WorkersStarted; got != 1 {
		t.Errorf("worker goroutines after one task = %d, want 1 (they start as tasks arrive)", got)
	}
}

func TestResultWaitBoundedByCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ex := parallel.New(parallel.Config{Workers: 1})
		defer ex.Close()
		task, _, release := blocker()
		f := parallel.Submit(t.Context(), ex, task)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if _, err := f.Result(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Result with an expired ctx: error = %v, want DeadlineExceeded", err)
		}
		if f.State() != parallel.Running {
			t.Errorf("state after a bounded wait = %v, want running (the wait must not cancel)", f.State())
		}
		close(release)
		if v, err := f.Result(t.Context()); v != 1 || err != nil {
			t.Errorf("Result = %d, %v; want 1, nil", v, err)
		}
	})
}

func TestPanicLeavesOthersUnharmed(t *testing.T) {
	ex := newTestExecutor(t, parallel.Config{Workers: 2})
	ctx := t.Context()
	var fs []*parallel.Future[int]
	for i := range 20 {
		fs = append(fs, parallel.Submit(ctx, ex, func(context.Context) (int, error) {
			if i == 7 {
				panic(fmt.Sprintf("task %d exploded", i))
			}
			return i, nil
		}))
	}
	for i, f := range fs {
		v, err := f.Result(ctx)
		if i != 7 {
			if v != i || err != nil {
				t.Errorf("task %d = %d, %v; want %d, nil", i, v, err, i)
			}
			continue
		}
		var pe *parallel.PanicError
		if !errors.As(err, &pe) {
			t.Fatalf("panicking task error = %v, want *PanicError", err)
		}
		if pe.Value != "task 7 exploded" || !strings.Contains(string(pe.Stack), "executor_test.go") {
			t.Errorf("PanicError = {%v, stack %d bytes}, want the value and a stack naming the test file", pe.Value, len(pe.Stack))
		}
		if f.State() != parallel.Failed {
			t.Errorf("panicked task state = %v, want failed", f.State())
		}
	}
	ex.Close()
	if s := ex.Stats(); s.Panicked != 1 || s.Failed != 1 || s.Succeeded != 19 {
		t.Errorf("stats = %+v, want 1 panicked (counted in failed) and 19 succeeded", s)
	}
}

func TestCancelQueuedNeverRuns(t *testing.T) {
	ex := newTestExecutor(t, parallel.Config{Workers: 1})
	ctx := t.Context()
	task, started, release := blocker()
	first := parallel.Submit(ctx, ex, task)
	<-started
	var ran atomic.Bool
	second := parallel.Submit(ctx, ex, func(context.Context) (int, error) { ran.Store(true); return 2, nil })
	if second.State() != parallel.Queued {
		t.Fatalf("second task state = %v, want queued", second.State())
	}
	if !second.Cancel() {
		t.Error("Cancel of a queued task = false, want true")
	}
	// The future completes at once, while the worker is still busy.
	if _, err := second.Result(ctx); !errors.Is(err, parallel.ErrCancelled) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled task error = %v, want ErrCancelled", err)
	}
	if second.State() != parallel.Cancelled {
		t.Errorf("state = %v, want cancelled", second.State())
	}
	if second.Cancel() {
		t.Error("second Cancel = true, want false")
	}
	close(release)
	first.Result(ctx)
	ex.Close()
	if ran.Load() {
		t.Error("a task cancelled while queued ran")
	}
	if s := ex.Stats(); s.Cancelled != 1 || s.Queued != 0 || s.Running != 0 {
		t.Errorf("stats = %+v, want 1 cancelled, nothing queued or running", s)
	}
}

func TestCancelRunning(t *testing.T) {
	tests := []struct {
		name    string
		ret     func(ctx context.Context) error
		want    parallel.State
		wantErr func(error) bool
	}{
		{"returns ctx.Err", func(ctx context.Context) error { return ctx.Err() }, parallel.Cancelled,
			func(err error) bool { return errors.Is(err, parallel.ErrCancelled) }},
		{"returns context.Cause", func(ctx context.Context) error { return context.Cause(ctx) }, parallel.Cancelled,
			func(err error) bool { return errors.Is(err, parallel.ErrCancelled) }},
		{"wraps ctx.Err", func(ctx context.Context) error { return fmt.Errorf("fetch: %w", ctx.Err()) }, parallel.Cancelled,
			func(err error) bool {
				return errors.Is(err, context.Canceled) && strings.HasPrefix(err.Error(), "fetch: ")
			}},
		{"succeeds anyway", func(ctx context.Context) error { return nil }, parallel.Succeeded,
			func(err error) bool { return err == nil }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := newTestExecutor(t, parallel.Config{Workers: 1})
			started := make(chan struct{})
			f := parallel.Submit(t.Context(), ex, func(ctx context.Context) (int, error) {
				close(started)
				<-ctx.Done()
				return 5, tc.ret(ctx)
			})
			<-started
			if !f.Cancel() {
				t.Error("Cancel of a running task = false, want true")
			}
			_, err := f.Result(t.Context())
			if !tc.wantErr(err) || f.State() != tc.want {
				t.Errorf("after Cancel: %v, %v; want state %v", f.State(), err, tc.want)
			}
		})
	}
}

func TestCancelBeforeTaskLooksAtCtx(t *testing.T) {
	// The task's context is made lazily; a cancel that comes first must
	// still be seen.
	ex := newTestExecutor(t, parallel.Config{Workers: 1})
	started, proceed := make(chan struct{}), make(chan struct{})
	f := parallel.Submit(t.Context(), ex, func(ctx context.Context) (int, error) {
		close(started)
		<-proceed
		<-ctx.Done()
		return 0, context.Cause(ctx)
	})
	<-started
	f.Cancel()
	close(proceed)
	if _, err := f.Result(t.Context()); !errors.Is(err, parallel.ErrCancelled) {
		t.Errorf("error = %v, want ErrCancelled", err)
	}
}

func TestTaskContext(t *testing.T) {
	type key struct{}
	ex := newTestExecutor(t, parallel.Config{Workers: 1})
	ctx := context.WithValue(t.Context(), key{}, "value")
	started := make(chan struct{})
	f := parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) {
		child, cancel := context.WithCancel(ctx) // derived contexts see the cancel
		defer cancel()
		close(started)
		<-child.Done()
		return ctx.Value(key{}).(string), context.Cause(child)
	})
	<-started
	f.Cancel()
	v, err := f.Result(t.Context())
	if v != "value" || !errors.Is(err, parallel.ErrCancelled) {
		t.Errorf("Result = %q, %v; want the submit ctx's value and ErrCancelled", v, err)
	}
}

func TestSubmitCtxDoneBeforeStart(t *testing.T) {
	ex := newTestExecutor(t, parallel.Config{Workers: 1})
	task, started, release := blocker()
	parallel.Submit(t.Context(), ex, task)
	<-started
	cause := errors.New("caller gave up")
	ctx, cancel := context.WithCancelCause(t.Context())
	var ran atomic.Bool
	f := parallel.Submit(ctx, ex, func(context.Context) (int, error) { ran.Store(true); return 0, nil })
	cancel(cause)
	close(release)
	if _, err := f.Result(t.Context()); !errors.Is(err, cause) || f.State() != parallel.Cancelled {
		t.Errorf("task whose ctx ended while queued: %v, %v; want cancelled with the ctx's cause", f.State(), err)
	}
	if ran.Load() {
		t.Error("task whose ctx ended while queued ran")
	}
}

func TestRunTimeout(t *testing.T) {
	tests := []struct {
		name string
		ret  func(ctx context.Context) error
	}{
		{"returns ctx.Err", func(ctx context.Context) error { return ctx.Err() }},
		{"returns context.Cause", func(ctx context.Context) error { return context.Cause(ctx) }},
		{"wraps ctx.Err", func(ctx context.Context) error { return fmt.Errorf("fetch: %w", ctx.Err()) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ex := parallel.New(parallel.Config{Workers: 1, RunTimeout: 3 * time.Second})
				defer ex.Close()
				start := time.Now()
				var deadline time.Time
				f := parallel.Submit(t.Context(), ex, func(ctx context.Context) (int, error) {
					deadline, _ = ctx.Deadline()
					<-ctx.Done()
					return 0, tc.ret(ctx)
				})
				_, err := f.Result(t.Context())
				var te *parallel.TimeoutError
				if !errors.As(err, &te) || te.Timeout != 3*time.Second || !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("error = %v, want a *TimeoutError of 3s", err)
				}
				if !strings.Contains(err.Error(), "timed out after 3s") {
					t.Errorf("error text %q does not say the timeout fired", err)
				}
				if got := time.Since(start); got != 3*time.Second {
					t.Errorf("task stopped after %v, want 3s", got)
				}
				if want := start.Add(3 * time.Second); !deadline.Equal(want) {
					t.Errorf("ctx.Deadline() = %v, want %v", deadline, want)
				}
				if s := ex.Stats(); s.TimedOut != 1 || s.Failed != 1 {
					t.Errorf("stats = %+v, want 1 timed out, 1 failed", s)
				}
			})
		})
	}
}

func TestRunTimeoutFinishedInTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ex := parallel.New(parallel.Config{Workers: 1, RunTimeout: time.Second})
		defer ex.Close()
		f := parallel.Submit(t.Context(), ex, func(ctx context.Context) (int, error) {
			select {
			case <-time.After(500 * time.Millisecond):
				return 1, nil
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		})
		if v, err := f.Result(t.Context()); v != 1 || err != nil {
			t.Errorf("Result = %d, %v; want 1, nil", v, err)
		}
	})
}

func TestTrySubmitFullQueue(t *testing.T) {
	ex := newTestExecutor(t, parallel.Config{Workers: 1, QueueSize: 2})
	ctx := t.Context()
	task, started, release := blocker()
	defer close(release)
	parallel.Submit(ctx, ex, task)
	<-started
	for i := range 2 {
		if f := parallel.TrySubmit(ctx, ex, func(context.Context) (int, error) { return i, nil }); f.State() != parallel.Queued {
			t.Fatalf("TrySubmit %d with room in the queue: %v, %v", i, f.State(), f.Err())
		}
	}
	f := parallel.TrySubmit(ctx, ex, func(context.Context) (int, error) { return 0, nil })
	if err := f.Err(); !errors.Is(err, parallel.ErrQueueFull) || f.State() != parallel.Failed {
		t.Errorf("TrySubmit on a full queue = %v, %v; want failed with ErrQueueFull", f.State(), err)
	}
	if s := ex.Stats(); s.Queued != 2 || s.Running != 1 || s.Rejected != 1 {
		t.Errorf("stats = %+v, want 2 queued, 1 running, 1 rejected", s)
	}
}

// With no waiting room (QueueSize < 0), a task goes straight to a free
// worker, and a worker that has yet to start is free: TrySubmit used to
// fail with ErrQueueFull on a new executor, its workers not yet started.
func TestTrySubmitNoQueueStartsWorkers(t *testing.T) {
	const workers = 3
	ex := newTestExecutor(t, parallel.Config{Workers: workers, QueueSize: -1})
	ctx := t.Context()
	release := make(chan struct{})
	defer close(release)
	for i := range workers {
		started := make(chan struct{})
		f := parallel.TrySubmit(ctx, ex, func(context.Context) (int, error) {
			close(started)
			<-release
			return i, nil
		})
		if err := f.Err(); err != nil {
			t.Fatalf("TrySubmit %d with %d of %d workers busy: %v", i, i, workers, err)
		}
		<-started
	}
	if err := parallel.TrySubmit(ctx, ex, func(context.Context) (int, error) { return 0, nil }).Err(); !errors.Is(err, parallel.ErrQueueFull) {
		t.Errorf("TrySubmit with every worker busy and no queue = %v, want ErrQueueFull", err)
	}
}

func TestSubmitBlocksOnFullQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ex := parallel.New(parallel.Config{Workers: 1, QueueSize: -1})
		defer ex.Close()
		task, started, release := blocker()
		parallel.Submit(t.Context(), ex, task)
		<-started
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		start := time.Now()
		f := parallel.Submit(ctx, ex, func(context.Context) (int, error) { return 0, nil })
		if _, err := f.Result(t.Context()); !errors.Is(err, context.DeadlineExceeded) || f.State() != parallel.Cancelled {
			t.Errorf("Submit with no room until its ctx ended: %v, %v; want cancelled with DeadlineExceeded", f.State(), err)
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("Submit waited %v, want 2s (until its ctx ended)", got)
		}
		close(release)
	})
}

func TestCloseUnused(t *testing.T) {
	for _, ex := range []*parallel.Executor{parallel.New(parallel.Config{}), new(parallel.Executor)} {
		if err := ex.Close(); err != nil {
			t.Errorf("Close of an executor that never ran a task: %v", err)
		}
		if err := ex.Shutdown(t.Context(), parallel.CancelAll); err != nil {
			t.Errorf("Shutdown after Close: %v", err)
		}
	}
}

func TestManyWorkersStartAsNeeded(t *testing.T) {
	ex := newTestExecutor(t, parallel.Config{Workers: 1000})
	for f := range parallel.Map(t.Context(), ex, slices.Values([]int{1, 2, 3}), func(_ context.Context, i int) (int, error) { return i, nil }, nil) {
		f.Result(t.Context())
	}
	if s := ex.Stats(); s.Workers != 1000 || s.WorkersStarted > 3 {
		t.Errorf("after 3 tasks: %d workers allowed, %d started; want 1000 allowed, at most 3 started", s.Workers, s.WorkersStarted)
	}
}

// A worker limit past what an int32 holds once truncated to zero or a
// negative number, so that no worker ever started and tasks stayed queued.
func TestHugeWorkerLimit(t *testing.T) {
	for _, workers := range []int{math.MaxInt, math.MaxInt/2 + 1} {
		ex := newTestExecutor(t, parallel.Config{Workers: workers})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		v, err := parallel.Submit(ctx, ex, func(context.Context) (int, error) { return 42, nil }).Result(ctx)
		cancel()
		if v != 42 || err != nil {
			t.Errorf("Workers %d: Submit(42).Result = %d, %v; want 42, nil", workers, v, err)
		}
		if got, want := ex.Stats().Workers, min(workers, math.MaxInt32); got != want {
			t.Errorf("Workers %d: Stats().Workers = %d, want %d", workers, got, want)
		}
	}
}

func TestNoGoroutineLeftAfterClose(t *testing.T) {
	before := runtime.NumGoroutine()
	ex := parallel.New(parallel.Config{Workers: 8})
	naturals := func(yield func(int) bool) {
		for i := 0; yield(i); i++ {
		}
	}
	n := 0
	for f := range parallel.Map(t.Context(), ex, naturals, func(ctx context.Context, i int) (int, error) { return i, nil }, nil) {
		f.Result(t.Context())
		if n++; n == 1000 {
			break
		}
	}
	ex.Close()
	// A worker that has signalled its exit may still be returning (on a
	// busy machine its thread may not run for a while): give such
	// goroutines the processor, as goleak does, before giving up.
	after := runtime.NumGoroutine()
	for deadline := time.Now().Add(10 * time.Second); after > before && time.Now().Before(deadline); {
		runtime.Gosched()
		after = runtime.NumGoroutine()
	}
	if after > before {
		t.Errorf("%d goroutines after Close, %d before", after, before)
	}
}

func TestSubmitAfterClose(t *testing.T) {
	ex := parallel.New(parallel.Config{})
	ex.Close()
	ctx := t.Context()
	f := parallel.Submit(ctx, ex, func(context.Context) (int, error) { return 1, nil })
	if _, err := f.Result(ctx); !errors.Is(err, parallel.ErrClosed) || f.State() != parallel.Failed {
		t.Errorf("Submit after Close: %v, %v; want failed with ErrClosed", f.State(), err)
	}
	if err := parallel.TrySubmit(ctx, ex, func(context.Context) (int, error) { return 1, nil }).Err(); !errors.Is(err, parallel.ErrClosed) {
		t.Errorf("TrySubmit after Close: %v, want ErrClosed", err)
	}
	var r parallel.Registry
	task := parallel.Register(&r, "one", nil, func(context.Context, int) (int, error) { return 1, nil })
	if _, err := parallel.Call(ctx, ex, task, 0).Result(ctx); !errors.Is(err, parallel.ErrClosed) {
		t.Errorf("Call after Close: %v, want ErrClosed", err)
	}
	if err := ex.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestSubmitBlockedWhenClosed(t *testing.T) {
	ex := parallel.New(parallel.Config{Workers: 1, QueueSize: -1})
	task, started, release := blocker()
	parallel.Submit(t.Context(), ex, task)
	<-started
	got := make(chan *parallel.Future[int])
	go func() {
		got <- parallel.Submit(t.Context(), ex, func(context.Context) (int, error) { return 0, nil })
	}()
	shut := make(chan error)
	go func() { shut <- ex.Shutdown(t.Context(), parallel.Drain) }()
	f := <-got // the blocked Submit gives up when the shutdown starts
	if _, err := f.Result(t.Context()); !errors.Is(err, parallel.ErrClosed) {
		t.Errorf("Submit blocked during shutdown: %v, want ErrClosed", err)
	}
	close(release)
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	ex.Close()
}

// TestNilArguments checks that each entry point refuses a nil context,
// executor, function or task with a panic that names the entry point and
// the argument: programming errors, as the standard library treats a nil
// context, not conditions to handle at run time.
func TestNilArguments(t *testing.T) {
	ctx := t.Context()
	ex := newTestExecutor(t, parallel.Config{})
	var r parallel.Registry
	task := parallel.Register(&r, "one", nil, func(context.Context, int) (int, error) { return 1, nil })
	one := func(context.Context) (int, error) { return 1, nil }
	square := func(_ context.Context, n int) (int, error) { return n * n, nil }
	var nilCtx context.Context
	f := parallel.Submit(ctx, ex, one)
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"Submit nil ctx", func() { parallel.Submit(nilCtx, ex, one) }, "Submit with a nil context"},
		{"Submit nil executor", func() { parallel.Submit(ctx, nil, one) }, "Submit with a nil *Executor"},
		{"Submit nil function", func() { parallel.Submit[int](ctx, ex, nil) }, "Submit with a nil function"},
		{"TrySubmit nil executor", func() { parallel.TrySubmit(ctx, nil, one) }, "TrySubmit with a nil *Executor"},
		{"Call nil task", func() { parallel.Call[int, int](ctx, ex, nil, 1) }, "Call with a nil task"},
		{"Call nil ctx", func() { parallel.Call(nilCtx, ex, task, 1) }, "Call with a nil context"},
		{"Map nil executor", func() { parallel.Map(ctx, nil, slices.Values([]int{1}), square, nil) }, "Map with a nil *Executor"},
		{"MapCall nil ctx", func() { parallel.MapCall(nilCtx, ex, task, slices.Values([]int{1}), nil) }, "MapCall with a nil context"},
		{"Result nil ctx", func() { _, _ = f.Result(nilCtx) }, "Result with a nil context"},
		{"Wait nil ctx", func() { _, _, _ = parallel.Wait(nilCtx, []*parallel.Future[int]{f}, parallel.WaitAll) }, "Wait with a nil context"},
		{"AsCompleted nil ctx", func() { parallel.AsCompleted(nilCtx, []*parallel.Future[int]{f}) }, "AsCompleted with a nil context"},
		{"Shutdown nil ctx", func() { _ = ex.Shutdown(nilCtx, parallel.Drain) }, "Shutdown with a nil context"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				p := recover()
				if s, _ := p.(string); !strings.Contains(s, tc.want) {
					t.Errorf("panic %v, want one saying %q", p, tc.want)
				}
			}()
			tc.call()
		})
	}
}

func TestShutdownModes(t *testing.T) {
	tests := []struct {
		name        string
		mode        parallel.ShutdownMode
		wantQueued  parallel.State // the state of the tasks queued at shutdown
		wantRunning parallel.State // the state of the task running at shutdown
	}{
		{"drain", parallel.Drain, parallel.Succeeded, parallel.Succeeded},
		{"cancel-queued", parallel.CancelQueued, parallel.Cancelled, parallel.Succeeded},
		{"cancel-all", parallel.CancelAll, parallel.Cancelled, parallel.Cancelled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := parallel.New(parallel.Config{Workers: 1})
			ctx := t.Context()
			started, release := make(chan struct{}), make(chan struct{})
			running := parallel.Submit(ctx, ex, func(ctx context.Context) (int, error) {
				close(started)
				select {
				case <-release:
					return 1, nil
				case <-ctx.Done():
					return 0, ctx.Err()
				}
			})
			<-started
			var queued []*parallel.Future[int]
			for i := range 5 {
				queued = append(queued, parallel.Submit(ctx, ex, func(context.Context) (int, error) { return i, nil }))
			}
			shut := make(chan error)
			go func() { shut <- ex.Shutdown(ctx, tc.mode) }()
			if tc.wantQueued == parallel.Cancelled {
				// Shutdown completes the queued tasks at once, while
				// the running one goes on.
				for _, f := range queued {
					<-f.Done()
				}
			}
			if tc.wantRunning == parallel.Succeeded {
				close(release)
			}
			if err := <-shut; err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			if _, err := running.Result(ctx); running.State() != tc.wantRunning ||
				(tc.wantRunning == parallel.Cancelled && !errors.Is(err, parallel.ErrClosed)) {
				t.Errorf("running task: %v, %v; want %v", running.State(), err, tc.wantRunning)
			}
			for i, f := range queued {
				_, err := f.Result(ctx)
				if f.State() != tc.wantQueued || (tc.wantQueued == parallel.Cancelled && !errors.Is(err, parallel.ErrClosed)) {
					t.Errorf("queued task %d: %v, %v; want %v", i, f.State(), err, tc.wantQueued)
				}
			}
			ex.Close()
		})
	}
}

func TestShutdownBoundedByCtx(t *testing.T) {
	ex := parallel.New(parallel.Config{Workers: 1})
	task, started, release := blocker() // ignores its ctx
	parallel.Submit(t.Context(), ex, task)
	<-started
	queued := parallel.Submit(t.Context(), ex, func(context.Context) (int, error) { return 0, nil })
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := ex.Shutdown(ctx, parallel.Drain); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown with an ended ctx = %v, want context.Canceled", err)
	}
	close(release)
	ex.Close()
	if _, err := queued.Result(t.Context()); !errors.Is(err, parallel.ErrClosed) {
		t.Errorf("queued task after an escalated shutdown: %v, want ErrClosed", err)
	}
}

func TestOnDone(t *testing.T) {
	ex := newTestExecutor(t, parallel.Config{Workers: 1})
	task, started, release := blocker()
	f := parallel.Submit(t.Context(), ex, task)
	<-started
	var mu sync.Mutex
	var calls []string
	for _, name := range []string{"first", "second"} {
		f.OnDone(func(g *parallel.Future[int]) {
			if g != f {
				t.Error("callback got another future")
			}
			mu.Lock()
			calls = append(calls, name)
			mu.Unlock()
		})
	}
	close(release)
	f.Result(t.Context())
	ex.Close() // the callbacks ran on the worker before it exited
	f.OnDone(func(*parallel.Future[int]) { calls = append(calls, "late") })
	if got := strings.Join(calls, ","); got != "first,second,late" {
		t.Errorf("callbacks ran as %q, want first,second,late", got)
	}
}

func TestStateString(t *testing.T) {
	tests := []struct {
		s    parallel.State
		want string
	}{
		{parallel.Queued, "queued"}, {parallel.Running, "running"}, {parallel.Succeeded, "succeeded"},
		{parallel.Failed, "failed"}, {parallel.Cancelled, "cancelled"}, {parallel.State(12), "State(12)"},
	}
	for _, tc := range tests {
		if got := tc.s.String(); got != tc.want {
			t.Errorf("State(%d).String() = %q, want %q", int(tc.s), got, tc.want)
		}
	}
}

func TestCallInProcessSkipsEncoding(t *testing.T) {
	// A channel cannot be encoded: this works only if Call without a
	// Backend calls the function directly.
	var r parallel.Registry
	task := parallel.Register(&r, "chan", nil, func(_ context.Context, c chan int) (chan int, error) { return c, nil })
	ex := newTestExecutor(t, parallel.Config{})
	c := make(chan int)
	got, err := parallel.Call(t.Context(), ex, task, c).Result(t.Context())
	if err != nil || got != c {
		t.Errorf("Call in-process = %v, %v; want the same channel", got, err)
	}
	// Through a Backend the input must be encoded, and that fails clearly.
	ex2 := newTestExecutor(t, parallel.Config{Backend: &backend.Local{Registry: &r}})
	_, err = parallel.Call(t.Context(), ex2, task, c).Result(t.Context())
	if !errors.Is(err, parallel.ErrPermanent) || !strings.Contains(err.Error(), "task chan: encode input") {
		t.Errorf("Call of an unencodable input through a Backend: %v, want a permanent encode error", err)
	}
}

func TestStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ex := parallel.New(parallel.Config{Workers: 2, RunTimeout: time.Hour})
		ctx := t.Context()
		for i := range 10 {
			parallel.Submit(ctx, ex, func(ctx context.Context) (int, error) {
				time.Sleep(time.Duration(i+1) * time.Second) // fake time inside the bubble
				switch i {
				case 0:
					return 0, errors.New("failed")
				case 1:
					panic("panicked")
				}
				return i, nil
			})
		}
		synctest.Wait()
		if s := ex.Stats(); s.Submitted != 10 || s.Running != 2 || s.Queued != 8 {
			t.Errorf("stats while running = %+v, want 10 submitted, 2 running, 8 queued", s)
		}
		ex.Close()
		s := ex.Stats()
		want := parallel.Stats{Workers: 2, WorkersStarted: 2, Submitted: 10, Succeeded: 8, Failed: 2, Panicked: 1}
		got := s
		got.QueueWait, got.Run = parallel.Latency{}, parallel.Latency{}
		if got != want {
			t.Errorf("stats = %+v, want %+v", got, want)
		}
		// Task i runs i+1 seconds of fake time, so the run figures are
		// exact: mean 5.5s, max 10s.
		if s.Run.Count != 10 || s.Run.Max != 10*time.Second || s.Run.Mean != 5500*time.Millisecond {
			t.Errorf("run latency = %+v, want 10 runs, max 10s, mean 5.5s", s.Run)
		}
		if s.QueueWait.Count != 10 || s.QueueWait.P50 == 0 || s.QueueWait.Max < s.QueueWait.P90 {
			t.Errorf("queue latency = %+v, want 10 waits with ordered quantiles", s.QueueWait)
		}
		if p := s.Run.P50; p < 4*time.Second || p > 6*time.Second {
			t.Errorf("run P50 = %v, want about 5s", p)
		}
	})
}

func TestSubmitCtxCancelledWhileRunning(t *testing.T) {
	ex := newTestExecutor(t, parallel.Config{Workers: 1})
	cause := errors.New("user pressed ctrl-c")
	ctx, cancel := context.WithCancelCause(t.Context())
	started := make(chan struct{})
	f := parallel.Submit(ctx, ex, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, ctx.Err()
	})
	<-started
	cancel(cause)
	if _, err := f.Result(t.Context()); !errors.Is(err, cause) || f.State() != parallel.Cancelled {
		t.Errorf("task whose submit ctx was cancelled: %v, %v; want cancelled with the cause", f.State(), err)
	}
}

func TestSubmitRacingShutdown(t *testing.T) {
	// Submitters, cancellers and a shutdown all at once: every future must
	// complete, with a result or with an error, and nothing may panic.
	for _, mode := range []parallel.ShutdownMode{parallel.Drain, parallel.CancelQueued, parallel.CancelAll} {
		t.Run(mode.String(), func(t *testing.T) {
			ex := parallel.New(parallel.Config{Workers: 3, QueueSize: 4})
			ctx := t.Context()
			release := make(chan struct{})
			var wg sync.WaitGroup
			futures := make(chan *parallel.Future[int], 4000)
			for g := range 4 {
				wg.Go(func() {
					for i := range 1000 {
						f := parallel.Submit(ctx, ex, func(ctx context.Context) (int, error) {
							if i%7 == 0 {
								select { // until cancelled, shut down or released
								case <-ctx.Done():
									return 0, ctx.Err()
								case <-release:
								}
							}
							return g*1000 + i, nil
						})
						if i%5 == 0 {
							f.Cancel()
						}
						futures <- f
					}
				})
			}
			shut := make(chan error, 1)
			go func() { shut <- ex.Shutdown(ctx, mode) }()
			wg.Wait()
			close(release)
			if err := <-shut; err != nil {
				t.Errorf("Shutdown(%v): %v", mode, err)
			}
			ex.Close()
			close(futures)
			for f := range futures {
				select {
				case <-f.Done():
				default:
					t.Fatalf("future in state %v not done after Close", f.State())
				}
			}
			if s := ex.Stats(); s.Queued != 0 || s.Running != 0 {
				t.Errorf("after Close: %+v, want nothing queued or running", s)
			}
		})
	}
}

func TestManyWaiters(t *testing.T) {
	// One goroutine waits on a pooled channel, the others on Done; a
	// bounded wait gives up without disturbing the rest.
	ex := newTestExecutor(t, parallel.Config{Workers: 1})
	task, started, release := blocker()
	f := parallel.Submit(t.Context(), ex, task)
	<-started
	var wg sync.WaitGroup
	var got atomic.Int64
	for range 20 {
		wg.Go(func() {
			if v, err := f.Result(t.Context()); err == nil {
				got.Add(int64(v))
			}
		})
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := f.Result(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Result with a cancelled ctx = %v, want context.Canceled", err)
	}
	close(release)
	wg.Wait()
	if got.Load() != 20 {
		t.Errorf("%d of 20 waiters got the result", got.Load())
	}
}
