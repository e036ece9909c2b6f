package natsjs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/internal/natsserver"
	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/natsjs"
	"github.com/fanout-dev/fanout/parallel/paralleltest"
)

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) != "" {
		os.Exit(workerMain())
	}
	if os.Getenv(nodeEnv) != "" {
		os.Exit(nodeMain())
	}
	os.Exit(m.Run())
}

// testToken is the access token of the test servers.
const testToken = "natsjs-test-token"

// newTestServer starts an embedded server with JetStream on a random port
// and a temporary store, requiring testToken.
func newTestServer(t testing.TB) *natsserver.Server {
	t.Helper()
	s, err := natsserver.Start(natsserver.Options{Port: -1, StoreDir: t.TempDir(), Token: testToken, NoLog: true})
	if err != nil {
		t.Skipf("cannot run an embedded NATS server: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// mustConnect opens a connection of its own to s and returns its JetStream
// client; the connection closes at the end of the test.
func mustConnect(t testing.TB, s *natsserver.Server) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL(), nats.Token(testToken))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("jetstream: %v", err)
	}
	return js
}

// testConfig keeps redelivery and retries fast.
func testConfig() natsjs.Config {
	return natsjs.Config{
		AckWait:    time.Second,
		MaxDeliver: 3,
		Backoff:    func(int) time.Duration { return 10 * time.Millisecond },
	}
}

// newTestBackend returns a Backend on its own connection to s, closed at
// the end of the test.
func newTestBackend(t testing.TB, s *natsserver.Server, cfg natsjs.Config) *natsjs.Backend {
	t.Helper()
	b, err := natsjs.New(mustConnect(t, s), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// startWorker runs w on its own connection to s until the end of the test.
func startWorker(t testing.TB, s *natsserver.Server, w *natsjs.Worker) {
	t.Helper()
	w.JS = mustConnect(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Worker.Run: %v", err)
		}
	})
}

// call runs task through b as an Executor would: encode, Run, decode.
func call[In, Out any](ctx context.Context, b parallel.Backend, task *parallel.Task[In, Out], in In) (Out, error) {
	var out Out
	data, err := task.Codec().Marshal(in)
	if err != nil {
		return out, err
	}
	res, err := b.Run(ctx, task.Name(), data)
	if err != nil {
		return out, err
	}
	err = task.Codec().Unmarshal(res, &out)
	return out, err
}

// counts counts runs per key; safe for concurrent use.
type counts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counts) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = make(map[string]int)
	}
	c.n[key]++
}

func (c *counts) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

// testTasks are the tasks of the package's own tests.
type testTasks struct {
	runs      counts
	echo      *parallel.Task[string, string]
	transient *parallel.Task[string, string] // always fails, retryably
	permanent *parallel.Task[string, string] // fails with parallel.Permanent
	bytes     *parallel.Task[[]byte, []byte] // returns its input doubled
	block     *parallel.Task[string, string] // waits for its ctx, reports the cause on blocked
	blocked   chan error
	started   chan string
}

func newTestTasks(r *parallel.Registry) *testTasks {
	ts := &testTasks{blocked: make(chan error, 1), started: make(chan string, 16)}
	ts.echo = parallel.Register(r, "test.echo", nil, func(_ context.Context, s string) (string, error) {
		ts.runs.add("echo " + s)
		return s, nil
	})
	ts.transient = parallel.Register(r, "test.transient", nil, func(_ context.Context, s string) (string, error) {
		ts.runs.add("transient " + s)
		return "", errors.New("disk on fire: " + s)
	})
	ts.permanent = parallel.Register(r, "test.permanent", nil, func(_ context.Context, s string) (string, error) {
		ts.runs.add("permanent " + s)
		return "", parallel.Permanent(errors.New("corrupt input: " + s))
	})
	ts.bytes = parallel.Register(r, "test.bytes", parallel.Gob, func(_ context.Context, b []byte) ([]byte, error) {
		return append(b, b...), nil
	})
	ts.block = parallel.Register(r, "test.block", nil, func(ctx context.Context, s string) (string, error) {
		ts.started <- s
		<-ctx.Done()
		ts.blocked <- context.Cause(ctx)
		return "", ctx.Err()
	})
	return ts
}

