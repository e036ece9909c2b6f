package proc_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/paralleltest"
	"github.com/fanout-dev/fanout/parallel/proc"
)

// TestClosureOnProcExecutorRefused checks that a closure given to an
// executor whose backend is worker processes is refused with
// ErrLocalClosure (Submit, TrySubmit, Map), never run in this process
// unseen, while named tasks go to the workers; with LocalClosures the
// closure runs here on purpose.
func TestClosureOnProcExecutorRefused(t *testing.T) {
	b := newTestBackend(t, proc.Config{Workers: 1})
	ex := parallel.New(parallel.Config{Workers: 1, Backend: b})
	defer ex.Close()
	ctx := t.Context()
	ran := false
	closure := func(context.Context) (int, error) { ran = true; return 1, nil }
	if _, err := parallel.Submit(ctx, ex, closure).Result(ctx); !errors.Is(err, parallel.ErrLocalClosure) {
		t.Errorf("Submit: %v, want ErrLocalClosure", err)
	}
	if err := parallel.TrySubmit(ctx, ex, closure).Err(); !errors.Is(err, parallel.ErrLocalClosure) {
		t.Errorf("TrySubmit: %v, want ErrLocalClosure", err)
	}
	var errs []error
	for f := range parallel.Map(ctx, ex, slices.Values([]int{1, 2, 3}), func(context.Context, int) (int, error) { ran = true; return 0, nil }, nil) {
		errs = append(errs, f.Err())
	}
	if len(errs) != 1 || !errors.Is(errs[0], parallel.ErrLocalClosure) {
		t.Errorf("Map: errors %v, want one ErrLocalClosure", errs)
	}
	if ran {
		t.Error("a refused closure ran")
	}
	if n, err := parallel.Call(ctx, ex, tasks.square, 7).Result(ctx); err != nil || n != 49 {
		t.Errorf("Call(square, 7) = %d, %v; want 49 from a worker", n, err)
	}
	local := parallel.New(parallel.Config{Workers: 1, Backend: b, LocalClosures: true})
	defer local.Close()
	if n, err := parallel.Submit(ctx, local, closure).Result(ctx); err != nil || n != 1 || !ran {
		t.Errorf("Submit with LocalClosures = %d, %v (ran %v); want 1 run here", n, err, ran)
	}
}

// TestForgottenServeIfWorker builds and runs a real program that forgets
// proc.ServeIfWorker: its worker runs main, whose proc.New refuses with
// ErrNotServing instead of starting workers of its own, so the task fails
// at once with an error that says what to do, and no process tree grows
// (the worker's own start timeout of 20 s is never reached).
func TestForgottenServeIfWorker(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("needs the go command to build the test program: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "forgetful")
	if out, err := exec.Command(goBin, "build", "-o", bin, "./testdata/forgetful").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	start := time.Now()
	out, err := exec.Command(bin).CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1 (the task failed); output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "call proc.ServeIfWorker(registry) at the top of main") {
		t.Errorf("the error does not say what to do:\n%s", out)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v: the worker was waited for, not refused", d)
	}
}

// TestStartTask runs a registered task in a child process of its own with
// typed input and output, and a failing one whose error comes back.
func TestStartTask(t *testing.T) {
	p, err := proc.StartTask(t.Context(), proc.Config{}, tasks.square, 12)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := p.Join(t.Context()); err != nil || n != 144 {
		t.Errorf("Join = %d, %v; want 144", n, err)
	}
	if p.Pid() <= 0 || p.Alive() || p.ExitCode() != 0 {
		t.Errorf("pid %d, alive %v, exit %d; want a child that exited 0", p.Pid(), p.Alive(), p.ExitCode())
	}
	q, err := proc.StartTask(t.Context(), proc.Config{}, tasks.exit, 3)
	if err != nil {
		t.Fatal(err)
	}
	var crash *proc.CrashError
	if _, err := q.Join(t.Context()); !errors.As(err, &crash) || crash.ExitCode != 3 {
		t.Errorf("Join of a task that exits 3: %v, want a CrashError with exit status 3", err)
	}
}

// TestCollect gathers a Map over worker processes in order, and stops at
// the first error.
func TestCollect(t *testing.T) {
	b := newTestBackend(t, proc.Config{Workers: 2})
	ex := parallel.New(parallel.Config{Workers: 2, Backend: b})
	defer ex.Close()
	ctx := t.Context()
	got, err := parallel.Collect(ctx, parallel.MapCall(ctx, ex, tasks.square, slices.Values([]int{1, 2, 3, 4}), nil))
	if err != nil || !slices.Equal(got, []int{1, 4, 9, 16}) {
		t.Errorf("Collect = %v, %v; want [1 4 9 16]", got, err)
	}
	got, err = parallel.Collect(ctx, parallel.MapCall(ctx, ex, tasks.exit, slices.Values([]int{0, 5}), nil))
	var crash *proc.CrashError
	if !errors.As(err, &crash) {
		t.Errorf("Collect over failing tasks = %v, %v; want the first CrashError", got, err)
	}
}

