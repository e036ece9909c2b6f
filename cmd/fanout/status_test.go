package main

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/natsjs"
)

// runCmd runs the fanout command line args in this process and returns
// its exit status and output.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestStatusAndDLQ runs "fanout status" and "fanout dlq" against a real
// server whose cluster has tasks queued, running, failed and
// dead-lettered.
func TestStatusAndDLQ(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a cluster with a worker")
	}
	srv := newCmdTestServer(t)
	url := srv.ClientURL()
	conn := func() jetstream.JetStream {
		nc, err := nats.Connect(url, nats.Token("right-token"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		return js
	}
	cfg := natsjs.Config{AckWait: 5 * time.Second, MaxDeliver: 2, Backoff: func(int) time.Duration { return 10 * time.Millisecond }}

	release := make(chan struct{})
	var failing atomic.Bool
	failing.Store(true)
	reg := new(parallel.Registry)
	block := parallel.Register(reg, "test.block", nil, func(ctx context.Context, n int) (int, error) {
		select {
		case <-release:
			return n, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	})
	flaky := parallel.Register(reg, "test.flaky", nil, func(ctx context.Context, n int) (int, error) {
		if failing.Load() {
			return 0, errors.New("flaky: the disk is full")
		}
		return n, nil
	})
	w := &natsjs.Worker{JS: conn(), Registry: reg, Config: cfg, Concurrency: 2}
	wctx, stopWorker := context.WithCancel(context.Background())
	wdone := make(chan error, 1)
	go func() { wdone <- w.Run(wctx) }()
	defer func() {
		stopWorker()
		if err := <-wdone; err != nil {
			t.Errorf("Worker.Run: %v", err)
		}
	}()

	js := conn()
	b, err := natsjs.New(js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ex := parallel.New(parallel.Config{Backend: b, Workers: 16})
	defer ex.Close()
	released := false
	defer func() {
		if !released {
			close(release) // first: the executor's Close waits for the blocked tasks
		}
	}()
	ctx := t.Context()

	// Two tasks fail on both deliveries: dead letters.
	for i := range 2 {
		if _, err := parallel.Call(ctx, ex, flaky, i).Result(ctx); err == nil {
			t.Fatal("flaky task succeeded")
		}
	}
	// Two block both of the worker's slots; three wait behind them.
	for i := range 2 {
		parallel.Call(ctx, ex, block, i)
	}
	waitStatus(t, js, cfg, func(st *natsjs.Status) bool { return st.Running == 2 })
	var queued []*parallel.Future[int]
	for i := range 3 {
		queued = append(queued, parallel.Call(ctx, ex, flaky, 10+i))
	}
	waitStatus(t, js, cfg, func(st *natsjs.Status) bool {
		return st.Queued == 3 && len(st.Workers) == 1 && st.Workers[0].DeadLettered == 2
	})

	creds := []string{"--nats", url, "--token", "right-token"}
	code, out, errOut := runCmd(t, append([]string{"status"}, creds...)...)
	if code != exitOK {
		t.Fatalf("fanout status: exit status %d: %s", code, errOut)
	}
	for _, want := range []string{
		"queue:        3 waiting, 2 running (0 redelivered), 0 idle worker slots",
		"dead letters: 2 (fanout dlq list)",
		"workers:      1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("fanout status does not say %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^  \S+\s+\d+\s+\S+\s+2\s+2\s+0\s+2\s+2\s`).MatchString(out) {
		t.Errorf("fanout status: worker row should show concurrency 2, running 2, done 0, failed 2, retried 2:\n%s", out)
	}
	code, out, _ = runCmd(t, append([]string{"status", "--json"}, creds...)...)
	var st natsjs.Status
	if err := json.Unmarshal([]byte(out), &st); code != exitOK || err != nil {
		t.Fatalf("fanout status --json: %d, %v:\n%s", code, err, out)
	}
	if st.DeadLetters != 2 || len(st.Workers) != 1 || st.Workers[0].Concurrency != 2 || time.Since(st.Workers[0].Heartbeat) > 10*time.Second {
		t.Errorf("fanout status --json = %+v", st)
	}

	code, out, errOut = runCmd(t, append([]string{"dlq", "list"}, creds...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 3 || !strings.Contains(lines[1], "test.flaky") || !strings.Contains(lines[1], "the disk is full") {
		t.Fatalf("fanout dlq list: %d, %s:\n%s", code, errOut, out)
	}
	first, second := strings.Fields(lines[1])[0], strings.Fields(lines[2])[0]
	if f := strings.Fields(lines[1]); f[2] != "2" {
		t.Errorf("dead letter delivered %s times, want 2: %q", f[2], lines[1])
	}

	// The disk has room again: the first dead letter runs and succeeds.
	failing.Store(false)
	if code, out, errOut := runCmd(t, append([]string{"dlq", "retry", first}, creds...)...); code != exitOK || !strings.Contains(out, "1 dead letters back") {
		t.Errorf("fanout dlq retry %s: %d, %s%s", first, code, out, errOut)
	}
	// Back in the queue, behind the two blocking tasks.
	waitStatus(t, js, cfg, func(st *natsjs.Status) bool { return st.DeadLetters == 1 && st.Queued == 4 && st.Running == 2 })
	if code, out, errOut := runCmd(t, append([]string{"dlq", "purge"}, creds...)...); code != exitOK || !strings.Contains(out, "1 dead letters removed") {
		t.Errorf("fanout dlq purge: %d, %s%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, append([]string{"dlq", "list"}, creds...)...); code != exitOK || !strings.Contains(out, "no dead letters") {
		t.Errorf("fanout dlq list after purge: %d:\n%s", code, out)
	}
	if code, _, errOut := runCmd(t, append([]string{"dlq", "retry", second}, creds...)...); code != exitFailed || !strings.Contains(errOut, "not found") {
		t.Errorf("fanout dlq retry of a purged letter: %d, %s", code, errOut)
	}
	close(release)
	released = true
	for _, f := range queued {
		if _, err := f.Result(ctx); err != nil {
			t.Errorf("queued task: %v", err)
		}
	}
	// The retried task ran and succeeded: nothing is left anywhere.
	waitStatus(t, js, cfg, func(st *natsjs.Status) bool { return st.DeadLetters == 0 && st.Queued == 0 && st.Running == 0 })
}

// waitStatus polls the cluster's status until ok holds, for 20 s at most.
func waitStatus(t *testing.T, js jetstream.JetStream, cfg natsjs.Config, ok func(*natsjs.Status) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := natsjs.ReadStatus(t.Context(), js, cfg)
		if err == nil && ok(st) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never as wanted: %+v, %v", st, err)
		}
		time.Sleep(100 * time.Millisecond) // the state changes on the server, with no event to wait on
	}
}

func TestStatusDLQUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dlq"}, "list, retry or purge"},
		{[]string{"dlq", "frob", "--nats", "nats://x"}, `unknown action "frob"`},
		{[]string{"dlq", "retry", "x1", "--nats", "nats://x"}, `"x1" is not a dead letter's sequence`},
		{[]string{"dlq", "list", "3", "--nats", "nats://x"}, "no sequence numbers"},
		{[]string{"status"}, "--nats URL is required"},
	} {
		code, _, errOut := runCmd(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("fanout %q = %d, %q; want usage error with %q", tc.args, code, errOut, tc.want)
		}
	}
}
