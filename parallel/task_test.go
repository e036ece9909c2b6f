package parallel_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/backend"
)

// panicky is a type whose JSON encoding and decoding panic, as a buggy
// MarshalJSON might.
type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("marshal boom") }
func (*panicky) UnmarshalJSON([]byte) error  { panic("unmarshal boom") }

// TestInvokeCodecPanics checks that a panic in a task's codec is an error
// of the task (a permanent *PanicError), not a crash of the worker that
// runs it.
func TestInvokeCodecPanics(t *testing.T) {
	reg := new(parallel.Registry)
	parallel.Register(reg, "out", nil, func(_ context.Context, s string) (panicky, error) { return panicky{}, nil })
	parallel.Register(reg, "in", nil, func(_ context.Context, p panicky) (string, error) { return "unreached", nil })
	for _, tc := range []struct {
		task, input string
	}{
		{"out", `"x"`},
		{"in", `{}`},
	} {
		_, err := backend.Invoke(t.Context(), reg, tc.task, []byte(tc.input))
		var pe *parallel.PanicError
		if !errors.As(err, &pe) || !errors.Is(err, parallel.ErrPermanent) {
			t.Errorf("Invoke(%s) = %v, want a permanent *PanicError", tc.task, err)
		}
	}
}

// TestRegistryInit checks the initializer in this process: it runs once,
// before the first task Call runs here, however many tasks follow; a
// failing one fails every task with a permanent InitError and runs once.
func TestRegistryInit(t *testing.T) {
	ctx := t.Context()
	reg := new(parallel.Registry)
	inits := 0
	reg.Init(func(context.Context) error { inits++; return nil })
	double := parallel.Register(reg, "double", nil, func(_ context.Context, n int) (int, error) { return 2 * n, nil })
	ex := parallel.New(parallel.Config{Workers: 4})
	defer ex.Close()
	got, err := parallel.Collect(ctx, parallel.MapCall(ctx, ex, double, slices.Values([]int{1, 2, 3, 4, 5}), nil))
	if err != nil || !slices.Equal(got, []int{2, 4, 6, 8, 10}) || inits != 1 {
		t.Errorf("got %v, %v after %d initializer runs; want [2 4 6 8 10], one run", got, err, inits)
	}

	bad := new(parallel.Registry)
	tries := 0
	bad.Init(func(context.Context) error { tries++; return errors.New("no database") })
	task := parallel.Register(bad, "task", nil, func(context.Context, int) (int, error) { t.Error("a task ran"); return 0, nil })
	for range 3 {
		_, err := parallel.Call(ctx, ex, task, 1).Result(ctx)
		var ie *parallel.InitError
		if !errors.As(err, &ie) || !errors.Is(err, parallel.ErrPermanent) || !strings.Contains(err.Error(), "no database") {
			t.Errorf("Call: %v, want a permanent InitError saying no database", err)
		}
	}
	if tries != 1 {
		t.Errorf("failing initializer ran %d times, want once", tries)
	}
	// The error crosses a process boundary as an InitError too.
	back := backend.UnmarshalError(backend.MarshalError(&parallel.InitError{Err: errors.New("no database")}))
	var ie *parallel.InitError
	if !errors.As(back, &ie) || !errors.Is(back, parallel.ErrPermanent) || back.Error() != "parallel: worker initializer failed: no database" {
		t.Errorf("round trip: %v", back)
	}
}