// waitQueueEmpty waits until the work queue holds no task. A worker
// acknowledges a task just after it publishes the result, so the queue may
// still hold the task for a moment after its Run returned.
func waitQueueEmpty(t testing.TB, js jetstream.JetStream) {
	t.Helper()
	waitEmpty(t, js, "FANOUT_TASKS")
}

// waitEmpty waits until stream holds no message. It polls, since the
// server's state has no event to wait on.
func waitEmpty(t testing.TB, js jetstream.JetStream, stream string) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		n := streamInfo(t, js, stream).State.Msgs
		if n == 0 {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Errorf("stream %s holds %d messages, want 0", stream, n)
			return
		}
	}
}

// streamMsgs returns the number of messages in stream.
func streamMsgs(t testing.TB, js jetstream.JetStream, stream string) uint64 {
	t.Helper()
	return streamInfo(t, js, stream).State.Msgs
}

// streamInfo returns the state of stream.
func streamInfo(t testing.TB, js jetstream.JetStream, stream string) *jetstream.StreamInfo {
	t.Helper()
	s, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatalf("stream %s info: %v", stream, err)
	}
	return info
}

func TestConformance(t *testing.T) {
	s := newTestServer(t)
	r := new(parallel.Registry)
	paralleltest.Register(r)
	cfg := testConfig()
	startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg, Concurrency: 8})
	paralleltest.TestBackend(t, func(t *testing.T) parallel.Backend {
		b, err := natsjs.New(mustConnect(t, s), cfg)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		return b
	})
	waitQueueEmpty(t, mustConnect(t, s))
}

