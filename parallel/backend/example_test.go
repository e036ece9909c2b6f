package backend_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/backend"
)

// The two sides of a backend, in one process: the worker runs the named
// task with Invoke and sends back either the output or the error as
// MarshalError encodes it; the submitter's side rebuilds the error with
// UnmarshalError, which keeps its kind.
func Example() {
	var reg parallel.Registry
	parallel.Register(&reg, "upper", parallel.JSON, func(ctx context.Context, s string) (string, error) {
		if s == "" {
			panic("empty input")
		}
		return strings.ToUpper(s), nil
	})

	// The worker's side, for two messages.
	for _, input := range []string{`"fanout"`, `""`} {
		out, err := backend.Invoke(context.Background(), &reg, "upper", []byte(input))
		if err != nil {
			wire := backend.MarshalError(err) // what the worker sends
			// The submitter's side.
			err := backend.UnmarshalError(wire)
			var pe *parallel.PanicError
			fmt.Println("error:", err, "- a panic:", errors.As(err, &pe))
			continue
		}
		fmt.Println("output:", string(out))
	}
	// Output:
	// output: "FANOUT"
	// error: parallel: task panicked: empty input - a panic: true
}

// Local runs named tasks in this process through the same encoding as a
// remote backend: the reference a new backend is compared with.
func ExampleLocal() {
	var reg parallel.Registry
	double := parallel.Register(&reg, "double", parallel.JSON, func(ctx context.Context, n int) (int, error) { return 2 * n, nil })
	ex := parallel.New(parallel.Config{Backend: &backend.Local{Registry: &reg}})
	defer ex.Close()
	n, err := parallel.Call(context.Background(), ex, double, 21).Result(context.Background())
	fmt.Println(n, err)
	// Output: 42 <nil>
}
