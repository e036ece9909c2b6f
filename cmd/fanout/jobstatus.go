package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/parallel/natsjs"
)

// jobStatus is "fanout status JOB": it prints the state of one job and
// returns the exit status.
func jobStatus(ctx context.Context, js jetstream.JetStream, cfg natsjs.Config, job string, asJSON bool, stdout, stderr io.Writer) int {
	st, err := natsjs.ReadJob(ctx, js, cfg, job)
	if err != nil {
		fmt.Fprintf(stderr, "fanout status: %v\n", err)
		return exitFailed
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(struct {
			natsjs.JobStatus
			Finished   bool    `json:"finished"`
			Throughput float64 `json:"throughput"`
		}{st, st.Finished(), st.Throughput()})
		return exitOK
	}
	printJobStatus(stdout, st, time.Now())
	return exitOK
}

// printJobStatus writes st for people.
func printJobStatus(w io.Writer, st natsjs.JobStatus, now time.Time) {
	if st.Queued == 0 {
		fmt.Fprintf(w, "job %s: nothing queued (no such job, or its records have expired)\n", st.Job)
		return
	}
	state := "running"
	if st.Finished() {
		state = "finished"
	}
	fmt.Fprintf(w, "job %s: %s\n", st.Job, state)
	fmt.Fprintf(w, "  items    %d queued, %d done (%d ok, %d failed), %d pending\n",
		st.Queued, st.Done, st.Succeeded, st.Failed, st.Pending)
	if !st.First.IsZero() {
		fmt.Fprintf(w, "  results  first %s ago, last %s ago", roundAgo(now.Sub(st.First)), roundAgo(now.Sub(st.Last)))
		if r := st.Throughput(); r > 0 {
			fmt.Fprintf(w, ", %.1f items/s", r)
		}
		fmt.Fprintln(w)
	}
	if st.Failed > 0 {
		fmt.Fprintln(w, "  failures are listed by running the job's command again (--job), and their dead letters by fanout dlq list")
	}
}

// roundAgo rounds a duration for display.
func roundAgo(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
