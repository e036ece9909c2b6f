package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/fanout-dev/fanout/batch"
	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/proc"
)

// tasks holds the named tasks this binary can run: the same registry in the
// submitting process, in its worker processes (--isolate) and on cluster
// workers (fanout worker).
type tasks struct {
	reg   *parallel.Registry
	image *parallel.Task[batch.Job, batch.Output]
}

// newTasks returns the tasks, the image task holding every job to lim
// (see batch.Register).
func newTasks(lim batch.Limits) *tasks {
	reg := new(parallel.Registry)
	return &tasks{reg: reg, image: batch.Register(reg, lim)}
}

// newRegistry returns the registry of newTasks.
func newRegistry(lim batch.Limits) *parallel.Registry { return newTasks(lim).reg }

// isolatedBackend starts the worker processes of --isolate and of a
// cluster worker's --memory-limit: workers children of this binary (main
// serves newRegistry in them), each allowed memoryLimit more bytes of
// address space (0: no limit).
func isolatedBackend(workers int, memoryLimit int64) (*proc.Backend, error) {
	pc := proc.Config{Workers: workers, MemoryLimit: memoryLimit}
	if memoryLimit > 0 {
		// The limit counts address space, and glibc's malloc reserves 64
		// MiB of it for each thread that calls into C (libjpeg-turbo):
		// two arenas keep the limit about memory.
		pc.Env = append(os.Environ(), "MALLOC_ARENA_MAX=2")
	}
	return proc.New(pc)
}

// isolatedRegistry returns a registry whose image task holds every job to
// lim in this process, then runs it in one of workers child processes
// limited to memoryLimit bytes each, so that a job that needs more fails
// alone, permanently, and this process lives; and a function that stops
// the children.
func isolatedRegistry(lim batch.Limits, workers int, memoryLimit int64) (*parallel.Registry, func(), error) {
	pb, err := isolatedBackend(workers, memoryLimit)
	if err != nil {
		return nil, nil, err
	}
	ex := parallel.New(parallel.Config{Workers: workers, Backend: pb})
	child := newTasks(batch.Limits{}) // what main serves in the children
	reg := new(parallel.Registry)
	batch.RegisterWith(reg, lim, func(ctx context.Context, job batch.Job) (batch.Output, error) {
		out, err := parallel.Call(ctx, ex, child.image, job).Result(ctx)
		var crash *proc.CrashError
		if errors.As(err, &crash) && crash.MemoryLimit {
			// Another try would need as much: fail it for good.
			return out, parallel.Permanent(fmt.Errorf("over the worker's memory limit of %d bytes: %w", memoryLimit, err))
		}
		return out, err
	})
	return reg, func() { ex.Close(); pb.Close() }, nil
}
