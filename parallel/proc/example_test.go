//go:build linux

package proc_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/paralleltest"
	"github.com/fanout-dev/fanout/parallel/proc"
)

// A program that runs tasks in worker processes builds its registry, hands
// it to ServeIfWorker first thing in main, and only then does its own work.
// The same binary is both the parent and, re-executed, every worker.
func ExampleServeIfWorker() {
	reg := new(parallel.Registry)
	square := parallel.Register(reg, "square", nil, func(_ context.Context, n int) (int, error) {
		return n * n, nil
	})
	proc.ServeIfWorker(reg) // in a worker, this serves tasks and exits

	b, err := proc.New(proc.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer b.Close()
	ex := parallel.New(parallel.Config{Backend: b})
	defer ex.Close()
	ctx := context.Background()
	fmt.Println(parallel.Call(ctx, ex, square, 7).Result(ctx))
}

// The executor's named tasks run in worker processes; a worker that dies
// costs only its own task. (This package's TestMain calls ServeIfWorker
// with a registry holding the tasks used here.)
func ExampleNew() {
	b, err := proc.New(proc.Config{Workers: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	ex := parallel.New(parallel.Config{Backend: b})
	defer ex.Close()
	ctx := context.Background()

	crashed := parallel.Call(ctx, ex, tasks.exit, 3) // the worker calls os.Exit(3)
	var squares []*parallel.Future[int]
	for i := range 4 {
		squares = append(squares, parallel.Call(ctx, ex, tasks.square, i))
	}
	for _, f := range squares {
		fmt.Println(f.Result(ctx))
	}
	_, err = crashed.Result(ctx)
	var ce *proc.CrashError
	fmt.Println(errors.As(err, &ce), ce.ExitCode)
	// Output:
	// 0 <nil>
	// 1 <nil>
	// 4 <nil>
	// 9 <nil>
	// true 3
}

// Start runs one task in a child process of its own, like Python's
// multiprocessing.Process.
func ExampleStart() {
	ctx := context.Background()
	p, err := proc.Start(ctx, proc.Config{}, tasks.print.Name(), []byte(`"hello"`))
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := p.Join(ctx)
	fmt.Printf("result %s, err %v, exit code %d\n", out, err, p.ExitCode())
	fmt.Printf("stderr %q\n", p.Stderr())
	// Output:
	// result "hello", err <nil>, exit code 0
	// stderr "to stderr: hello\n"
}

// A registered task in a child process of its own, with typed input and
// output: Python's multiprocessing.Process(target=square, args=(12,)).
func ExampleStartTask() {
	ctx := context.Background()
	p, err := proc.StartTask(ctx, proc.Config{}, tasks.square, 12)
	if err != nil {
		fmt.Println(err)
		return
	}
	n, err := p.Join(ctx)
	fmt.Println(n, err, p.ExitCode())
	// Output: 144 <nil> 0
}

// The tutorial's two processes, each sleeping, run at the same time:
//
//	p1 = multiprocessing.Process(target=do_something, args=[1])
//	p2 = multiprocessing.Process(target=do_something, args=[1])
//	p1.start(); p2.start()
//	p1.join(); p2.join()
//
// (sleep, in milliseconds, is registered in the registry the workers
// serve, here the test binary's; the handle only names it.)
func ExampleStartTask_tutorial() {
	sleep := parallel.Register(new(parallel.Registry), paralleltest.Sleep, nil, func(context.Context, int) (int, error) { return 0, nil })
	ctx := context.Background()
	p1, err1 := proc.StartTask(ctx, proc.Config{}, sleep, 1500)
	p2, err2 := proc.StartTask(ctx, proc.Config{}, sleep, 1500)
	if err := errors.Join(err1, err2); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("both running at once:", p1.Alive() && p2.Alive())
	fmt.Println(p1.Join(ctx))
	fmt.Println(p2.Join(ctx))
	// Output:
	// both running at once: true
	// 1500 <nil>
	// 1500 <nil>
}
