package paralleltest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/parallel"
)

// prompt is how long a cancelled or timed-out task may take to return. It
// is generous on purpose: it tells "stopped" from "ran to the end" (the
// sleeps are far longer), not fast from slow.
const prompt = 10 * time.Second

// TestBackend runs the backend contract against the backends newBackend
// returns. newBackend is called once per subtest; the Backend it returns
// must serve a registry that includes the tasks of [Register]. TestBackend
// closes each backend at the end of its subtest.
func TestBackend(t *testing.T, newBackend func(t *testing.T) parallel.Backend) {
	t.Helper()
	ts := submitSide()
	tests := []struct {
		name string
		cfg  parallel.Config
		run  func(t *testing.T, ex *parallel.Executor, ts *tasks, b parallel.Backend)
	}{
		{"results", parallel.Config{Workers: 8}, testResults},
		{"map-order", parallel.Config{Workers: 4}, testMapOrder},
		{"chunks", parallel.Config{Workers: 2}, testChunks},
		{"error-text", parallel.Config{}, testErrorText},
		{"panic", parallel.Config{}, testPanic},
		{"unknown-task", parallel.Config{}, testUnknown},
		{"run-timeout", parallel.Config{RunTimeout: 200 * time.Millisecond}, testRunTimeout},
		{"cancel-running", parallel.Config{Workers: 1}, testCancelRunning},
		{"large-payload", parallel.Config{Workers: 2}, testLargePayload},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBackend(t)
			if b == nil {
				t.Fatal("newBackend returned nil")
			}
			cfg := tc.cfg
			cfg.Backend = b
			ex := parallel.New(cfg)
			t.Cleanup(func() {
				if err := ex.Close(); err != nil {
					t.Errorf("Executor.Close: %v", err)
				}
				if err := b.Close(); err != nil {
					t.Errorf("Backend.Close: %v", err)
				}
			})
			tc.run(t, ex, ts, b)
		})
	}
}

func testResults(t *testing.T, ex *parallel.Executor, ts *tasks, _ parallel.Backend) {
	ctx := t.Context()
	const n = 200
	squares := make([]*parallel.Future[int], n)
	echoes := make([]*parallel.Future[string], n)
	for i := range n {
		squares[i] = parallel.Call(ctx, ex, ts.square, i)
		echoes[i] = parallel.Call(ctx, ex, ts.echo, fmt.Sprintf("echo %d ✓", i))
	}
	for i := range n {
		if got, err := squares[i].Result(ctx); err != nil || got != i*i {
			t.Errorf("%s(%d) = %d, %v; want %d, nil", Square, i, got, err, i*i)
		}
		want := fmt.Sprintf("echo %d ✓", i)
		if got, err := echoes[i].Result(ctx); err != nil || got != want {
			t.Errorf("%s(%q) = %q, %v; want the same, nil", Echo, want, got, err)
		}
	}
}

func testMapOrder(t *testing.T, ex *parallel.Executor, ts *tasks, _ parallel.Backend) {
	ctx := t.Context()
	// Sleeps of random length make tasks finish out of order.
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 40
	delays := make([]int, n)
	for i := range delays {
		delays[i] = rng.IntN(20)
	}
	i := 0
	for f := range parallel.MapCall(ctx, ex, ts.sleep, seq(delays), &parallel.MapOptions{Window: 8}) {
		got, err := f.Result(ctx)
		if err != nil || got != delays[i] {
			t.Errorf("Map item %d = %d, %v; want %d, nil", i, got, err, delays[i])
		}
		i++
	}
	if i != n {
		t.Errorf("Map yielded %d futures, want %d", i, n)
	}
	var total, count int
	for f := range parallel.MapCall(ctx, ex, ts.square, seq([]int{1, 2, 3, 4, 5}), &parallel.MapOptions{Unordered: true, Window: 2}) {
		v, err := f.Result(ctx)
		if err != nil {
			t.Errorf("unordered Map: %v", err)
		}
		total += v
		count++
	}
	if count != 5 || total != 55 {
		t.Errorf("unordered Map of squares of 1..5: %d results summing to %d, want 5 summing to 55", count, total)
	}
}

