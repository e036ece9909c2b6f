package parallel_test

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/fanout-dev/fanout/parallel"
)

// The tutorial's ProcessPoolExecutor with submit and result:
//
//	with concurrent.futures.ProcessPoolExecutor() as executor:
//	    f1 = executor.submit(do_something, 1)
//	    f2 = executor.submit(do_something, 1)
//	    print(f1.result())
//	    print(f2.result())
//
// Sleeping tasks wait rather than compute: give them as many workers as
// tasks (Workers), or they wait for a free one (the default is one per
// core, right for CPU-bound work).
func Example_submitResult() {
	ex := parallel.New(parallel.Config{Workers: 2})
	defer ex.Close()
	ctx := context.Background()
	start := time.Now()
	f1 := parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) { return doSomething(ctx, 1) })
	f2 := parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) { return doSomething(ctx, 1) })
	fmt.Println(f1.Result(ctx))
	fmt.Println(f2.Result(ctx))
	fmt.Printf("Finished in %v\n", time.Since(start).Round(time.Second))
	// Output:
	// Done sleeping...1 <nil>
	// Done sleeping...1 <nil>
	// Finished in 1s
}

// The tutorial's as_completed, with tasks of different lengths so that the
// order they finish in shows (the tutorial's all sleep one second):
//
//	with concurrent.futures.ProcessPoolExecutor() as executor:
//	    futures = [executor.submit(sleep_ms, ms) for ms in [400, 100, 300, 200]]
//	    for future in concurrent.futures.as_completed(futures):
//	        print(future.result())
func Example_asCompleted() {
	ex := parallel.New(parallel.Config{Workers: 4})
	defer ex.Close()
	ctx := context.Background()
	var fs []*parallel.Future[string]
	for _, ms := range []int{400, 100, 300, 200} {
		fs = append(fs, parallel.Submit(ctx, ex, func(ctx context.Context) (string, error) {
			select {
			case <-time.After(time.Duration(ms) * time.Millisecond):
				return fmt.Sprintf("slept %d ms", ms), nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}))
	}
	for f := range parallel.AsCompleted(ctx, fs) {
		fmt.Println(f.Result(ctx))
	}
	// Output:
	// slept 100 ms <nil>
	// slept 200 ms <nil>
	// slept 300 ms <nil>
	// slept 400 ms <nil>
}

// The tutorial's executor.map, whose results come in input order:
//
//	with concurrent.futures.ProcessPoolExecutor() as executor:
//	    for result in executor.map(do_something, [3, 1, 2]):
//	        print(result)
//
// (in tenths of a second here). Collect gathers them as list(...) would;
// on an executor whose backend is worker processes, MapCall runs a
// registered task there, in chunks (MapOptions.Chunk).
func Example_map() {
	ex := parallel.New(parallel.Config{Workers: 3})
	defer ex.Close()
	ctx := context.Background()
	tenths := func(ctx context.Context, n int) (string, error) {
		select {
		case <-time.After(time.Duration(n) * 100 * time.Millisecond):
			return fmt.Sprintf("Done sleeping...%d", n), nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	for f := range parallel.Map(ctx, ex, slices.Values([]int{3, 1, 2}), tenths, nil) {
		fmt.Println(f.Result(ctx))
	}
	fmt.Println(parallel.Collect(ctx, parallel.Map(ctx, ex, slices.Values([]int{2, 1}), tenths, nil)))
	// Output:
	// Done sleeping...3 <nil>
	// Done sleeping...1 <nil>
	// Done sleeping...2 <nil>
	// [Done sleeping...2 Done sleeping...1] <nil>
}