func TestRun(t *testing.T) {
	s := newTestServer(t)
	r := new(parallel.Registry)
	ts := newTestTasks(r)
	cfg := testConfig()
	startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg, Concurrency: 4})
	b := newTestBackend(t, s, cfg)
	js := mustConnect(t, s)
	ctx := t.Context()

	t.Run("echo", func(t *testing.T) {
		if got, err := call(ctx, b, ts.echo, "héllo"); err != nil || got != "héllo" {
			t.Errorf("echo(héllo) = %q, %v; want héllo, nil", got, err)
		}
	})
	t.Run("permanent error is terminated at once", func(t *testing.T) {
		_, err := call(ctx, b, ts.permanent, "p1")
		if !errors.Is(err, parallel.ErrPermanent) || err.Error() != "corrupt input: p1" {
			t.Errorf("permanent(p1) error = %v, want the task's permanent error", err)
		}
		if got := ts.runs.get("permanent p1"); got != 1 {
			t.Errorf("permanent task ran %d times, want 1", got)
		}
	})
	t.Run("poison task is dead-lettered", func(t *testing.T) {
		_, err := call(ctx, b, ts.transient, "p2")
		if err == nil || err.Error() != "disk on fire: p2" {
			t.Errorf("transient(p2) error = %v, want the task's error", err)
		}
		if got, want := ts.runs.get("transient p2"), cfg.MaxDeliver; got != want {
			t.Errorf("poison task ran %d times, want MaxDeliver = %d", got, want)
		}
		dlq := lastDeadLetter(t, js)
		if got := dlq.Header.Get("Fanout-Task"); got != ts.transient.Name() {
			t.Errorf("dead letter of task %q, want %q", got, ts.transient.Name())
		}
		if got := dlq.Header.Get("Fanout-Error"); !strings.Contains(got, "disk on fire: p2") {
			t.Errorf("dead letter error = %q, want it to hold the task's error", got)
		}
		if got := dlq.Header.Get("Fanout-Deliveries"); got != fmt.Sprint(cfg.MaxDeliver) {
			t.Errorf("dead letter deliveries = %s, want %d", got, cfg.MaxDeliver)
		}
	})
	t.Run("unknown task", func(t *testing.T) {
		unknown := parallel.Register(new(parallel.Registry), "test.nobody-serves-this", nil,
			func(context.Context, string) (string, error) { return "", nil })
		_, err := call(ctx, b, unknown, "x")
		if !errors.Is(err, parallel.ErrUnknownTask) {
			t.Errorf("unknown task error = %v, want ErrUnknownTask", err)
		}
	})
	t.Run("odd task name", func(t *testing.T) {
		odd := parallel.Register(new(parallel.Registry), "no such > task *", nil,
			func(context.Context, string) (string, error) { return "", nil })
		_, err := call(ctx, b, odd, "x")
		if !errors.Is(err, parallel.ErrUnknownTask) {
			t.Errorf("task with a name unfit for a subject: error = %v, want ErrUnknownTask", err)
		}
	})
	t.Run("large payloads", func(t *testing.T) {
		in := make([]byte, 3<<20)
		for i := range in {
			in[i] = byte(i * 7)
		}
		got, err := call(ctx, b, ts.bytes, in)
		if err != nil {
			t.Fatalf("bytes(3 MiB): %v", err)
		}
		if len(got) != 2*len(in) || string(got[:len(in)]) != string(in) || string(got[len(in):]) != string(in) {
			t.Errorf("bytes(3 MiB) = %d bytes, want the input twice", len(got))
		}
		// Both the input and the output went through the object store, and
		// both were deleted once used.
		obs, err := js.ObjectStore(ctx, "FANOUT_OBJECTS")
		if err != nil {
			t.Fatal(err)
		}
		if objs, err := obs.List(ctx); !errors.Is(err, jetstream.ErrNoObjectsFound) {
			t.Errorf("object store after the run: %d objects (%v), want none", len(objs), err)
		}
	})
	t.Run("large input of a permanent failure is deleted", func(t *testing.T) {
		// The task is terminated, not dead-lettered: nothing refers to
		// its input, which must not stay on the servers for ResultTTL.
		big := strings.Repeat("y", 2<<20)
		if _, err := call(ctx, b, ts.permanent, big); !errors.Is(err, parallel.ErrPermanent) {
			t.Fatalf("permanent task with a large input: %v, want its permanent error", err)
		}
		obs, err := js.ObjectStore(ctx, "FANOUT_OBJECTS")
		if err != nil {
			t.Fatal(err)
		}
		if objs, err := obs.List(ctx); !errors.Is(err, jetstream.ErrNoObjectsFound) {
			t.Errorf("object store after a permanent failure: %d objects (%v), want none", len(objs), err)
		}
	})
	t.Run("large poison task keeps its input for the dead letter", func(t *testing.T) {
		big := strings.Repeat("x", 2<<20)
		if _, err := call(ctx, b, ts.transient, big); err == nil {
			t.Fatal("poison task succeeded")
		}
		dlq := lastDeadLetter(t, js)
		obj := dlq.Header.Get("Fanout-Object")
		if obj == "" {
			t.Fatal("dead letter of a large input names no object")
		}
		obs, err := js.ObjectStore(ctx, "FANOUT_OBJECTS")
		if err != nil {
			t.Fatal(err)
		}
		data, err := obs.GetBytes(ctx, obj)
		if want, _ := ts.transient.Codec().Marshal(big); err != nil || string(data) != string(want) {
			t.Errorf("dead letter's input object %s: %d bytes, %v; want the encoded input", obj, len(data), err)
		}
	})
	t.Run("cancel running", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		errc := make(chan error, 1)
		go func() {
			_, err := call(ctx, b, ts.block, "c1")
			errc <- err
		}()
		<-ts.started
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled Run error = %v, want context.Canceled", err)
		}
		if cause := <-ts.blocked; !errors.Is(cause, context.Canceled) {
			t.Errorf("running task's context ended with %v, want a cancellation", cause)
		}
	})
	waitQueueEmpty(t, js)
	waitEmpty(t, js, "FANOUT_RESULTS") // each collected result is deleted
}

// lastDeadLetter returns the newest message of the dead-letter stream.
func lastDeadLetter(t testing.TB, js jetstream.JetStream) *jetstream.RawStreamMsg {
	t.Helper()
	s, err := js.Stream(context.Background(), "FANOUT_DLQ")
	if err != nil {
		t.Fatalf("dead-letter stream: %v", err)
	}
	m, err := s.GetLastMsgForSubject(context.Background(), "FANOUT.dlq.>")
	if err != nil {
		t.Fatalf("dead-letter stream is empty: %v", err)
	}
	return m
}

