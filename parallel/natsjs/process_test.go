package natsjs_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/natsjs"
)

// workerEnv holds the server URL when the test binary runs as a worker
// process; see workerMain.
const workerEnv = "NATSJS_TEST_WORKER_URL"

// replicasEnv sets the worker process's Config.Replicas.
const replicasEnv = "NATSJS_TEST_REPLICAS"

// pauseEnv sets how long a worker process's tasks take, in milliseconds.
const pauseEnv = "NATSJS_TEST_WORKER_PAUSE_MS"

// registerProcessTasks adds the task of the process test: square a number
// after a short pause (a stand-in for real work), printing "run N" first so
// that the test can see which worker runs what.
func registerProcessTasks(r *parallel.Registry, pause time.Duration, out func(n int)) *parallel.Task[int, int] {
	return parallel.Register(r, "test.slow-square", nil, func(ctx context.Context, n int) (int, error) {
		out(n)
		t := time.NewTimer(pause)
		defer t.Stop()
		select {
		case <-t.C:
			return n * n, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	})
}

// workerMain is the test binary as a worker process: its own connection,
// a Worker serving the process tasks until SIGTERM (or SIGKILL). Its tasks
// take the milliseconds in $NATSJS_TEST_WORKER_PAUSE_MS, 20 by default.
func workerMain() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	nc, err := nats.Connect(os.Getenv(workerEnv), nats.Token(testToken), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var mu sync.Mutex
	r := new(parallel.Registry)
	pause := 20 * time.Millisecond
	if ms, err := strconv.Atoi(os.Getenv(pauseEnv)); err == nil {
		pause = time.Duration(ms) * time.Millisecond
	}
	registerProcessTasks(r, pause, func(n int) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf("run %d\n", n)
	})
	cfg := testConfig()
	cfg.Replicas, _ = strconv.Atoi(os.Getenv(replicasEnv))
	w := &natsjs.Worker{JS: js, Registry: r, Config: cfg, Concurrency: 2}
	fmt.Println("ready")
	if err := w.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// workerProc is a worker process and the task numbers it started.
type workerProc struct {
	cmd   *exec.Cmd
	mu    sync.Mutex
	runs  []int
	ready chan struct{}
	ran   chan int // every started task, also after it is read into runs
	done  chan struct{}
}

func startWorkerProc(t *testing.T, url string, pause time.Duration, env ...string) *workerProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerEnv+"="+url, fmt.Sprintf("%s=%d", pauseEnv, pause.Milliseconds()))
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &workerProc{cmd: cmd, ready: make(chan struct{}), ran: make(chan int, 1024), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if line == "ready" {
				close(p.ready)
				continue
			}
			var n int
			if _, err := fmt.Sscanf(line, "run %d", &n); err == nil {
				p.mu.Lock()
				p.runs = append(p.runs, n)
				p.mu.Unlock()
				p.ran <- n
			}
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-p.done
		cmd.Wait()
	})
	return p
}

// TestWorkerProcessKilled runs a batch on three worker processes, each with
// its own connection, and SIGKILLs one of them mid-batch: every task's
// result must arrive exactly once and the work queue must end empty.
func TestWorkerProcessKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("starts worker processes")
	}
	s := newTestServer(t)
	cfg := testConfig()
	task := registerProcessTasks(new(parallel.Registry), 0, func(int) {})

	// The workers start together, on a server with no streams yet: their
	// setups race. The first worker's tasks take a minute: when it is
	// killed, the two it runs are certainly unfinished, and must run again
	// elsewhere.
	procs := make([]*workerProc, 3)
	for i := range procs {
		pause := 20 * time.Millisecond
		if i == 0 {
			pause = time.Minute
		}
		procs[i] = startWorkerProc(t, s.ClientURL(), pause)
	}
	js := mustConnect(t, s)
	b := newTestBackend(t, s, cfg)
	for _, p := range procs {
		select {
		case <-p.ready:
		case <-p.done:
			t.Fatal("worker process ended before it was ready")
		}
	}

	const n = 60
	ctx := t.Context()
	type result struct {
		n, got int
		err    error
	}
	results := make(chan result, n)
	for i := range n {
		go func() {
			got, err := call(ctx, b, task, i)
			results <- result{i, got, err}
		}()
	}
	// Kill the first worker once it runs two tasks (its concurrency).
	victim := procs[0]
	for range 2 {
		select {
		case <-victim.ran:
		case <-time.After(30 * time.Second):
			t.Fatal("first worker started no tasks")
		}
	}
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}

	seen := make(map[int]int)
	for range n {
		r := <-results
		if r.err != nil || r.got != r.n*r.n {
			t.Errorf("square(%d) = %d, %v; want %d, nil", r.n, r.got, r.err, r.n*r.n)
		}
		seen[r.n]++
	}
	for i := range n {
		if seen[i] != 1 {
			t.Errorf("task %d: %d results, want exactly 1", i, seen[i])
		}
	}
	// The results stream stored one result per task: a task that ran
	// twice would have published a duplicate that the server dropped. The
	// Backend deleted each result once collected.
	if got := streamInfo(t, js, "FANOUT_RESULTS").State.LastSeq; got != n {
		t.Errorf("results stream stored %d results, want %d", got, n)
	}
	waitEmpty(t, js, "FANOUT_RESULTS")
	waitEmpty(t, js, "FANOUT_TASKS")
	cons, err := js.Consumer(ctx, "FANOUT_TASKS", "workers")
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending != 0 || info.NumPending != 0 {
		t.Errorf("workers' consumer: %d unacknowledged, %d pending; want 0, 0", info.NumAckPending, info.NumPending)
	}
	var runs []string
	rerun := make(map[int]bool)
	for i, p := range procs {
		p.mu.Lock()
		runs = append(runs, fmt.Sprintf("worker %d: %d", i, len(p.runs)))
		for _, n := range p.runs {
			rerun[n] = i > 0
		}
		p.mu.Unlock()
	}
	procs[0].mu.Lock()
	for _, n := range procs[0].runs {
		if !rerun[n] {
			t.Errorf("task %d, interrupted by the kill, did not run again on another worker", n)
		}
	}
	procs[0].mu.Unlock()
	t.Logf("tasks started per worker (the first killed): %s", strings.Join(runs, ", "))
}
