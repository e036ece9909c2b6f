package backend_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/backend"
)

func TestMarshalErrorRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		check func(error) bool
	}{
		{"panic", &parallel.PanicError{Value: "boom", Stack: []byte("goroutine 1")}, func(err error) bool {
			var pe *parallel.PanicError
			return errors.As(err, &pe) && pe.Value == "boom" && string(pe.Stack) == "goroutine 1"
		}},
		{"timeout", &parallel.TimeoutError{Timeout: 3 * time.Second}, func(err error) bool {
			var te *parallel.TimeoutError
			return errors.As(err, &te) && te.Timeout == 3*time.Second && errors.Is(err, context.DeadlineExceeded)
		}},
		{"unknown task", fmt.Errorf("%w: %q", parallel.ErrUnknownTask, "x"), func(err error) bool {
			return errors.Is(err, parallel.ErrUnknownTask) && err.Error() == `parallel: unknown task: "x"`
		}},
		{"cancelled", parallel.ErrCancelled, func(err error) bool { return errors.Is(err, context.Canceled) }},
		{"permanent", parallel.Permanent(errors.New("corrupt input")), func(err error) bool {
			return errors.Is(err, parallel.ErrPermanent) && err.Error() == "corrupt input"
		}},
		{"plain", errors.New("disk full"), func(err error) bool {
			var re *parallel.RemoteError
			return errors.As(err, &re) && re.Msg == "disk full"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := backend.UnmarshalError(backend.MarshalError(tc.err))
			if !tc.check(got) {
				t.Errorf("unmarshalError(marshalError(%v)) = %v (%T), which lost what callers branch on", tc.err, got, got)
			}
		})
	}
}

// FuzzUnmarshalError checks that any bytes decode to an error, never a
// panic, and that what decodes re-encodes to the same error text (text
// that is valid UTF-8, that is: JSON replaces invalid bytes, after which
// the text is stable).
func FuzzUnmarshalError(f *testing.F) {
	for _, err := range []error{
		&parallel.PanicError{Value: "boom"}, &parallel.TimeoutError{Timeout: time.Second},
		parallel.ErrUnknownTask, parallel.ErrCancelled, parallel.Permanent(errors.New("x")), errors.New("plain"),
	} {
		f.Add(backend.MarshalError(err))
	}
	f.Add([]byte("not json"))
	f.Add([]byte(`{"kind":"panic"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := backend.UnmarshalError(data)
		if err == nil {
			t.Fatalf("unmarshalError(%q) = nil", data)
		}
		again := backend.UnmarshalError(backend.MarshalError(err))
		if utf8.ValidString(err.Error()) && again.Error() != err.Error() {
			t.Errorf("round trip of %q changed the text: %q, then %q", data, err, again)
		}
		if third := backend.UnmarshalError(backend.MarshalError(again)); third.Error() != again.Error() {
			t.Errorf("second round trip of %q changed the text: %q, then %q", data, again, third)
		}
	})
}

// FuzzInvoke feeds arbitrary payloads to the worker side of named tasks:
// a payload that does not decode is a permanent error, never a panic.
func FuzzInvoke(f *testing.F) {
	var r parallel.Registry
	parallel.Register(&r, "json", nil, func(_ context.Context, in struct{ N int }) (int, error) { return in.N, nil })
	parallel.Register(&r, "gob", parallel.Gob, func(_ context.Context, b []byte) (int, error) { return len(b), nil })
	jsonIn, _ := parallel.JSON.Marshal(struct{ N int }{7})
	gobIn, _ := parallel.Gob.Marshal([]byte("abc"))
	f.Add("json", jsonIn)
	f.Add("gob", gobIn)
	f.Add("json", []byte("{"))
	f.Add("gob", []byte{0xff, 0x00})
	f.Add("nope", []byte("1"))
	f.Fuzz(func(t *testing.T, name string, input []byte) {
		out, err := backend.Invoke(context.Background(), &r, name, input)
		if err != nil {
			if !errors.Is(err, parallel.ErrPermanent) {
				t.Errorf("Invoke(%q, %q) error %v is not permanent", name, input, err)
			}
			return
		}
		if out == nil {
			t.Errorf("Invoke(%q, %q) = nil output and nil error", name, input)
		}
	})
}

// Every sentinel names its package, as the house style asks.
func TestSentinelText(t *testing.T) {
	for _, err := range []error{parallel.ErrClosed, parallel.ErrQueueFull, parallel.ErrUnknownTask, parallel.ErrCancelled, parallel.ErrPermanent} {
		if got := err.Error(); !strings.HasPrefix(got, "parallel: ") {
			t.Errorf("sentinel error %q does not start with \"parallel: \"", got)
		}
	}
}
