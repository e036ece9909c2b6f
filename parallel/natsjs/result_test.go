package natsjs_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/natsjs"
)

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// resultConsumerName returns the name of the only Backend's result
// consumer.
func resultConsumerName(t *testing.T, js jetstream.JetStream) string {
	t.Helper()
	return resultConsumerInfo(t, js).Name
}

// TestResultConsumerDeleted deletes a Backend's result consumer on the
// server between two batches: the Backend recreates it, and every task of
// the second batch still gets its result.
func TestResultConsumerDeleted(t *testing.T) {
	natsjs.ShortenResultTimings(t, 100*time.Millisecond, 500*time.Millisecond, time.Second)
	s := newTestServer(t)
	r := new(parallel.Registry)
	ts := newTestTasks(r)
	cfg := testConfig()
	var logs lockedBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	b := newTestBackend(t, s, cfg)
	startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg})
	js := mustConnect(t, s)
	batch := func(from int) {
		for i := from; i < from+5; i++ {
			in := fmt.Sprint(i)
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			got, err := call(ctx, b, ts.echo, in)
			cancel()
			if err != nil || got != in {
				t.Errorf("echo(%s) = %q, %v", in, got, err)
			}
		}
	}
	batch(0)
	name := resultConsumerName(t, js)
	if err := js.DeleteConsumer(t.Context(), "FANOUT_RESULTS", name); err != nil {
		t.Fatal(err)
	}
	batch(5)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "result consumer recreated") {
		if time.Now().After(deadline) {
			t.Fatalf("the Backend did not say it recreated its consumer:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond) // the watcher's tick
	}
	if _, err := js.Consumer(t.Context(), "FANOUT_RESULTS", name); err != nil {
		t.Errorf("result consumer not recreated: %v", err)
	}
}

// TestResultFetchedDirectly pauses a Backend's result consumer on the
// server, so that it delivers nothing: the Backend finds the results in
// the stream itself after a quiet spell, and says so.
func TestResultFetchedDirectly(t *testing.T) {
	natsjs.ShortenResultTimings(t, 100*time.Millisecond, 300*time.Millisecond, time.Second)
	s := newTestServer(t)
	r := new(parallel.Registry)
	ts := newTestTasks(r)
	cfg := testConfig()
	var logs lockedBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	b := newTestBackend(t, s, cfg)
	startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg})
	js := mustConnect(t, s)
	if _, err := js.PauseConsumer(t.Context(), "FANOUT_RESULTS", resultConsumerName(t, js), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := range 3 {
		in := fmt.Sprint(i)
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		got, err := call(ctx, b, ts.echo, in)
		cancel()
		if err != nil || got != in {
			t.Errorf("echo(%s) with the consumer paused = %q, %v", in, got, err)
		}
	}
	t.Logf("3 results fetched from the stream in %v", time.Since(start))
	if !strings.Contains(logs.String(), "results fetched from the stream") {
		t.Errorf("the Backend did not say where its results came from:\n%s", logs.String())
	}
}

// TestLostResult runs a task with no worker: the Backend says that no
// worker serves the cluster; then the task is removed from the work queue
// behind the Backend's back, and the Run ends with ErrNoResult after
// LostResultWait, saying why.
func TestLostResult(t *testing.T) {
	natsjs.ShortenResultTimings(t, 100*time.Millisecond, 300*time.Millisecond, 300*time.Millisecond)
	s := newTestServer(t)
	r := new(parallel.Registry)
	ts := newTestTasks(r)
	cfg := testConfig()
	cfg.LostResultWait = 500 * time.Millisecond
	var logs lockedBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	b := newTestBackend(t, s, cfg)
	js := mustConnect(t, s)
	done := make(chan error, 1)
	go func() {
		_, err := call(t.Context(), b, ts.echo, "lost")
		done <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "no worker has ever served this cluster") {
		if time.Now().After(deadline) {
			t.Fatalf("the Backend did not say why no result comes:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond) // the sweep's tick
	}
	tasks, err := js.Stream(t.Context(), "FANOUT_TASKS")
	if err != nil {
		t.Fatal(err)
	}
	if err := tasks.Purge(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, natsjs.ErrNoResult) || !strings.Contains(err.Error(), "left the work queue") {
			t.Errorf("Run of a task removed from the queue = %v, want ErrNoResult saying the task left the queue", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run of a task removed from the queue still waits")
	}
}
