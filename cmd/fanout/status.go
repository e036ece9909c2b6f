package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/parallel/natsjs"
)

const statusUsage = `Usage: fanout status --nats URL [credentials] [--json] [JOB]

Shows the state of a fanout cluster: tasks waiting for a worker, running
and redelivered; dead letters ("fanout dlq"); results not yet collected;
the workers connected, with their concurrency, what they run and have done,
and their last heartbeat (every 5 s; a worker silent for 15 s is gone); the
cluster's throughput over the last minute.

With JOB, the state of that job (fanout images --job): its items queued,
done, failed and pending, the time of its first and last result, its
throughput, and whether it has finished. A job's records and results are
kept for 24 hours after they are written.

`

// runStatus is "fanout status": it prints the cluster's state and returns
// the exit status.
func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := newCommand("status", statusUsage, stdout, stderr)
	o := natsOptions{connectionName: "fanout status"}
	o.addFlags(cmd.fs)
	asJSON := cmd.fs.Bool("json", false, "print the state as one JSON object")
	rest, code, ok := cmd.parse(args, -1)
	if !ok {
		return code
	}
	if len(rest) > 1 {
		return cmd.fail(fmt.Errorf("one job at a time: %q", rest))
	}
	if err := o.resolve(os.Getenv); err != nil {
		return cmd.fail(err)
	}
	js, closeConn, err := o.jetStream()
	if err != nil {
		fmt.Fprintf(stderr, "fanout status: %v\n", err)
		return exitFailed
	}
	defer closeConn()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if len(rest) == 1 {
		return jobStatus(ctx, js, o.config(), rest[0], *asJSON, stdout, stderr)
	}
	st, err := natsjs.ReadStatus(ctx, js, o.config())
	if err != nil {
		fmt.Fprintf(stderr, "fanout status: %v\n", err)
		return exitFailed
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(st)
		return exitOK
	}
	printStatus(stdout, st, time.Now())
	return exitOK
}

// jetStream connects with o and returns the JetStream client and the
// function that closes the connection.
func (o *natsOptions) jetStream() (jetstream.JetStream, func(), error) {
	nc, err := o.connect(o.log)
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return js, nc.Close, nil
}

// printStatus writes st for people.
func printStatus(w io.Writer, st *natsjs.Status, now time.Time) {
	fmt.Fprintf(w, "queue:        %d waiting, %d running (%d redelivered), %d idle worker slots\n",
		st.Queued, st.Running, st.Redelivered, st.IdleSlots)
	fmt.Fprintf(w, "dead letters: %d", st.DeadLetters)
	if st.DeadLetters > 0 {
		fmt.Fprint(w, " (fanout dlq list)")
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "results:      %d not yet collected, %d submitters\n", st.Results, st.Submitters)
	fmt.Fprintf(w, "throughput:   %.1f tasks/s over the last minute\n", st.Throughput)
	fmt.Fprintf(w, "workers:      %d", len(st.Workers))
	switch {
	case len(st.Workers) == 0 && st.Queued > 0:
		fmt.Fprint(w, ": tasks wait and no worker is connected; start one (fanout worker)")
	case len(st.Workers) == 0 && st.Consumers == 0:
		fmt.Fprint(w, ": no worker has ever served this cluster")
	}
	fmt.Fprintln(w)
	if len(st.Workers) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  HOST\tPID\tSERVER\tCONCURRENCY\tRUNNING\tDONE\tFAILED\tRETRIED\tRATE/S\tUP\tHEARTBEAT\tTASKS")
	for _, wi := range st.Workers {
		tasks := "all"
		if len(wi.Tasks) > 0 {
			tasks = strings.Join(wi.Tasks, ",")
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%.1f\t%s\t%s ago\t%s\n",
			wi.Host, wi.PID, wi.Server, wi.Concurrency, wi.Running, wi.Done, wi.Failed, wi.Retried, wi.Rate,
			now.Sub(wi.Started).Round(time.Second), now.Sub(wi.Heartbeat).Round(time.Second), tasks)
	}
	tw.Flush()
}
