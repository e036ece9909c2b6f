package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/fanout-dev/fanout/parallel"
)

// doSomething is the tutorial's task: it sleeps for d, or until ctx is done.
func doSomething(ctx context.Context, d time.Duration) (string, error) {
	select {
	case <-time.After(d):
		return fmt.Sprintf("Done sleeping...%v", d), nil
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}

// replayTutorial runs the tutorial's first two programs: two tasks of d
// each, one after the other and then in parallel; then ten tasks whose
// results are printed as they complete.
func replayTutorial(ctx context.Context, w io.Writer, d time.Duration) error {
	fmt.Fprintf(w, "1. Two %v tasks\n", d)
	start := time.Now()
	for range 2 {
		if _, err := doSomething(ctx, d); err != nil {
			return err
		}
	}
	seq := time.Since(start)
	fmt.Fprintf(w, "   one after the other: %.2fs\n", seq.Seconds())

	// Sleeping is not CPU work: give the executor a worker per task rather
	// than the default of one per core.
	ex := parallel.New(parallel.Config{Workers: 10})
	defer ex.Close()
	start = time.Now()
	f1 := parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) { return doSomething(ctx, d) })
	f2 := parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) { return doSomething(ctx, d) })
	for _, f := range []*parallel.Future[string]{f1, f2} {
		if _, err := f.Result(ctx); err != nil {
			return err
		}
	}
	par := time.Since(start)
	fmt.Fprintf(w, "   in parallel:         %.2fs (%.1fx)\n", par.Seconds(), seq.Seconds()/par.Seconds())

	fmt.Fprintf(w, "2. Ten %v tasks, results as they complete\n", d)
	start = time.Now()
	var fs []*parallel.Future[string]
	for i := range 10 {
		// The tasks sleep for shuffled lengths, a fiftieth of d apart,
		// so that they complete in an order of their own: 0, 3, 6, 9,
		// 2, ... and not in the order they were submitted.
		di := d + time.Duration(i*7%10)*d/50
		fs = append(fs, parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) {
			s, err := doSomething(ctx, di)
			return fmt.Sprintf("task %d: %s", i, s), err
		}))
	}
	n := 0
	for f := range parallel.AsCompleted(ctx, fs) {
		s, err := f.Result(ctx)
		if err != nil {
			return err
		}
		n++
		fmt.Fprintf(w, "   %2d. %s\n", n, s)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintf(w, "   finished in %.2fs\n", time.Since(start).Seconds())
	return nil
}
