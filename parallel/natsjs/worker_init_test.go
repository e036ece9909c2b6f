package natsjs_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/natsjs"
)

// TestWorkerInit checks that a cluster worker runs the registry's
// initializer before it takes a task: once, when it works (the task then
// runs), and when it fails, Run returns the InitError at once, having
// taken nothing, so that the task waits for a worker that can run it.
func TestWorkerInit(t *testing.T) {
	s := newTestServer(t)
	ctx := t.Context()

	bad := new(parallel.Registry)
	bad.Init(func(context.Context) error { return errors.New("GPU not found") })
	parallel.Register(bad, "square", nil, func(_ context.Context, n int) (int, error) { return n * n, nil })
	err := (&natsjs.Worker{JS: mustConnect(t, s), Registry: bad}).Run(ctx)
	var ie *parallel.InitError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "GPU not found") {
		t.Fatalf("Run with a failing initializer: %v, want an InitError", err)
	}

	good := new(parallel.Registry)
	inits := 0
	good.Init(func(context.Context) error { inits++; return nil })
	square := parallel.Register(good, "square", nil, func(_ context.Context, n int) (int, error) { return n * n, nil })
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- (&natsjs.Worker{JS: mustConnect(t, s), Registry: good}).Run(wctx) }()
	b, err := natsjs.New(mustConnect(t, s), natsjs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ex := parallel.New(parallel.Config{Workers: 2, Backend: b})
	defer ex.Close()
	for i := range 3 {
		if n, err := parallel.Call(ctx, ex, square, i+2).Result(ctx); err != nil || n != (i+2)*(i+2) {
			t.Errorf("Call(square, %d) = %d, %v", i+2, n, err)
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if inits != 1 {
		t.Errorf("initializer ran %d times, want once", inits)
	}
}