func TestCancelQueued(t *testing.T) {
	s := newTestServer(t)
	r := new(parallel.Registry)
	ts := newTestTasks(r)
	cfg := testConfig()
	b := newTestBackend(t, s, cfg)
	js := mustConnect(t, s)

	// No worker runs yet: watch the task arrive, then cancel its Run.
	sub, err := js.Conn().SubscribeSync("FANOUT.tasks.>")
	if err != nil {
		t.Fatal(err)
	}
	js.Conn().Flush()
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := call(ctx, b, ts.echo, "never")
		errc <- err
	}()
	if _, err := sub.NextMsg(10 * time.Second); err != nil {
		t.Fatalf("task not published: %v", err)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Run error = %v, want context.Canceled", err)
	}
	if n := streamMsgs(t, js, "FANOUT_TASKS"); n != 0 {
		t.Errorf("work queue holds %d tasks after the cancel, want 0", n)
	}
	// A worker started now runs the next task but never the cancelled one.
	startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg, Concurrency: 2})
	if got, err := call(t.Context(), b, ts.echo, "after"); err != nil || got != "after" {
		t.Fatalf("echo(after) = %q, %v", got, err)
	}
	if got := ts.runs.get("echo never"); got != 0 {
		t.Errorf("cancelled task ran %d times, want 0", got)
	}
}

func TestAbandonedTaskDeadLettered(t *testing.T) {
	s := newTestServer(t)
	r := new(parallel.Registry)
	ts := newTestTasks(r)
	cfg := testConfig()
	cfg.MaxDeliver = 1
	b := newTestBackend(t, s, cfg)
	js := mustConnect(t, s)

	// A worker that takes the task and dies: fetch it from the workers'
	// consumer and never acknowledge it.
	cons, err := js.CreateOrUpdateConsumer(t.Context(), "FANOUT_TASKS", jetstream.ConsumerConfig{
		Durable: "workers", FilterSubjects: []string{"FANOUT.tasks.>"},
		AckPolicy: jetstream.AckExplicitPolicy, AckWait: cfg.AckWait, MaxDeliver: cfg.MaxDeliver, MaxAckPending: 4096,
	})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := call(t.Context(), b, ts.echo, "lost")
		errc <- err
	}()
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	for range batch.Messages() {
	}
	// A live worker's dead-letter mover handles the max-deliveries
	// advisory when the ack wait of that only delivery passes.
	startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg, Concurrency: 2})
	err = <-errc
	if err == nil || !strings.Contains(err.Error(), "abandoned after 1 deliveries") {
		t.Errorf("abandoned task error = %v, want the dead-letter mover's", err)
	}
	if got := lastDeadLetter(t, js).Header.Get("Fanout-Task"); got != ts.echo.Name() {
		t.Errorf("dead letter of task %q, want %q", got, ts.echo.Name())
	}
	waitQueueEmpty(t, js)
	if got := ts.runs.get("echo lost"); got != 0 {
		t.Errorf("abandoned task ran %d times on the live worker, want 0", got)
	}
}

func TestWrongTokenRefused(t *testing.T) {
	s := newTestServer(t)
	for _, tok := range []string{"", "guess"} {
		nc, err := nats.Connect(s.ClientURL(), nats.Token(tok), nats.MaxReconnects(0))
		if err == nil {
			nc.Close()
		}
		if !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("connect with token %q: %v, want %v", tok, err, nats.ErrAuthorization)
		}
	}
}

func TestResultWait(t *testing.T) {
	s := newTestServer(t)
	r := new(parallel.Registry)
	ts := newTestTasks(r)
	cfg := testConfig()
	cfg.ResultWait = 50 * time.Millisecond
	b := newTestBackend(t, s, cfg)
	// No worker: the wait runs out, and the task is withdrawn.
	_, err := call(t.Context(), b, ts.echo, "late")
	if !errors.Is(err, natsjs.ErrNoResult) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run with no worker = %v, want ErrNoResult matching DeadlineExceeded", err)
	}
	if n := streamMsgs(t, mustConnect(t, s), "FANOUT_TASKS"); n != 0 {
		t.Errorf("work queue holds %d tasks after the wait ran out, want 0", n)
	}
}