// TestInit checks the registry's initializer in worker processes: it runs
// once in each worker, before its first task (the pids it logs are those
// of the workers that ran tasks, each once).
func TestInit(t *testing.T) {
	log := filepath.Join(t.TempDir(), "init.log")
	b := newTestBackend(t, proc.Config{Workers: 2, Env: append(os.Environ(), "PROC_TEST_INIT_LOG="+log)})
	ex := parallel.New(parallel.Config{Workers: 2, Backend: b})
	defer ex.Close()
	ctx := t.Context()
	pids, err := parallel.Collect(ctx, parallel.MapCall(ctx, ex, tasks.pid, slices.Values(make([]int, 12)), nil))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	inits := strings.Fields(string(data))
	workers := map[string]bool{}
	for _, p := range pids {
		workers[strconv.Itoa(p)] = true
	}
	if len(inits) != len(workers) {
		t.Errorf("initializer ran %d times (%v) for %d workers (%v)", len(inits), inits, len(workers), workers)
	}
	for _, p := range inits {
		if !workers[p] {
			t.Errorf("initializer ran in %s, which ran no task", p)
		}
	}
}

// TestInitFails checks that when the initializer fails in a worker, the
// task gets an InitError with the initializer's message, permanent, at
// once.
func TestInitFails(t *testing.T) {
	ctx := t.Context()
	bad := newTestBackend(t, proc.Config{Workers: 1, Env: append(os.Environ(), "PROC_TEST_INIT=fail")})
	exBad := parallel.New(parallel.Config{Workers: 1, Backend: bad})
	defer exBad.Close()
	_, err := parallel.Call(ctx, exBad, tasks.square, 2).Result(ctx)
	var ie *parallel.InitError
	if !errors.As(err, &ie) || !errors.Is(err, parallel.ErrPermanent) || !strings.Contains(err.Error(), "model file not found") {
		t.Errorf("Call on a worker whose initializer fails: %v, want a permanent InitError naming the cause", err)
	}
}

// TestMapChunks checks MapCall's chunks over worker processes: every
// input's own output, in input order, with explicit chunks of 7 and
// automatic ones; a failing member fails alone; breaking out of the loop
// stops the chunks in flight.
func TestMapChunks(t *testing.T) {
	b := newTestBackend(t, proc.Config{Workers: 2})
	ex := parallel.New(parallel.Config{Workers: 2, Backend: b})
	defer ex.Close()
	ctx := t.Context()
	in := make([]int, 1000)
	for i := range in {
		in[i] = i
	}
	for _, tc := range []struct{ chunk, minTrips, maxTrips int }{{7, 143, 143}, {0, 2, 100}, {1, 1000, 1000}} {
		chunk := tc.chunk
		before := ex.Stats().Submitted
		got, err := parallel.Collect(ctx, parallel.MapCall(ctx, ex, tasks.square, slices.Values(in), &parallel.MapOptions{Chunk: chunk}))
		if err != nil || len(got) != len(in) {
			t.Fatalf("chunk %d: %d results, %v", chunk, len(got), err)
		}
		if trips := int(ex.Stats().Submitted - before); trips < tc.minTrips || trips > tc.maxTrips {
			t.Errorf("chunk %d: %d round trips for %d inputs, want %d to %d", chunk, trips, len(in), tc.minTrips, tc.maxTrips)
		} else {
			t.Logf("chunk %d: %d round trips for %d inputs", chunk, trips, len(in))
		}
		for i, v := range got {
			if v != i*i {
				t.Fatalf("chunk %d: result %d is %d, want %d", chunk, i, v, i*i)
			}
		}
	}
	// Members that fail: each gets its own error, in order.
	fail := parallel.Register(new(parallel.Registry), paralleltest.Fail, nil, func(context.Context, string) (string, error) { return "", nil })
	var msgs []string
	for f := range parallel.MapCall(ctx, ex, fail, slices.Values([]string{"a", "b", "c", "d", "e"}), &parallel.MapOptions{Chunk: 2}) {
		if err := f.Err(); err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if !slices.Equal(msgs, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("member errors %q, want each input's own, in order", msgs)
	}
	// A member that panics fails alone, with a PanicError; the worker lives.
	boom := parallel.Register(new(parallel.Registry), paralleltest.Panic, nil, func(context.Context, string) (string, error) { return "", nil })
	for f := range parallel.MapCall(ctx, ex, boom, slices.Values([]string{"x", "y"}), &parallel.MapOptions{Chunk: 2}) {
		var pe *parallel.PanicError
		if err := f.Err(); !errors.As(err, &pe) {
			t.Errorf("panicking member: %v, want a PanicError", err)
		}
	}
	if got, err := parallel.Collect(ctx, parallel.MapCall(ctx, ex, tasks.square, slices.Values([]int{3}), &parallel.MapOptions{Chunk: 2})); err != nil || !slices.Equal(got, []int{9}) {
		t.Errorf("after the panics: %v, %v", got, err)
	}
	// Breaking out: the map stops and leaves no task running.
	n := 0
	for f := range parallel.MapCall(ctx, ex, tasks.square, slices.Values(in), &parallel.MapOptions{Chunk: 10}) {
		if _, err := f.Result(ctx); err != nil {
			t.Fatal(err)
		}
		if n++; n == 25 {
			break
		}
	}
	if s := ex.Stats(); s.Running != 0 {
		t.Errorf("%d tasks running after the loop ended", s.Running)
	}
}
