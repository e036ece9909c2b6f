package main

import "github.com/fanout-dev/fanout/parallel"

// newRegistry returns the named tasks this binary can run: the same value in
// the submitting process, in its worker processes and on cluster workers.
func newRegistry() *parallel.Registry {
	return new(parallel.Registry)
}