func TestWorkerTasks(t *testing.T) {
	s := newTestServer(t)
	r := new(parallel.Registry)
	ts := newTestTasks(r)
	cfg := testConfig()
	b := newTestBackend(t, s, cfg)

	startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg, Tasks: []string{ts.echo.Name()}})
	if got, err := call(t.Context(), b, ts.echo, "only echo"); err != nil || got != "only echo" {
		t.Errorf("echo through a worker serving only echo = %q, %v", got, err)
	}
	// Chunks of echo travel on echo's subject, so this worker takes them.
	ex := parallel.New(parallel.Config{Backend: b})
	defer ex.Close()
	words := []string{"a", "b", "c", "d", "e", "f", "g"}
	got, err := parallel.Collect(t.Context(), parallel.MapCall(t.Context(), ex, ts.echo, slices.Values(words), &parallel.MapOptions{Chunk: 3}))
	if err != nil || !slices.Equal(got, words) {
		t.Errorf("chunks of echo through a worker serving only echo = %q, %v", got, err)
	}

	tests := []struct {
		name string
		w    *natsjs.Worker
		want string
	}{
		{"not registered", &natsjs.Worker{Registry: r, Config: cfg, Tasks: []string{"test.missing"}}, `"test.missing" is not in the registry`},
		{"overlaps", &natsjs.Worker{Registry: r, Config: cfg}, "must not overlap"},
		{"no registry", &natsjs.Worker{Config: cfg}, "nil Registry"},
		{"bad prefix", &natsjs.Worker{Registry: r, Config: natsjs.Config{Prefix: "a.b"}}, "Prefix"},
		{"negative concurrency", &natsjs.Worker{Registry: r, Config: cfg, Concurrency: -1}, "Concurrency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.w.JS = mustConnect(t, s)
			err := tc.w.Run(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Worker.Run = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestNewBadConfig(t *testing.T) {
	s := newTestServer(t)
	js := mustConnect(t, s)
	tests := []struct {
		name string
		cfg  natsjs.Config
		want string
	}{
		{"prefix with a dot", natsjs.Config{Prefix: "a.b"}, "Prefix"},
		{"prefix with a space", natsjs.Config{Prefix: "a b"}, "Prefix"},
		{"negative ack wait", natsjs.Config{AckWait: -time.Second}, "AckWait"},
		{"negative result wait", natsjs.Config{ResultWait: -time.Second}, "ResultWait"},
		{"negative replicas", natsjs.Config{Replicas: -1}, "Replicas"},
		{"three replicas on one server", natsjs.Config{Replicas: 3}, "create stream"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := natsjs.New(js, tc.cfg)
			if err == nil {
				b.Close()
				t.Fatalf("New(%+v) succeeded, want an error", tc.cfg)
			}
			if !strings.HasPrefix(err.Error(), "natsjs: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New(%+v) = %v, want a natsjs error naming %s", tc.cfg, err, tc.want)
			}
		})
	}
}

func TestLongTaskHeartbeat(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a task for 2.5 ack waits")
	}
	s := newTestServer(t)
	r := new(parallel.Registry)
	var runs atomic.Int32
	long := parallel.Register(r, "test.long", nil, func(ctx context.Context, d time.Duration) (string, error) {
		runs.Add(1)
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return "done", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	cfg := testConfig() // AckWait 1s
	startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg, Concurrency: 2})
	startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg, Concurrency: 2})
	b := newTestBackend(t, s, cfg)
	if got, err := call(t.Context(), b, long, 5*cfg.AckWait/2); err != nil || got != "done" {
		t.Fatalf("long task = %q, %v; want done, nil", got, err)
	}
	// Without heartbeats the server would have given the task to the
	// other worker after one ack wait.
	if got := runs.Load(); got != 1 {
		t.Errorf("task longer than the ack wait ran %d times, want 1", got)
	}
}

// TestTaskNotHeldBehindLongOnes checks that a worker whose slots are all
// busy with long tasks holds no other task meanwhile, where no heartbeat
// would cover it: such a task would be given to another worker after
// AckWait and run twice.
func TestTaskNotHeldBehindLongOnes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tasks for several ack waits")
	}
	s := newTestServer(t)
	r := new(parallel.Registry)
	var runs counts
	sleep := parallel.Register(r, "test.sleep", nil, func(ctx context.Context, name string) (string, error) {
		runs.add(name)
		d := 100 * time.Millisecond
		if strings.HasPrefix(name, "long") {
			d = 3 * time.Second // three ack waits
		}
		select {
		case <-time.After(d):
			return name, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	cfg := testConfig() // AckWait 1s
	b := newTestBackend(t, s, cfg)
	js := mustConnect(t, s)
	// Queued in this order before any worker runs: the first worker runs
	// short-1 and long-1, then long-2 when short-1 is done; short-2 comes
	// next, with both slots busy for three ack waits.
	names := []string{"short-1", "long-1", "long-2", "short-2"}
	res := make(chan error, len(names))
	for i, n := range names {
		go func() {
			got, err := call(t.Context(), b, sleep, n)
			if err == nil && got != n {
				err = fmt.Errorf("task %s returned %q", n, got)
			}
			res <- err
		}()
		deadline := time.Now().Add(5 * time.Second)
		for streamMsgs(t, js, "FANOUT_TASKS") < uint64(i+1) && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg, Concurrency: 2})
	time.Sleep(300 * time.Millisecond)
	// An idle worker, to which the server would give a task that the first
	// one holds without running it.
	startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg, Concurrency: 2})
	for range names {
		if err := <-res; err != nil {
			t.Error(err)
		}
	}
	for _, n := range names {
		if got := runs.get(n); got != 1 {
			t.Errorf("task %s ran %d times, want 1", n, got)
		}
	}
}

