package main

import (
	"github.com/fanout-dev/fanout/batch"
	"github.com/fanout-dev/fanout/parallel"
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
