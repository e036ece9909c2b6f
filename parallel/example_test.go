package parallel_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/backend"
)

// doSomething is the tutorial's task: sleep for some seconds, honouring
// ctx, and say so.
func doSomething(ctx context.Context, seconds int) (string, error) {
	select {
	case <-time.After(time.Duration(seconds) * time.Second):
		return fmt.Sprintf("Done sleeping...%d", seconds), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Two one-second tasks take about two seconds one after the other, and
// about one second on an executor: the tutorial's first program,
//
//	do_something(1)
//	do_something(1)                       # about 2 seconds
//	p1 = multiprocessing.Process(target=do_something, args=[1])
//	p2 = multiprocessing.Process(target=do_something, args=[1])
//	p1.start(); p2.start(); p1.join(); p2.join()   # about 1 second
//
// (with separate processes: proc.StartTask).
func Example() {
	ctx := context.Background()

	start := time.Now()
	for range 2 {
		doSomething(ctx, 1)
	}
	fmt.Printf("sequential: finished in %v\n", time.Since(start).Round(time.Second))

	ex := parallel.New(parallel.Config{Workers: 2})
	defer ex.Close()
	start = time.Now()
	f1 := parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) { return doSomething(ctx, 1) })
	f2 := parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) { return doSomething(ctx, 1) })
	r1, _ := f1.Result(ctx)
	r2, _ := f2.Result(ctx)
	fmt.Println(r1)
	fmt.Println(r2)
	fmt.Printf("parallel: finished in %v\n", time.Since(start).Round(time.Second))
	// Output:
	// sequential: finished in 2s
	// Done sleeping...1
	// Done sleeping...1
	// parallel: finished in 1s
}

func ExampleSubmit() {
	var ex parallel.Executor // the zero Executor: GOMAXPROCS workers
	defer ex.Close()
	ctx := context.Background()
	f := parallel.Submit(ctx, &ex, func(ctx context.Context) (int, error) {
		return 6 * 7, nil
	})
	v, err := f.Result(ctx)
	fmt.Println(v, err, f.State())
	// Output: 42 <nil> succeeded
}

// AsCompleted yields futures as they finish. Here the tasks are let go
// one at a time, last submitted first, so they finish in reverse order of
// submission.
func ExampleAsCompleted() {
	ex := parallel.New(parallel.Config{Workers: 10})
	defer ex.Close()
	ctx := context.Background()
	release := make([]chan struct{}, 10)
	var fs []*parallel.Future[string]
	for i := range 10 {
		release[i] = make(chan struct{})
		fs = append(fs, parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) {
			<-release[i]
			return fmt.Sprintf("task %d done", i), nil
		}))
	}
	next := 9
	close(release[next])
	for f := range parallel.AsCompleted(ctx, fs) {
		r, _ := f.Result(ctx)
		fmt.Println(r)
		if next > 0 {
			next--
			close(release[next])
		}
	}
	// Output:
	// task 9 done
	// task 8 done
	// task 7 done
	// task 6 done
	// task 5 done
	// task 4 done
	// task 3 done
	// task 2 done
	// task 1 done
	// task 0 done
}

// Map yields results in input order, reading its input lazily.
func ExampleMap() {
	ex := parallel.New(parallel.Config{})
	defer ex.Close()
	ctx := context.Background()
	names := slices.Values([]string{"a.jpg", "b.png", "c.gif"})
	for f := range parallel.Map(ctx, ex, names, func(ctx context.Context, name string) (string, error) {
		return "processed_" + name, nil
	}, nil) {
		out, err := f.Result(ctx)
		fmt.Println(out, err)
	}
	// Output:
	// processed_a.jpg <nil>
	// processed_b.png <nil>
	// processed_c.gif <nil>
}

// Breaking out of a Map over an endless input cancels what is in flight.
func ExampleMap_endless() {
	ex := parallel.New(parallel.Config{})
	defer ex.Close()
	ctx := context.Background()
	naturals := func(yield func(int) bool) {
		for i := 1; yield(i); i++ {
		}
	}
	for f := range parallel.Map(ctx, ex, naturals, func(ctx context.Context, n int) (int, error) {
		return n * n, nil
	}, nil) {
		v, _ := f.Result(ctx)
		if v > 50 {
			break
		}
		fmt.Print(v, " ")
	}
	fmt.Println()
	// Output: 1 4 9 16 25 36 49
}

func ExampleMap_unordered() {
	ex := parallel.New(parallel.Config{})
	defer ex.Close()
	ctx := context.Background()
	sum := 0
	for f := range parallel.Map(ctx, ex, slices.Values([]int{1, 2, 3, 4}), func(ctx context.Context, n int) (int, error) {
		return n * n, nil
	}, &parallel.MapOptions{Unordered: true}) {
		v, _ := f.Result(ctx) // futures come in completion order
		sum += v
	}
	fmt.Println(sum)
	// Output: 30
}

