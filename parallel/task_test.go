package parallel_test

import (
	"context"
	"errors"
	"testing"

	"github.com/fanout-dev/fanout/parallel"
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
		_, err := reg.Invoke(t.Context(), tc.task, []byte(tc.input))
		var pe *parallel.PanicError
		if !errors.As(err, &pe) || !errors.Is(err, parallel.ErrPermanent) {
			t.Errorf("Invoke(%s) = %v, want a permanent *PanicError", tc.task, err)
		}
	}
}
