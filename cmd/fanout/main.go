// Command fanout downloads and processes images in parallel, and runs the
// workers and server of a fanout cluster. Run "fanout help" for usage.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/fanout-dev/fanout/batch"
	"github.com/fanout-dev/fanout/parallel/proc"
)

func main() {
	// In a worker process (fanout images --isolate) this serves tasks and
	// never returns: everything above it runs in every worker too.
	proc.ServeIfWorker(newRegistry(batch.Limits{})) // --isolate workers: the submitter's own limits hold

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