// Call runs a named task from a Registry: in-process here, in worker
// processes or on a cluster with a Backend, with the same call site.
func ExampleCall() {
	var r parallel.Registry
	upper := parallel.Register(&r, "upper", nil, func(ctx context.Context, s string) (string, error) {
		return strings.ToUpper(s), nil
	})

	ex := parallel.New(parallel.Config{Backend: &backend.Local{Registry: &r}})
	defer ex.Close()
	ctx := context.Background()
	v, err := parallel.Call(ctx, ex, upper, "fanout").Result(ctx)
	fmt.Println(v, err)
	// Output: FANOUT <nil>
}

// Wait returns as soon as one task fails, like Python's
// wait(return_when=FIRST_EXCEPTION).
func ExampleWait() {
	ex := parallel.New(parallel.Config{Workers: 3})
	defer ex.Close()
	ctx := context.Background()
	release := make(chan struct{})
	fs := []*parallel.Future[int]{
		parallel.Submit(ctx, ex, func(ctx context.Context) (int, error) { <-release; return 1, nil }),
		parallel.Submit(ctx, ex, func(ctx context.Context) (int, error) { return 0, errors.New("disk full") }),
		parallel.Submit(ctx, ex, func(ctx context.Context) (int, error) { <-release; return 3, nil }),
	}
	done, pending, err := parallel.Wait(ctx, fs, parallel.WaitFirstError)
	fmt.Println(len(done), len(pending), err, done[0].Err())
	close(release)

	done, pending, err = parallel.Wait(ctx, fs, parallel.WaitAll)
	fmt.Println(len(done), len(pending), err)
	// Output:
	// 1 2 <nil> disk full
	// 3 0 <nil>
}

func ExampleFuture_OnDone() {
	ex := parallel.New(parallel.Config{})
	ctx := context.Background()
	f := parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) { return "hello", nil })
	f.OnDone(func(f *parallel.Future[string]) {
		v, _ := f.Result(ctx)
		fmt.Println("callback saw", v)
	})
	ex.Close() // waits for the task, and so for its callback
	// Output: callback saw hello
}

func ExampleExecutor_Stats() {
	ex := parallel.New(parallel.Config{Workers: 2})
	ctx := context.Background()
	for i := range 10 {
		parallel.Submit(ctx, ex, func(ctx context.Context) (int, error) {
			if i%5 == 0 {
				return 0, errors.New("no")
			}
			return i, nil
		})
	}
	ex.Close()
	s := ex.Stats()
	fmt.Println(s.Submitted, s.Succeeded, s.Failed, s.Queued, s.Running)
	// Output: 10 8 2 0 0
}

// Shutdown with CancelQueued lets the running task finish and completes
// the queued ones as cancelled, without running them.
func ExampleExecutor_Shutdown() {
	ex := parallel.New(parallel.Config{Workers: 1})
	defer ex.Close() // after Shutdown, Close only waits for the worker goroutines to be gone
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	running := parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) {
		close(started)
		<-release
		return "finished", nil
	})
	<-started
	queued := parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) { return "never", nil })

	shut := make(chan error)
	go func() { shut <- ex.Shutdown(ctx, parallel.CancelQueued) }()
	<-queued.Done() // cancelled at once, while the running task goes on
	close(release)
	fmt.Println(<-shut)

	fmt.Println(running.Result(ctx))
	_, err := queued.Result(ctx)
	fmt.Println(queued.State(), errors.Is(err, parallel.ErrClosed))
	_, err = parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) { return "late", nil }).Result(ctx)
	fmt.Println(err)
	// Output:
	// <nil>
	// finished <nil>
	// cancelled true
	// parallel: executor closed
}

func ExampleTrySubmit() {
	ex := parallel.New(parallel.Config{Workers: 1, QueueSize: 1})
	defer ex.Close()
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	parallel.Submit(ctx, ex, func(ctx context.Context) (int, error) { close(started); <-release; return 0, nil })
	<-started
	// The queue holds one task: the first TrySubmit is queued, the second
	// is refused at once, its future already failed.
	f1 := parallel.TrySubmit(ctx, ex, func(ctx context.Context) (int, error) { return 1, nil })
	f2 := parallel.TrySubmit(ctx, ex, func(ctx context.Context) (int, error) { return 2, nil })
	fmt.Println(f1.Err())
	fmt.Println(f2.Err())
	close(release)
	// Output:
	// <nil>
	// parallel: queue full
}

// Collect is list(executor.map(f, xs)): the values in order, or the first
// error, which cancels the tasks still outstanding.
func ExampleCollect() {
	ex := parallel.New(parallel.Config{})
	defer ex.Close()
	ctx := context.Background()
	double := func(_ context.Context, n int) (int, error) {
		if n < 0 {
			return 0, fmt.Errorf("negative input %d", n)
		}
		return 2 * n, nil
	}
	fmt.Println(parallel.Collect(ctx, parallel.Map(ctx, ex, slices.Values([]int{1, 2, 3}), double, nil)))
	fmt.Println(parallel.Collect(ctx, parallel.Map(ctx, ex, slices.Values([]int{1, -2, 3}), double, nil)))
	// Output:
	// [2 4 6] <nil>
	// [2] negative input -2
}
