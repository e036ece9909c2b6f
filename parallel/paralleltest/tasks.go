package paralleltest

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/fanout-dev/fanout/parallel"
)

// Names of the conformance tasks that [Register] adds.
const (
	Echo   = "paralleltest.echo"   // string → the same string
	Square = "paralleltest.square" // int → its square
	Fail   = "paralleltest.fail"   // string → an error whose text is exactly that string
	Panic  = "paralleltest.panic"  // string → panics with that string
	Sleep  = "paralleltest.sleep"  // int milliseconds → sleeps that long (or until its ctx ends), returns the int
	Bytes  = "paralleltest.bytes"  // []byte → the same bytes reversed (Gob codec)
)

// tasks holds typed handles of the conformance tasks.
type tasks struct {
	echo    *parallel.Task[string, string]
	square  *parallel.Task[int, int]
	fail    *parallel.Task[string, string]
	panic   *parallel.Task[string, string]
	sleep   *parallel.Task[int, int]
	bytes   *parallel.Task[[]byte, []byte]
	unknown *parallel.Task[string, string] // registered only on the submitting side
}

// Register adds the conformance tasks to r, so that a worker's registry
// can serve them next to its own tasks. It panics if one of their names is
// already registered in r.
func Register(r *parallel.Registry) {
	register(r)
}

func register(r *parallel.Registry) *tasks {
	return &tasks{
		echo: parallel.Register(r, Echo, nil, func(_ context.Context, s string) (string, error) {
			return s, nil
		}),
		square: parallel.Register(r, Square, nil, func(_ context.Context, n int) (int, error) {
			return n * n, nil
		}),
		fail: parallel.Register(r, Fail, nil, func(_ context.Context, s string) (string, error) {
			return "", errors.New(s)
		}),
		panic: parallel.Register(r, Panic, nil, func(_ context.Context, s string) (string, error) {
			panic(s)
		}),
		sleep: parallel.Register(r, Sleep, nil, func(ctx context.Context, ms int) (int, error) {
			t := time.NewTimer(time.Duration(ms) * time.Millisecond)
			defer t.Stop()
			select {
			case <-t.C:
				return ms, nil
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}),
		bytes: parallel.Register(r, Bytes, parallel.Gob, func(_ context.Context, b []byte) ([]byte, error) {
			out := slices.Clone(b)
			slices.Reverse(out)
			return out, nil
		}),
	}
}

// submitSide returns task handles for the submitting side: the
// conformance tasks plus one name that no worker registers.
func submitSide() *tasks {
	r := new(parallel.Registry)
	ts := register(r)
	ts.unknown = parallel.Register(r, "paralleltest.not-registered", nil, func(_ context.Context, s string) (string, error) {
		return s, nil
	})
	return ts
}
