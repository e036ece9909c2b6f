package natsjs_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/natsjs"
)

// TestJob checks that a job outlives its submitters: tasks queued by a
// detached submitter are collected by the next one without being queued
// again, tasks already done are not run again, identical tasks share one
// run, and Job reports the counts.
func TestJob(t *testing.T) {
	s := newTestServer(t)
	r := new(parallel.Registry)
	ts := newTestTasks(r)
	cfg := testConfig()
	cfg.Job = "photos-2026"
	ctx := t.Context()

	// A detached submitter queues ten tasks and leaves: no worker yet.
	dcfg := cfg
	dcfg.Detach = true
	detached := newTestBackend(t, s, dcfg)
	for i := range 10 {
		if _, err := call(ctx, detached, ts.echo, fmt.Sprint(i)); !errors.Is(err, natsjs.ErrDetached) || !errors.Is(err, parallel.ErrDetached) {
			t.Fatalf("detached Run: %v, want ErrDetached", err)
		}
	}
	detached.Close()
	if st, err := natsjs.ReadJob(ctx, mustConnect(t, s), cfg, cfg.Job); err != nil || st.Queued != 10 || st.Pending != 10 || st.Done != 0 {
		t.Fatalf("Job after a detached submit = %+v, %v; want 10 queued and pending", st, err)
	}

	// Workers come; the next submitter of the job collects those ten
	// (queued or done by now, never queued again), and runs five more
	// and one that fails.
	startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg})
	b := newTestBackend(t, s, cfg)
	for i := range 15 {
		if got, err := call(ctx, b, ts.echo, fmt.Sprint(i)); err != nil || got != fmt.Sprint(i) {
			t.Fatalf("echo %d in the job = %q, %v", i, got, err)
		}
	}
	if _, err := call(ctx, b, ts.permanent, "x"); err == nil || !strings.Contains(err.Error(), "corrupt input: x") {
		t.Fatalf("failing task in the job: %v", err)
	}
	b.Close()

	// A third submitter of the job finds everything done: nothing runs.
	again := newTestBackend(t, s, cfg)
	for i := range 15 {
		if got, err := call(ctx, again, ts.echo, fmt.Sprint(i)); err != nil || got != fmt.Sprint(i) {
			t.Fatalf("echo %d collected again = %q, %v", i, got, err)
		}
	}
	if _, err := call(ctx, again, ts.permanent, "x"); err == nil || !strings.Contains(err.Error(), "corrupt input: x") {
		t.Fatalf("failed task collected again: %v", err)
	}
	for i := range 15 {
		if n := ts.runs.get(fmt.Sprint("echo ", i)); n != 1 {
			t.Errorf("echo %d ran %d times across three submitters of the job, want once", i, n)
		}
	}
	if n := ts.runs.get("permanent x"); n != 1 {
		t.Errorf("the failing task ran %d times, want once", n)
	}

	st, err := natsjs.ReadJob(ctx, mustConnect(t, s), cfg, cfg.Job)
	if err != nil {
		t.Fatal(err)
	}
	if st.Queued != 16 || st.Done != 16 || st.Succeeded != 15 || st.Failed != 1 || st.Pending != 0 || !st.Finished() {
		t.Errorf("Job = %+v, want 16 queued, 15 succeeded, 1 failed, finished", st)
	}
	if st.First.IsZero() || st.Last.Before(st.First) || time.Since(st.Last) > time.Minute {
		t.Errorf("Job result times %v to %v", st.First, st.Last)
	}
	// Another job's status is its own.
	if other, err := natsjs.ReadJob(ctx, mustConnect(t, s), cfg, "other"); err != nil || other.Queued != 0 || other.Done != 0 {
		t.Errorf("Job(other) = %+v, %v; want nothing", other, err)
	}
}

func TestJobBadConfig(t *testing.T) {
	s := newTestServer(t)
	for _, cfg := range []natsjs.Config{{Job: "a.b"}, {Job: strings.Repeat("j", 65)}, {Detach: true}} {
		if _, err := natsjs.New(mustConnect(t, s), cfg); err == nil {
			t.Errorf("New(%+v) = nil error", cfg)
		}
	}
}

// TestReadJobCreatesNothing checks that reading a job's status on a
// cluster where no job ran reports nothing and makes no bucket.
func TestReadJobCreatesNothing(t *testing.T) {
	s := newTestServer(t)
	js := mustConnect(t, s)
	st, err := natsjs.ReadJob(t.Context(), js, natsjs.Config{}, "never-ran")
	if err != nil || st.Queued != 0 || st.Done != 0 || st.Finished() {
		t.Errorf("ReadJob on a fresh cluster = %+v, %v; want nothing", st, err)
	}
	if _, err := js.KeyValue(t.Context(), natsjs.DefaultPrefix+"_JOBS"); err == nil {
		t.Error("ReadJob created the jobs bucket")
	}
}