// testChunks maps over chunks of a few sizes, in input order and in
// completion order: every member its own output or error, none lost or
// repeated, and on a backend that runs chunks, fewer round trips than
// inputs. Breaking out of the loop leaves no task running.
func testChunks(t *testing.T, ex *parallel.Executor, ts *tasks, b parallel.Backend) {
	ctx := t.Context()
	c, ok := b.(interface{ RunsChunks() bool })
	chunked := ok && c.RunsChunks()
	const n = 300
	in := make([]int, n)
	for i := range in {
		in[i] = i
	}
	for _, unordered := range []bool{false, true} {
		for _, chunk := range []int{0, 1, 7} {
			before := ex.Stats().Submitted
			seen := make([]bool, n)
			i := 0
			for f := range parallel.MapCall(ctx, ex, ts.square, seq(in), &parallel.MapOptions{Chunk: chunk, Unordered: unordered}) {
				v, err := f.Result(ctx)
				if err != nil {
					t.Fatalf("chunk %d, unordered %v: %v", chunk, unordered, err)
				}
				root := intSqrt(v)
				switch {
				case root*root != v || root >= n || seen[root]:
					t.Fatalf("chunk %d, unordered %v: unexpected or repeated result %d", chunk, unordered, v)
				case !unordered && root != i:
					t.Fatalf("chunk %d: result %d is %d, want %d (input order)", chunk, i, v, i*i)
				}
				seen[root] = true
				i++
			}
			if i != n {
				t.Errorf("chunk %d, unordered %v: %d results for %d inputs", chunk, unordered, i, n)
			}
			trips := int(ex.Stats().Submitted - before)
			if want := (n + 6) / 7; chunked && chunk == 7 && trips != want {
				t.Errorf("chunk 7, unordered %v: %d round trips for %d inputs, want %d", unordered, trips, n, want)
			}
			if chunked && chunk == 0 && trips >= n {
				t.Errorf("automatic chunks, unordered %v: %d round trips for %d tiny tasks", unordered, trips, n)
			}
		}
		// Members that fail: each its own error.
		var msgs []string
		for f := range parallel.MapCall(ctx, ex, ts.fail, seq([]string{"a", "b", "c", "d", "e"}), &parallel.MapOptions{Chunk: 2, Unordered: unordered}) {
			if err := f.Err(); err != nil {
				msgs = append(msgs, err.Error())
			}
		}
		if !unordered && !slices.Equal(msgs, []string{"a", "b", "c", "d", "e"}) {
			t.Errorf("member errors %q, want each input's own, in order", msgs)
		}
		if slices.Sort(msgs); !slices.Equal(msgs, []string{"a", "b", "c", "d", "e"}) {
			t.Errorf("member errors %q (unordered %v), want each input's own", msgs, unordered)
		}
		// Breaking out of the loop: nothing is left running.
		count := 0
		for range parallel.MapCall(ctx, ex, ts.square, seq(in), &parallel.MapOptions{Chunk: 5, Unordered: unordered}) {
			if count++; count == 12 {
				break
			}
		}
		if s := ex.Stats(); s.Running != 0 || s.Queued != 0 {
			t.Errorf("unordered %v: %d tasks running and %d queued after the loop ended", unordered, s.Running, s.Queued)
		}
	}
}

// intSqrt returns the integer square root of a perfect square v >= 0 (or
// a number whose square is not v).
func intSqrt(v int) int {
	r := int(math.Sqrt(float64(v)))
	for r*r > v {
		r--
	}
	return r
}

func testErrorText(t *testing.T, ex *parallel.Executor, ts *tasks, _ parallel.Backend) {
	ctx := t.Context()
	for _, msg := range []string{"boom", "paralleltest: disk full: /tmp/x", "ünïcode: ✗"} {
		_, err := parallel.Call(ctx, ex, ts.fail, msg).Result(ctx)
		if err == nil || err.Error() != msg {
			t.Errorf("%s(%q) error = %v, want exactly %q", Fail, msg, err, msg)
		}
	}
}

func testPanic(t *testing.T, ex *parallel.Executor, ts *tasks, _ parallel.Backend) {
	ctx := t.Context()
	const msg = "paralleltest: deliberate panic"
	f := parallel.Call(ctx, ex, ts.panic, msg)
	ok := parallel.Call(ctx, ex, ts.echo, "still fine")
	_, err := f.Result(ctx)
	var pe *parallel.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("%s error = %v (%T), want a *parallel.PanicError", Panic, err, err)
	}
	if got := fmt.Sprint(pe.Value); got != msg {
		t.Errorf("PanicError.Value = %q, want %q", got, msg)
	}
	if f.State() != parallel.Failed {
		t.Errorf("panicked task state = %v, want failed", f.State())
	}
	if got, err := ok.Result(ctx); err != nil || got != "still fine" {
		t.Errorf("task next to a panic = %q, %v; want \"still fine\", nil", got, err)
	}
}

