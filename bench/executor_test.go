// Benchmarks of the executor's per-task overhead against other Go worker
// pools, and of the memory that streaming tasks through Map needs. Figures
// and the command that produced them: BENCH-executor.md.
package bench_test

import (
	"context"
	"fmt"
	"iter"
	"runtime"
	"sync"
	"syscall"
	"testing"

	"github.com/alitto/pond/v2"
	"github.com/fanout-dev/fanout/parallel"
	"github.com/panjf2000/ants/v2"
	"github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"
)

// batch is how many tasks are submitted before their results are
// collected in the "batch" benchmarks: enough to keep every worker busy,
// few enough to stay in cache. The "serial" benchmarks use a batch of 1:
// submit, wait for the result, repeat (a wake-up per task).
const batch = 256

var sink int

// overhead measures submit + run an empty task + collect its result, per
// task, for one pool. run submits n tasks returning 0..n-1 and returns
// their sum.
type overhead struct {
	name string
	// start returns a function that runs one batch of n tasks and
	// returns their results' sum, and a function that releases the pool.
	start func(workers int) (run func(n int) int, stop func())
}

func peers() []overhead {
	return []overhead{
		{"fanout", func(workers int) (func(int) int, func()) {
			ex := parallel.New(parallel.Config{Workers: workers})
			ctx := context.Background()
			fs := make([]*parallel.Future[int], 0, batch)
			return func(n int) int {
				fs = fs[:0]
				for i := range n {
					fs = append(fs, parallel.Submit(ctx, ex, func(context.Context) (int, error) { return i, nil }))
				}
				sum := 0
				for _, f := range fs {
					v, _ := f.Result(ctx)
					sum += v
				}
				return sum
			}, func() { ex.Close() }
		}},
		{"pond", func(workers int) (func(int) int, func()) {
			p := pond.NewResultPool[int](workers)
			ts := make([]pond.ResultTask[int], 0, batch)
			return func(n int) int {
				ts = ts[:0]
				for i := range n {
					ts = append(ts, p.SubmitErr(func() (int, error) { return i, nil }))
				}
				sum := 0
				for _, t := range ts {
					v, _ := t.Wait()
					sum += v
				}
				return sum
			}, func() { p.StopAndWait() }
		}},
		{"conc", func(workers int) (func(int) int, func()) {
			// A conc pool is used once: Wait ends it.
			return func(n int) int {
				p := pool.NewWithResults[int]().WithErrors().WithMaxGoroutines(workers)
				for i := range n {
					p.Go(func() (int, error) { return i, nil })
				}
				rs, _ := p.Wait()
				sum := 0
				for _, v := range rs {
					sum += v
				}
				return sum
			}, func() {}
		}},
		{"ants", func(workers int) (func(int) int, func()) {
			p, err := ants.NewPool(workers)
			if err != nil {
				panic(err)
			}
			rs := make([]int, batch)
			var wg sync.WaitGroup
			return func(n int) int {
				wg.Add(n)
				for i := range n {
					_ = p.Submit(func() { rs[i] = i; wg.Done() })
				}
				wg.Wait()
				sum := 0
				for _, v := range rs[:n] {
					sum += v
				}
				return sum
			}, func() { p.Release() }
		}},
		// ants with what a future gives: each task's own result, waited
		// for by itself (a channel a task), and a recovered panic.
		{"ants-result", func(workers int) (func(int) int, func()) {
			p, err := ants.NewPool(workers)
			if err != nil {
				panic(err)
			}
			type result struct {
				v   int
				err error
			}
			cs := make([]chan result, 0, batch)
			return func(n int) int {
				cs = cs[:0]
				for i := range n {
					c := make(chan result, 1)
					cs = append(cs, c)
					_ = p.Submit(func() {
						defer func() {
							if r := recover(); r != nil {
								c <- result{err: fmt.Errorf("panic: %v", r)}
							}
						}()
						c <- result{v: i}
					})
				}
				sum := 0
				for _, c := range cs {
					r := <-c
					sum += r.v
				}
				return sum
			}, func() { p.Release() }
		}},
		{"errgroup", func(workers int) (func(int) int, func()) {
			rs := make([]int, batch)
			return func(n int) int {
				var g errgroup.Group
				g.SetLimit(workers)
				for i := range n {
					g.Go(func() error { rs[i] = i; return nil })
				}
				_ = g.Wait()
				sum := 0
				for _, v := range rs[:n] {
					sum += v
				}
				return sum
			}, func() {}
		}},
	}
}

// BenchmarkOverhead reports the cost per task (ns/op, B/op and allocs/op
// are per task) of each pool with GOMAXPROCS workers.
func BenchmarkOverhead(b *testing.B) {
	workers := runtime.GOMAXPROCS(0)
	for _, mode := range []struct {
		name string
		n    int
	}{{"batch", batch}, {"serial", 1}} {
		for _, p := range peers() {
			b.Run(mode.name+"/"+p.name, func(b *testing.B) {
				run, stop := p.start(workers)
				defer stop()
				b.ReportAllocs()
				cpu0 := cpuTime()
				tasks, n := 0, 0
				for b.Loop() {
					tasks++
					n++
					if n == mode.n {
						sink += run(n)
						n = 0
					}
				}
				if n > 0 {
					sink += run(n)
				}
				// CPU time used by the whole process (every thread, the
				// garbage collector included) per task: unlike wall time,
				// it hardly moves when other jobs share the machine.
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(tasks), "cpu-ns/op")
			})
		}
	}
}

// cpuTime returns the CPU time the process has used, user and system, in
// nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// counting yields 0..n-1, made on the fly: the input never exists as a
// slice.
func counting(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
		}
	}
}

// BenchmarkMapStream streams n tasks through Map and reports the heap's
// peak (sampled every n/50 tasks) and the bytes allocated per task. If
// memory did not stay flat, peak-heap-MB would grow tenfold from 100k to
// 1M tasks.
func BenchmarkMapStream(b *testing.B) {
	for _, unordered := range []bool{false, true} {
		for _, n := range []int{100_000, 1_000_000} {
			name := fmt.Sprintf("ordered/tasks=%d", n)
			if unordered {
				name = fmt.Sprintf("unordered/tasks=%d", n)
			}
			b.Run(name, func(b *testing.B) {
				ex := parallel.New(parallel.Config{})
				defer ex.Close()
				ctx := context.Background()
				var ms runtime.MemStats
				var peak, totalAlloc uint64
				tasks := 0
				for b.Loop() {
					runtime.GC()
					runtime.ReadMemStats(&ms)
					before := ms.TotalAlloc
					i := 0
					for f := range parallel.Map(ctx, ex, counting(n), func(_ context.Context, v int) (int, error) {
						return v * 2, nil
					}, &parallel.MapOptions{Unordered: unordered}) {
						v, _ := f.Result(ctx)
						sink += v
						if i++; i%(n/50) == 0 {
							runtime.ReadMemStats(&ms)
							peak = max(peak, ms.HeapInuse)
						}
					}
					runtime.ReadMemStats(&ms)
					totalAlloc += ms.TotalAlloc - before
					tasks += n
				}
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				b.ReportMetric(float64(totalAlloc)/float64(tasks), "B/task")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(tasks), "ns/task")
			})
		}
	}
}
