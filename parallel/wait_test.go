package parallel_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fanout-dev/fanout/parallel"
)

// sleeper returns a task that sleeps d (fake time in a bubble) and then
// returns v and err.
func sleeper(d time.Duration, v int, err error) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		select {
		case <-time.After(d):
			return v, err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

func TestAsCompleted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ex := parallel.New(parallel.Config{Workers: 10})
		defer ex.Close()
		ctx := t.Context()
		var fs []*parallel.Future[int]
		for i := range 10 {
			fs = append(fs, parallel.Submit(ctx, ex, sleeper(time.Duration(10-i)*time.Second, i, nil)))
		}
		fs = append(fs, nil) // nil elements are skipped
		want := 9
		for f := range parallel.AsCompleted(ctx, fs) {
			v, err := f.Result(ctx)
			if v != want || err != nil {
				t.Errorf("AsCompleted yielded %d, %v; want %d, nil", v, err, want)
			}
			want--
		}
		if want != -1 {
			t.Errorf("AsCompleted stopped early, at %d", want)
		}
	})
}

func TestAsCompletedBoundedByCtx(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ex := parallel.New(parallel.Config{Workers: 3})
		defer ex.Close()
		fs := []*parallel.Future[int]{
			parallel.Submit(t.Context(), ex, sleeper(time.Second, 1, nil)),
			parallel.Submit(t.Context(), ex, sleeper(time.Hour, 2, nil)),
			parallel.Submit(t.Context(), ex, sleeper(time.Hour, 3, nil)),
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		n := 0
		for range parallel.AsCompleted(ctx, fs) {
			n++
		}
		if n != 1 {
			t.Errorf("AsCompleted yielded %d futures before its ctx ended, want 1", n)
		}
		if fs[1].State() != parallel.Running {
			t.Errorf("AsCompleted's ctx ending changed a future to %v; it must not cancel", fs[1].State())
		}
		for _, f := range fs {
			f.Cancel()
		}
	})
}

func TestWait(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name        string
		mode        parallel.WaitMode
		tasks       []func(context.Context) (int, error)
		timeout     time.Duration
		wantDone    int
		wantElapsed time.Duration
		wantErr     error
	}{
		{"all", parallel.WaitAll, []func(context.Context) (int, error){
			sleeper(1*time.Second, 1, nil), sleeper(3*time.Second, 2, nil), sleeper(2*time.Second, 3, boom),
		}, time.Hour, 3, 3 * time.Second, nil},
		{"any", parallel.WaitAny, []func(context.Context) (int, error){
			sleeper(5*time.Second, 1, nil), sleeper(2*time.Second, 2, nil), sleeper(9*time.Second, 3, nil),
		}, time.Hour, 1, 2 * time.Second, nil},
		{"first error", parallel.WaitFirstError, []func(context.Context) (int, error){
			sleeper(1*time.Second, 1, nil), sleeper(4*time.Second, 2, boom), sleeper(9*time.Second, 3, nil),
		}, time.Hour, 2, 4 * time.Second, nil},
		{"first error, none fails", parallel.WaitFirstError, []func(context.Context) (int, error){
			sleeper(1*time.Second, 1, nil), sleeper(2*time.Second, 2, nil),
		}, time.Hour, 2, 2 * time.Second, nil},
		{"ctx ends first", parallel.WaitAll, []func(context.Context) (int, error){
			sleeper(1*time.Second, 1, nil), sleeper(time.Hour, 2, nil),
		}, 10 * time.Second, 1, 10 * time.Second, context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ex := parallel.New(parallel.Config{Workers: len(tc.tasks)})
				defer ex.Close()
				var fs []*parallel.Future[int]
				for _, task := range tc.tasks {
					fs = append(fs, parallel.Submit(t.Context(), ex, task))
				}
				ctx, cancel := context.WithTimeout(t.Context(), tc.timeout)
				defer cancel()
				start := time.Now()
				done, pending, err := parallel.Wait(ctx, fs, tc.mode)
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("Wait error = %v, want %v", err, tc.wantErr)
				}
				if len(done) != tc.wantDone || len(done)+len(pending) != len(fs) {
					t.Errorf("Wait returned %d done, %d pending; want %d done of %d", len(done), len(pending), tc.wantDone, len(fs))
				}
				if got := time.Since(start); got != tc.wantElapsed {
					t.Errorf("Wait returned after %v, want %v", got, tc.wantElapsed)
				}
				for _, f := range pending {
					f.Cancel()
				}
			})
		})
	}
}

func TestWaitModeString(t *testing.T) {
	for m, want := range map[parallel.WaitMode]string{parallel.WaitAll: "all", parallel.WaitAny: "any", parallel.WaitFirstError: "first-error", 9: "WaitMode(9)"} {
		if got := m.String(); got != want {
			t.Errorf("WaitMode(%d).String() = %q, want %q", int(m), got, want)
		}
	}
	for m, want := range map[parallel.ShutdownMode]string{parallel.Drain: "drain", parallel.CancelQueued: "cancel-queued", parallel.CancelAll: "cancel-all"} {
		if got := m.String(); got != want {
			t.Errorf("ShutdownMode(%d).String() = %q, want %q", int(m), got, want)
		}
	}
}