func testUnknown(t *testing.T, ex *parallel.Executor, ts *tasks, _ parallel.Backend) {
	ctx := t.Context()
	_, err := parallel.Call(ctx, ex, ts.unknown, "x").Result(ctx)
	if !errors.Is(err, parallel.ErrUnknownTask) {
		t.Errorf("unknown task error = %v, want one wrapping ErrUnknownTask", err)
	}
}

func testRunTimeout(t *testing.T, ex *parallel.Executor, ts *tasks, b parallel.Backend) {
	ctx := t.Context()
	start := time.Now()
	_, err := parallel.Call(ctx, ex, ts.sleep, 60_000).Result(ctx)
	elapsed := time.Since(start)
	var te *parallel.TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("%s past RunTimeout: error = %v (%T), want a *parallel.TimeoutError", Sleep, err, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout error %v does not match context.DeadlineExceeded", err)
	}
	if elapsed > prompt {
		t.Errorf("timed-out task returned after %v, want promptly after the 200ms timeout", elapsed)
	}
	// The backend still works after a timeout (a process backend may
	// have to start a new worker first: no run timeout for this call).
	ex2 := parallel.New(parallel.Config{Backend: b})
	defer ex2.Close()
	if got, err := parallel.Call(ctx, ex2, ts.sleep, 1).Result(ctx); err != nil || got != 1 {
		t.Errorf("%s(1) after a timeout = %d, %v; want 1, nil", Sleep, got, err)
	}
}

func testCancelRunning(t *testing.T, ex *parallel.Executor, ts *tasks, _ parallel.Backend) {
	ctx := t.Context()
	f := parallel.Call(ctx, ex, ts.sleep, 60_000)
	waitRunning(t, f)
	start := time.Now()
	if !f.Cancel() {
		t.Fatal("Cancel of a running task returned false")
	}
	_, err := f.Result(ctx)
	var te *parallel.TimeoutError
	if !errors.Is(err, context.Canceled) || errors.As(err, &te) {
		t.Errorf("cancelled %s error = %v, want one matching context.Canceled and no timeout", Sleep, err)
	}
	if elapsed := time.Since(start); elapsed > prompt {
		t.Errorf("cancelled task returned after %v, want promptly", elapsed)
	}
	// The executor has one worker: the next task runs only once the
	// backend has let go of the cancelled one, not after its 60 s.
	next := time.Now()
	if got, err := parallel.Call(ctx, ex, ts.square, 7).Result(ctx); err != nil || got != 49 {
		t.Errorf("%s(7) after a cancel = %d, %v; want 49, nil", Square, got, err)
	}
	if elapsed := time.Since(next); elapsed > prompt {
		t.Errorf("the task after a cancelled one took %v, want it to start promptly", elapsed)
	}
	if st := ex.Stats(); st.Running != 0 {
		t.Errorf("Stats().Running = %d after every task returned, want 0", st.Running)
	}
}

// waitRunning waits until a worker has started f. It polls: the state of
// a task in another process has no event to wait on.
func waitRunning[T any](t *testing.T, f *parallel.Future[T]) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(prompt)
	for f.State() == parallel.Queued {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("task still queued")
		}
	}
}

func testLargePayload(t *testing.T, ex *parallel.Executor, ts *tasks, _ parallel.Backend) {
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{0, 1, 64<<10 + 3, 1<<20 + 7, 3 << 20} {
		in := make([]byte, size)
		for i := range in {
			in[i] = byte(rng.Uint32())
		}
		got, err := parallel.Call(ctx, ex, ts.bytes, in).Result(ctx)
		if err != nil {
			t.Errorf("%s of %d bytes: %v", Bytes, size, err)
			continue
		}
		want := bytes.Clone(in)
		for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
			want[i], want[j] = want[j], want[i]
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s of %d bytes: got %d bytes, not the input reversed", Bytes, size, len(got))
		}
	}
}

func seq[T any](s []T) iter.Seq[T] {
	return func(yield func(T) bool) {
		for _, v := range s {
			if !yield(v) {
				return
			}
		}
	}
}