func TestWorkerDrain(t *testing.T) {
	tests := []struct {
		name         string
		drainTimeout time.Duration
		finished     bool // the running task finishes and reports before Run returns
	}{
		{"waits for running tasks", 0, true},
		{"hands back tasks after the drain timeout", 50 * time.Millisecond, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t)
			r := new(parallel.Registry)
			started := make(chan struct{}, 1)
			release := make(chan struct{})
			gate := parallel.Register(r, "test.gate", nil, func(ctx context.Context, s string) (string, error) {
				started <- struct{}{}
				select {
				case <-release:
					return s, nil
				case <-ctx.Done():
					return "", ctx.Err()
				}
			})
			cfg := testConfig()
			js := mustConnect(t, s)
			b := newTestBackend(t, s, cfg)
			ctx, cancel := context.WithCancel(t.Context())
			w := &natsjs.Worker{JS: mustConnect(t, s), Registry: r, Config: cfg, Concurrency: 1, DrainTimeout: tc.drainTimeout}
			done := make(chan error, 1)
			go func() { done <- w.Run(ctx) }()

			res := make(chan error, 1)
			go func() {
				_, err := call(t.Context(), b, gate, "x")
				res <- err
			}()
			<-started
			cancel() // stop the worker while its task runs
			if tc.finished {
				close(release)
				if err := <-res; err != nil {
					t.Errorf("task running while its worker stopped: %v, want its result", err)
				}
			}
			if err := <-done; err != nil {
				t.Fatalf("Worker.Run = %v, want nil", err)
			}
			if !tc.finished {
				// Handed back: the task waits for another worker.
				if n := streamMsgs(t, js, "FANOUT_TASKS"); n != 1 {
					t.Errorf("work queue holds %d tasks, want the handed-back one", n)
				}
				close(release)
				startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg})
				if err := <-res; err != nil {
					t.Errorf("handed-back task on a second worker: %v", err)
				}
			}
			waitQueueEmpty(t, js)
		})
	}
}

// TestNoLeaks checks that a Backend and a Worker leave no goroutine behind
// once closed and stopped. The connections stay open, so their own
// goroutines are part of the baseline.
func TestNoLeaks(t *testing.T) {
	s := newTestServer(t)
	r := new(parallel.Registry)
	ts := newTestTasks(r)
	cfg := testConfig()
	wjs, bjs := mustConnect(t, s), mustConnect(t, s)
	// A first request makes each connection's reply subscription, which
	// lives as long as the connection.
	for _, js := range []jetstream.JetStream{wjs, bjs} {
		if _, err := js.AccountInfo(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	before, _ := clientGoroutines()

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- (&natsjs.Worker{JS: wjs, Registry: r, Config: cfg}).Run(ctx) }()
	b, err := natsjs.New(bjs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := call(t.Context(), b, ts.echo, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	big := make([]byte, 2<<20)
	if _, err := call(t.Context(), b, ts.bytes, big); err != nil {
		t.Fatal(err)
	}
	b.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Goroutines of the client (subscriptions being torn down) end
	// asynchronously: poll for a while.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for {
		n, dump := clientGoroutines()
		if n <= before {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%d goroutines before, %d after Close and stop:\n%s", before, n, dump)
		}
	}
}

// clientGoroutines counts the goroutines that are not the embedded
// server's (which runs in the test process, with goroutines per stream and
// consumer), and returns their stacks.
func clientGoroutines() (int, string) {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var n int
	var dump strings.Builder
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "nats-io/nats-server/") {
			continue
		}
		n++
		dump.WriteString(g + "\n\n")
	}
	return n, dump.String()
}

