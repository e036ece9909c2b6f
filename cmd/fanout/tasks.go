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

func newTasks() *tasks {
	reg := new(parallel.Registry)
	return &tasks{reg: reg, image: batch.Register(reg)}
}

// newRegistry returns the registry of newTasks.
func newRegistry() *parallel.Registry { return newTasks().reg }
