// Command proc measures the per-task round trip of fanout's process backend
// (parallel/proc) against Python's ProcessPoolExecutor (../procpool.py),
// side by side in one run: rounds alternate between the two, and the
// medians and their ratio are printed.
//
// Two modes, the same on both sides, with a tiny task (square an int):
//
//	seq    one task at a time on one warm worker: submit, wait for the result
//	batch  n tasks submitted at once to a pool of -workers, then all awaited
//	map    -map-n tasks through a map on -workers workers: parallel.MapCall
//	       with automatic chunks against Python's ex.map(chunksize=500);
//	       seconds for the whole map
//
// Run it from the bench folder:
//
//	go run ./proc -n 2000 -rounds 7
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/proc"
)

func main() {
	reg := new(parallel.Registry)
	tiny := parallel.Register(reg, "tiny", nil, func(_ context.Context, x int) (int, error) { return x * x, nil })
	proc.ServeIfWorker(reg)

	n := flag.Int("n", 2000, "tasks per round")
	rounds := flag.Int("rounds", 7, "rounds per side")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "workers for the batch mode")
	mapN := flag.Int("map-n", 20000, "tasks of the map mode")
	python := flag.String("python", "python3", "the Python interpreter")
	script := flag.String("script", "procpool.py", "the Python side")
	flag.Parse()
	if err := run(tiny, *n, *mapN, *rounds, *workers, *python, *script); err != nil {
		fmt.Fprintln(os.Stderr, "proc bench:", err)
		os.Exit(1)
	}
}

func run(tiny *parallel.Task[int, int], n, mapN, rounds, workers int, python, script string) error {
	ctx := context.Background()
	seqB, err := proc.New(proc.Config{Workers: 1})
	if err != nil {
		return err
	}
	defer seqB.Close()
	seqEx := parallel.New(parallel.Config{Workers: 1, Backend: seqB})
	defer seqEx.Close()
	batchB, err := proc.New(proc.Config{Workers: workers})
	if err != nil {
		return err
	}
	defer batchB.Close()
	batchEx := parallel.New(parallel.Config{Workers: workers, QueueSize: n, Backend: batchB})
	defer batchEx.Close()
	for _, b := range []*proc.Backend{seqB, batchB} {
		if err := b.Warm(ctx); err != nil {
			return err
		}
	}
	// Warm-up, as the Python side does.
	for i := range 200 {
		if _, err := parallel.Call(ctx, seqEx, tiny, i).Result(ctx); err != nil {
			return err
		}
	}

	var goSeq, goBatch, goMap, goMap500, pySeq, pyBatch, pyMap []float64
	mapEx := parallel.New(parallel.Config{Workers: workers, Backend: batchB})
	defer mapEx.Close()
	inputs := func(yield func(int) bool) {
		for i := range mapN {
			if !yield(i) {
				return
			}
		}
	}
	var pyVersion string
	for r := range rounds {
		// Go, seq.
		start := time.Now()
		for i := range n {
			if _, err := parallel.Call(ctx, seqEx, tiny, i).Result(ctx); err != nil {
				return err
			}
		}
		goSeq = append(goSeq, time.Since(start).Seconds()/float64(n))

		// Go, batch.
		start = time.Now()
		fs := make([]*parallel.Future[int], n)
		for i := range n {
			fs[i] = parallel.Call(ctx, batchEx, tiny, i)
		}
		for _, f := range fs {
			if _, err := f.Result(ctx); err != nil {
				return err
			}
		}
		goBatch = append(goBatch, time.Since(start).Seconds()/float64(n))

		// Go, map with automatic chunks and with chunks of 500 as the
		// Python side, in turns first, so that neither always follows
		// the batch mode's garbage.
		for k := range 2 {
			chunk := 0
			if (k+r)%2 == 1 {
				chunk = 500
			}
			start = time.Now()
			got, err := parallel.Collect(ctx, parallel.MapCall(ctx, mapEx, tiny, inputs, &parallel.MapOptions{Chunk: chunk}))
			if err != nil || len(got) != mapN {
				return fmt.Errorf("map (chunk %d): %d results, %v", chunk, len(got), err)
			}
			if chunk == 0 {
				goMap = append(goMap, time.Since(start).Seconds())
			} else {
				goMap500 = append(goMap500, time.Since(start).Seconds())
			}
		}

		// Python, one round of each.
		var out bytes.Buffer
		cmd := exec.CommandContext(ctx, python, script, "--n", fmt.Sprint(n), "--rounds", "1", "--workers", fmt.Sprint(workers), "--map-n", fmt.Sprint(mapN))
		cmd.Stdout, cmd.Stderr = &out, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("run %s %s: %w", python, script, err)
		}
		var py struct {
			Python          string
			Seq, Batch, Map []float64
		}
		if err := json.Unmarshal(out.Bytes(), &py); err != nil {
			return fmt.Errorf("read %s output %q: %w", script, out.String(), err)
		}
		pyVersion = py.Python
		pySeq = append(pySeq, py.Seq...)
		pyBatch = append(pyBatch, py.Batch...)
		pyMap = append(pyMap, py.Map...)
	}

	abs, _ := filepath.Abs(script)
	fmt.Printf("per-task round trip, tiny task, %d tasks x %d rounds per side, %d batch workers, GOMAXPROCS %d\n",
		n, rounds, workers, runtime.GOMAXPROCS(0))
	fmt.Printf("peer: Python %s ProcessPoolExecutor (%s)\n\n", pyVersion, abs)
	fmt.Printf("%-6s %16s %16s %8s\n", "mode", "fanout proc", "Python", "ratio")
	for _, m := range []struct {
		name     string
		goS, pyS []float64
	}{{"seq", goSeq, pySeq}, {"batch", goBatch, pyBatch}} {
		g, p := median(m.goS), median(m.pyS)
		fmt.Printf("%-6s %13.1f µs %13.1f µs %8.3f\n", m.name, g*1e6, p*1e6, g/p)
	}
	g, p := median(goMap), median(pyMap)
	fmt.Printf("%-6s %14.3f s %14.3f s %8.3f   (%d tasks; fanout: automatic chunks, Python: chunksize=500)\n", "map", g, p, g/p, mapN)
	g = median(goMap500)
	fmt.Printf("%-6s %14.3f s %14.3f s %8.3f   (the same, fanout with Chunk: 500)\n", "map500", g, p, g/p)
	fmt.Println("\nratio = fanout median / Python median (lower is better; target <= 0.5)")
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