func TestTaskTimeout(t *testing.T) {
	s := newTestServer(t)
	r := new(parallel.Registry)
	ts := newTestTasks(r)
	cfg := testConfig()
	startWorker(t, s, &natsjs.Worker{Registry: r, Config: cfg, TaskTimeout: 50 * time.Millisecond})
	b := newTestBackend(t, s, cfg)
	_, err := call(t.Context(), b, ts.block, "slow")
	var te *parallel.TimeoutError
	if !errors.As(err, &te) || te.Timeout != 50*time.Millisecond || !errors.Is(err, parallel.ErrPermanent) {
		t.Errorf("task past the worker's TaskTimeout: %v, want a permanent *parallel.TimeoutError of 50ms", err)
	}
	if cause := <-ts.blocked; !errors.As(cause, &te) {
		t.Errorf("task's context ended with %v, want the TimeoutError", cause)
	}
	if got := len(ts.started); got != 1 {
		t.Errorf("timed-out task started %d times, want once (no retry)", got)
	}
}

// TestSetupConcurrent starts many submitters and workers at once on a fresh
// server: their setups race to create the same streams, and all succeed.
func TestSetupConcurrent(t *testing.T) {
	s := newTestServer(t)
	const n = 8
	errs := make(chan error, n)
	for range n {
		js := mustConnect(t, s)
		go func() { errs <- natsjs.Setup(t.Context(), js, testConfig()) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Setup: %v", err)
		}
	}
}

// TestSetupUpdates checks that Setup leaves matching streams alone and
// applies a changed Config.
func TestSetupUpdates(t *testing.T) {
	s := newTestServer(t)
	js := mustConnect(t, s)
	cfg := testConfig()
	for _, ttl := range []time.Duration{time.Hour, time.Hour, 2 * time.Hour} {
		cfg.ResultTTL = ttl
		if err := natsjs.Setup(t.Context(), js, cfg); err != nil {
			t.Fatalf("Setup with ResultTTL %v: %v", ttl, err)
		}
		if got := streamInfo(t, js, "FANOUT_RESULTS").Config.MaxAge; got != ttl {
			t.Errorf("results stream MaxAge = %v after Setup with ResultTTL %v", got, ttl)
		}
		obs, err := js.ObjectStore(t.Context(), "FANOUT_OBJECTS")
		if err != nil {
			t.Fatal(err)
		}
		st, err := obs.Status(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if got := st.TTL(); got != ttl {
			t.Errorf("object store TTL = %v after Setup with ResultTTL %v", got, ttl)
		}
	}
}

// TestSetupLeavesMatchingAlone checks that a second Setup, and a second
// worker, find the streams and consumers the first made and update none of
// them: every submitter and worker sets up at start, and an update for
// nothing makes the servers rewrite the configuration.
func TestSetupLeavesMatchingAlone(t *testing.T) {
	s := newTestServer(t)
	js := mustConnect(t, s)
	r := new(parallel.Registry)
	ts := newTestTasks(r)
	cfg := testConfig()
	b := newTestBackend(t, s, cfg)
	serve := func() {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- (&natsjs.Worker{JS: js, Registry: r, Config: cfg}).Run(ctx) }()
		// A result shows that the worker's consumers exist.
		if _, err := call(t.Context(), b, ts.echo, "hi"); err != nil {
			t.Errorf("echo: %v", err)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Worker.Run: %v", err)
		}
	}
	serve()

	nc, err := nats.Connect(s.ClientURL(), nats.Token(testToken))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	var mu sync.Mutex
	var changes []string
	for _, subj := range []string{"$JS.API.STREAM.UPDATE.>", "$JS.API.CONSUMER.CREATE.FANOUT_TASKS.>",
		"$JS.API.CONSUMER.CREATE.FANOUT_ADVISORIES.>", "$JS.API.CONSUMER.DURABLE.CREATE.>"} {
		if _, err := nc.Subscribe(subj, func(m *nats.Msg) {
			mu.Lock()
			changes = append(changes, m.Subject)
			mu.Unlock()
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := natsjs.Setup(t.Context(), js, cfg); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	serve()
	if err := nc.Flush(); err != nil { // the requests reached the server, so they reached nc
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(changes) > 0 {
		t.Errorf("second Setup and worker changed what was already set up: %v", changes)
	}
}
