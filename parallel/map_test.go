package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fanout-dev/fanout/parallel"
)

// naturals is an endless input that counts how many values were read.
func naturals(read *atomic.Int64) func(yield func(int) bool) {
	return func(yield func(int) bool) {
		for i := 0; ; i++ {
			read.Add(1)
			if !yield(i) {
				return
			}
		}
	}
}

func TestMapOrder(t *testing.T) {
	tests := []struct {
		name   string
		window int
	}{{"default window", 0}, {"window 1", 1}, {"window 3", 3}, {"window larger than input", 1000}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ex := parallel.New(parallel.Config{Workers: 4})
				defer ex.Close()
				ctx := t.Context()
				in := make([]int, 50)
				for i := range in {
					in[i] = i
				}
				var got []int
				for f := range parallel.Map(ctx, ex, slices.Values(in), func(ctx context.Context, i int) (int, error) {
					time.Sleep(time.Duration((i*7)%11) * time.Millisecond) // finish out of order
					return i * 10, nil
				}, &parallel.MapOptions{Window: tc.window}) {
					v, err := f.Result(ctx)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, v)
				}
				for i, v := range got {
					if v != i*10 {
						t.Fatalf("Map results = %v, want input order", got)
					}
				}
				if len(got) != len(in) {
					t.Errorf("Map yielded %d futures, want %d", len(got), len(in))
				}
			})
		})
	}
}

func TestMapUnorderedCompletionOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ex := parallel.New(parallel.Config{Workers: 4})
		defer ex.Close()
		ctx := t.Context()
		// Input i sleeps (4-i) seconds: with all four in flight they
		// finish in reverse order.
		var got []int
		for f := range parallel.Map(ctx, ex, slices.Values([]int{0, 1, 2, 3}), func(ctx context.Context, i int) (int, error) {
			time.Sleep(time.Duration(4-i) * time.Second)
			return i, nil
		}, &parallel.MapOptions{Unordered: true}) {
			v, _ := f.Result(ctx)
			got = append(got, v)
		}
		if want := []int{3, 2, 1, 0}; !slices.Equal(got, want) {
			t.Errorf("Map (Unordered) yielded %v, want completion order %v", got, want)
		}
	})
}

func TestMapErrorsDoNotStop(t *testing.T) {
	for _, unordered := range []bool{false, true} {
		t.Run(fmt.Sprint("unordered=", unordered), func(t *testing.T) {
			ex := newTestExecutor(t, parallel.Config{Workers: 2})
			ctx := t.Context()
			var failed, ok int
			for f := range parallel.Map(ctx, ex, slices.Values([]int{1, 2, 3, 4, 5, 6}), func(ctx context.Context, i int) (int, error) {
				if i%2 == 0 {
					return 0, fmt.Errorf("even %d", i)
				}
				if i == 5 {
					panic("five")
				}
				return i, nil
			}, &parallel.MapOptions{Unordered: unordered}) {
				if _, err := f.Result(ctx); err != nil {
					failed++
				} else {
					ok++
				}
			}
			if failed != 4 || ok != 2 {
				t.Errorf("Map over 6 inputs: %d ok, %d failed; want 2 ok, 4 failed (3 errors, 1 panic)", ok, failed)
			}
		})
	}
}

func TestMapEndlessBreak(t *testing.T) {
	for _, unordered := range []bool{false, true} {
		t.Run(fmt.Sprint("unordered=", unordered), func(t *testing.T) {
			// synctest.Test fails if any goroutine of the bubble is left
			// blocked when the test function returns: the executor's
			// workers are stopped by Close, and Map must leave nothing.
			synctest.Test(t, func(t *testing.T) {
				ex := parallel.New(parallel.Config{Workers: 3})
				ctx := t.Context()
				var read, running, maxRunning atomic.Int64
				const window = 5
				n := 0
				for f := range parallel.Map(ctx, ex, naturals(&read), func(ctx context.Context, i int) (int, error) {
					r := running.Add(1)
					defer running.Add(-1)
					for m := maxRunning.Load(); r > m && !maxRunning.CompareAndSwap(m, r); m = maxRunning.Load() {
					}
					select {
					case <-time.After(time.Duration(i%3) * time.Second):
						return i, nil
					case <-ctx.Done():
						return 0, ctx.Err()
					}
				}, &parallel.MapOptions{Window: window, Unordered: unordered}) {
					if _, err := f.Result(ctx); err != nil {
						t.Fatalf("item: %v", err)
					}
					n++
					if got := read.Load(); got > int64(n+window) {
						t.Fatalf("after %d results Map had read %d inputs, want at most %d (window %d)", n, got, n+window, window)
					}
					if n == 100 {
						break
					}
				}
				if running.Load() != 0 {
					t.Errorf("%d calls of fn still running after the loop", running.Load())
				}
				if maxRunning.Load() > 3 {
					t.Errorf("%d tasks ran at once, want at most 3 workers", maxRunning.Load())
				}
				ex.Close()
				if s := ex.Stats(); s.Queued != 0 || s.Running != 0 {
					t.Errorf("after break and Close: %+v, want nothing queued or running", s)
				}
			})
		})
	}
}

func TestMapBreakCancelsOutstanding(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ex := parallel.New(parallel.Config{Workers: 2})
		defer ex.Close()
		ctx := t.Context()
		var cancelled atomic.Int64
		start := time.Now()
		for f := range parallel.Map(ctx, ex, slices.Values([]int{0, 1, 2, 3, 4, 5}), func(ctx context.Context, i int) (int, error) {
			if i == 0 {
				return 0, nil
			}
			<-ctx.Done() // the others run until cancelled
			cancelled.Add(1)
			return 0, ctx.Err()
		}, nil) {
			f.Result(ctx)
			break
		}
		if time.Since(start) != 0 {
			t.Errorf("break took %v of fake time, want none", time.Since(start))
		}
		if got := cancelled.Load(); got == 0 {
			t.Error("no outstanding task saw its ctx cancelled")
		}
	})
}

func TestMapCtxCancelStopsEndlessInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ex := parallel.New(parallel.Config{Workers: 2})
		defer ex.Close()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		var read atomic.Int64
		n, errs := 0, 0
		for f := range parallel.Map(ctx, ex, naturals(&read), func(ctx context.Context, i int) (int, error) {
			time.Sleep(time.Millisecond)
			return i, nil
		}, nil) {
			n++
			if _, err := f.Result(t.Context()); err != nil {
				errs++
			}
			if n == 10 {
				cancel()
			}
			if n > 1000 {
				t.Fatal("Map went on reading an endless input after its ctx ended")
			}
		}
		if n < 10 {
			t.Errorf("Map yielded %d futures, want at least 10", n)
		}
	})
}

func TestMapOnClosedExecutor(t *testing.T) {
	ex := parallel.New(parallel.Config{})
	ex.Close()
	for f := range parallel.Map(t.Context(), ex, slices.Values([]int{1, 2}), func(ctx context.Context, i int) (int, error) {
		return i, nil
	}, &parallel.MapOptions{Unordered: true}) {
		if _, err := f.Result(t.Context()); !errors.Is(err, parallel.ErrClosed) {
			t.Errorf("Map on a closed executor: %v, want ErrClosed", err)
		}
	}
}

// A huge window, given or derived from a huge worker limit, used to make
// Map allocate a slot for every task it might hold (or panic with a length
// out of range) before running anything.
func TestMapHugeWindow(t *testing.T) {
	tests := []struct {
		name    string
		workers int
		cfg     *parallel.MapOptions
	}{
		{"window", 2, &parallel.MapOptions{Window: math.MaxInt}},
		{"window-unordered", 2, &parallel.MapOptions{Window: math.MaxInt, Unordered: true}},
		{"workers", math.MaxInt, nil},
		{"workers-unordered", math.MaxInt, &parallel.MapOptions{Unordered: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex := newTestExecutor(t, parallel.Config{Workers: tc.workers})
			sum := 0
			square := func(_ context.Context, n int) (int, error) { return n * n, nil }
			for f := range parallel.Map(t.Context(), ex, slices.Values([]int{1, 2, 3}), square, tc.cfg) {
				v, err := f.Result(t.Context())
				if err != nil {
					t.Fatalf("Map(%+v) yielded error %v", tc.cfg, err)
				}
				sum += v
			}
			if sum != 14 {
				t.Errorf("Map(%+v) of squares of 1, 2, 3 sums to %d, want 14", tc.cfg, sum)
			}
		})
	}
}
