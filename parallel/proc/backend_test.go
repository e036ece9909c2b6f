//go:build linux

package proc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/paralleltest"
	"github.com/fanout-dev/fanout/parallel/proc"
)

// newTestBackend returns a Backend of the test binary's workers, closed and
// checked for leftover children when the test ends.
func newTestBackend(t *testing.T, cfg proc.Config) *proc.Backend {
	t.Helper()
	if cfg.Grace == 0 {
		cfg.Grace = 200 * time.Millisecond
	}
	b, err := proc.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	goroutines := runtime.NumGoroutine()
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		checkGoroutines(t, goroutines)
		if live := b.Stats().Live; live != 0 {
			t.Errorf("after Close, Stats().Live = %d, want 0", live)
		}
		checkNoChildren(t)
	})
	return b
}

// checkGoroutines fails the test if more than want goroutines are still
// running a second after Close. It retries, as goleak does, because
// os/exec's context watcher returns just after Cmd.Wait, not before.
func checkGoroutines(t *testing.T, want int) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(time.Second)
	for runtime.NumGoroutine() > want {
		select {
		case <-tick.C:
		case <-deadline:
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines after Close, %d before New:\n%s", runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
			return
		}
	}
}

// procStat is a line of /proc/PID/stat, in part.
type procStat struct {
	pid, ppid, pgrp int
	state           byte
	comm            string
}

// readStat parses /proc/pid/stat; ok is false if the process is gone.
func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	// pid (comm) state ppid pgrp ...; comm may hold spaces and parens.
	open, close := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || close < open {
		return procStat{}, false
	}
	f := strings.Fields(string(b[close+1:]))
	if len(f) < 3 {
		return procStat{}, false
	}
	s := procStat{pid: pid, comm: string(b[open+1 : close]), state: f[0][0]}
	s.ppid, _ = strconv.Atoi(f[1])
	s.pgrp, _ = strconv.Atoi(f[2])
	return s, true
}

// processes returns every process whose parent is this test process, or
// whose process group is one of groups.
func processes(t *testing.T, groups ...int) []procStat {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc to check for leftover processes: %v", err)
	}
	self := os.Getpid()
	var found []procStat
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		s, ok := readStat(pid)
		if !ok {
			continue
		}
		if s.ppid == self {
			found = append(found, s)
			continue
		}
		for _, g := range groups {
			if s.pgrp == g && s.state != 'Z' {
				found = append(found, s)
			}
		}
	}
	return found
}

// checkNoChildren fails the test if this process has a child, or if a
// process is left in one of groups.
func checkNoChildren(t *testing.T, groups ...int) {
	t.Helper()
	for _, s := range processes(t, groups...) {
		t.Errorf("process left behind: pid %d (%s) state %c ppid %d pgrp %d", s.pid, s.comm, s.state, s.ppid, s.pgrp)
	}
}

func TestConformance(t *testing.T) {
	paralleltest.TestBackend(t, func(t *testing.T) parallel.Backend {
		b, err := proc.New(proc.Config{Workers: 4, Grace: 200 * time.Millisecond})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		return b
	})
	checkNoChildren(t)
}

// TestContainedFailures runs every kind of bad task among ordinary ones on
// a small pool: each bad task gets its own precise error, every ordinary
// task succeeds, and the pool works on.
func TestContainedFailures(t *testing.T) {
	b := newTestBackend(t, proc.Config{Workers: 2, MemoryLimit: 256 << 20})
	ex := parallel.New(parallel.Config{Workers: 2, RunTimeout: time.Second, Backend: b})
	defer ex.Close()
	ctx := t.Context()

	type badTask struct {
		name  string
		run   func() error
		check func(t *testing.T, err error)
	}
	intTask := func(task *parallel.Task[int, int], in int) func() error {
		return func() error {
			_, err := parallel.Call(ctx, ex, task, in).Result(ctx)
			return err
		}
	}
	crashed := func(want func(*proc.CrashError) bool, what string) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var ce *proc.CrashError
			if !errors.As(err, &ce) {
				t.Fatalf("error = %v (%T), want a *proc.CrashError", err, err)
			}
			if !want(ce) {
				t.Errorf("CrashError %+v: want %s", ce, what)
			}
			var ee interface{ ExitCode() int }
			if !errors.As(err, &ee) {
				t.Errorf("CrashError does not wrap the *exec.ExitError")
			}
		}
	}
	bad := []badTask{
		{"exit", intTask(tasks.exit, 3), crashed(func(ce *proc.CrashError) bool {
			return ce.ExitCode == 3 && ce.Signal == 0 && !ce.MemoryLimit && ce.Task == "exit"
		}, "exit status 3")},
		{"crash", intTask(tasks.crash, 0), crashed(func(ce *proc.CrashError) bool {
			return ce.ExitCode == 2 && bytes.Contains(ce.Stderr, []byte("assignment to entry in nil map")) &&
				strings.Contains(ce.Error(), "panic: assignment to entry in nil map")
		}, "exit status 2 and the runtime's panic in Stderr and Error")},
		{"kill", intTask(tasks.kill, 0), crashed(func(ce *proc.CrashError) bool {
			return ce.Signal == syscall.SIGKILL && ce.ExitCode == -1 && !ce.MemoryLimit
		}, "death by SIGKILL")},
		{"alloc", intTask(tasks.alloc, 2048), crashed(func(ce *proc.CrashError) bool {
			return ce.MemoryLimit && strings.Contains(ce.Error(), "memory limit exceeded")
		}, "the memory limit reported")},
		{"spin", intTask(tasks.spin, 0), func(t *testing.T, err error) {
			var te *parallel.TimeoutError
			if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error = %v (%T), want a *parallel.TimeoutError", err, err)
			}
		}},
		{"panic", func() error {
			_, err := parallel.Call(ctx, ex, submitSide(paralleltest.Panic), "oops").Result(ctx)
			return err
		}, func(t *testing.T, err error) {
			var pe *parallel.PanicError
			if !errors.As(err, &pe) || pe.Value != "oops" || len(pe.Stack) == 0 {
				t.Errorf("error = %v (%T), want a *parallel.PanicError with value oops and a stack", err, err)
			}
		}},
		{"print", func() error {
			got, err := parallel.Call(ctx, ex, tasks.print, "to stdout").Result(ctx)
			if err == nil && got != "to stdout" {
				err = fmt.Errorf("print returned %q", got)
			}
			return err
		}, func(t *testing.T, err error) {
			if err != nil {
				t.Errorf("a task printing to stdout failed: %v", err)
			}
		}},
		{"forge", intTask(tasks.forge, 0), crashed(func(ce *proc.CrashError) bool {
			return ce.Cause != nil && strings.Contains(ce.Cause.Error(), "frame too large") && ce.Signal == syscall.SIGKILL
		}, "an oversized frame as the cause")},
	}

	// Ordinary tasks go in before, between and after the bad ones.
	type pending struct {
		in int
		f  *parallel.Future[int]
	}
	var ordinary []pending
	submit := func(n int) {
		for range n {
			in := len(ordinary)
			ordinary = append(ordinary, pending{in, parallel.Call(ctx, ex, tasks.square, in)})
		}
	}
	errs := make([]chan error, len(bad))
	submit(10)
	for i, bt := range bad {
		errs[i] = make(chan error, 1)
		go func() { errs[i] <- bt.run() }()
		submit(5)
	}
	for i, bt := range bad {
		t.Run(bt.name, func(t *testing.T) { bt.check(t, <-errs[i]) })
	}
	submit(10)
	for _, p := range ordinary {
		if got, err := p.f.Result(ctx); err != nil || got != p.in*p.in {
			t.Errorf("square(%d) = %d, %v; want %d, nil", p.in, got, err, p.in*p.in)
		}
	}
	st := b.Stats()
	if st.Crashed != 5 || st.Stopped != 1 {
		t.Errorf("Stats = %+v, want Crashed 5 (exit, crash, kill, alloc, forge) and Stopped 1 (spin)", st)
	}
}

// submitSide returns a handle to call the worker's task name, which takes
// and returns a string: the submitting side needs only the name and the
// codec, never the function.
func submitSide(name string) *parallel.Task[string, string] {
	return parallel.Register(new(parallel.Registry), name, nil, func(context.Context, string) (string, error) {
		panic("proc_test: " + name + " runs only in a worker")
	})
}

// TestStopKillsProcessGroup checks that stopping a task that ignores its
// ctx kills the processes it started as well.
func TestStopKillsProcessGroup(t *testing.T) {
	b := newTestBackend(t, proc.Config{Workers: 1, Grace: 100 * time.Millisecond})
	// Start the worker first: its start (slow under the race detector)
	// must not eat the task's time to record its grandchild.
	if _, err := b.Run(t.Context(), tasks.square.Name(), []byte("2")); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(t.TempDir(), "grandchild")
	in, _ := parallel.JSON.Marshal(pidFile)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	_, err := b.Run(ctx, tasks.hang.Name(), in)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run(hang) error = %v, want one wrapping context.DeadlineExceeded", err)
	}
	data, rerr := os.ReadFile(pidFile)
	if rerr != nil {
		t.Fatalf("the task did not record its grandchild: %v", rerr)
	}
	gpid, _ := strconv.Atoi(string(data))
	if s, ok := readStat(gpid); ok && s.state != 'Z' {
		t.Errorf("grandchild %d (%s) still running in state %c after the task was stopped", gpid, s.comm, s.state)
	}
	if st := b.Stats(); st.Stopped != 1 || st.Live != 0 {
		t.Errorf("Stats = %+v, want Stopped 1, Live 0", st)
	}
	// The pool starts a new worker for the next task.
	if out, err := b.Run(t.Context(), tasks.square.Name(), []byte("9")); err != nil || string(out) != "81" {
		t.Errorf("Run(square, 9) after a stop = %q, %v; want 81", out, err)
	}
}

func TestRecycle(t *testing.T) {
	b := newTestBackend(t, proc.Config{Workers: 1, MaxTasks: 2})
	var pids []int
	for range 5 {
		out, err := b.Run(t.Context(), tasks.pid.Name(), []byte("0"))
		if err != nil {
			t.Fatalf("Run(pid): %v", err)
		}
		p, _ := strconv.Atoi(string(out))
		pids = append(pids, p)
	}
	if pids[0] != pids[1] || pids[2] != pids[3] || pids[1] == pids[2] || pids[3] == pids[4] || pids[0] == pids[4] {
		t.Errorf("worker pids of 5 tasks with MaxTasks 2 = %v, want a new worker every 2 tasks", pids)
	}
	if st := b.Stats(); st.Recycled != 2 || st.Started != 3 || st.Crashed != 0 {
		t.Errorf("Stats = %+v, want Recycled 2, Started 3, Crashed 0", st)
	}
}

func TestRetry(t *testing.T) {
	tests := []struct {
		name    string
		retries int
		wantErr bool
	}{
		{"no-retry", 0, true},
		{"one-retry", 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newTestBackend(t, proc.Config{Workers: 1, Retries: tc.retries})
			in, _ := parallel.JSON.Marshal(filepath.Join(t.TempDir(), "marker"))
			out, err := b.Run(t.Context(), tasks.crashOnce.Name(), in)
			var ce *proc.CrashError
			if tc.wantErr {
				if !errors.As(err, &ce) || ce.ExitCode != 1 {
					t.Errorf("Run = %q, %v; want a CrashError with exit status 1", out, err)
				}
				return
			}
			if err != nil || string(out) != `"second time lucky"` {
				t.Errorf("Run = %q, %v; want the second run's result", out, err)
			}
			if st := b.Stats(); st.Retried != 1 || st.Crashed != 1 || st.Started != 2 {
				t.Errorf("Stats = %+v, want Retried 1, Crashed 1, Started 2", st)
			}
		})
	}
}

func TestStdoutDoesNotCorruptProtocol(t *testing.T) {
	var out, errOut bytes.Buffer
	b := newTestBackend(t, proc.Config{Workers: 1, Stdout: &out, Stderr: &errOut})
	in, _ := parallel.JSON.Marshal("hello")
	for range 3 {
		got, err := b.Run(t.Context(), tasks.print.Name(), in)
		if err != nil || string(got) != `"hello"` {
			t.Fatalf("Run(print) = %q, %v; want \"hello\"", got, err)
		}
	}
	b.Close() // waits for the output copiers
	if n := strings.Count(out.String(), "hello"); n != 3 {
		t.Errorf("Config.Stdout got %q, want the 3 lines the tasks printed", out.String())
	}
	if got, want := errOut.String(), strings.Repeat("to stderr: hello\n", 3); got != want {
		t.Errorf("Config.Stderr got %q, want %q", got, want)
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name  string
		cfg   proc.Config
		task  string
		input []byte
		check func(error) bool
	}{
		{"not-a-worker", proc.Config{Command: "true"}, "square", []byte("1"),
			func(err error) bool { return err != nil && strings.Contains(err.Error(), "ServeIfWorker") }},
		{"start-timeout", proc.Config{Command: "sleep", Args: []string{"60"}, StartTimeout: 200 * time.Millisecond}, "square", []byte("1"),
			func(err error) bool { return errors.Is(err, proc.ErrStartTimeout) }},
		{"no-such-command", proc.Config{Command: "/nonexistent/worker"}, "square", []byte("1"),
			func(err error) bool { return errors.Is(err, os.ErrNotExist) }},
		{"input-too-large", proc.Config{MaxFrame: 1024}, "square", make([]byte, 2000),
			func(err error) bool {
				return errors.Is(err, parallel.ErrPermanent) && strings.Contains(err.Error(), "task square: input of 2000 bytes")
			}},
		{"unknown-task", proc.Config{}, "no-such-task", []byte("1"),
			func(err error) bool { return errors.Is(err, parallel.ErrUnknownTask) }},
		{"bad-input", proc.Config{}, "square", []byte("not json"),
			func(err error) bool {
				return errors.Is(err, parallel.ErrPermanent) && strings.Contains(err.Error(), "square")
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Workers = 1
			b := newTestBackend(t, tc.cfg)
			out, err := b.Run(t.Context(), tc.task, tc.input)
			if !tc.check(err) {
				t.Errorf("Run(%s) = %q, %v (%T); not the error wanted", tc.task, out, err, err)
			}
		})
	}
}

// TestCloseStopsRunningTasks closes a backend while a task hangs in it.
func TestCloseStopsRunningTasks(t *testing.T) {
	started := make(chan struct{})
	b := newTestBackend(t, proc.Config{Workers: 2, Stdout: &signalWriter{c: started}})
	if err := b.Warm(t.Context()); err != nil {
		t.Fatalf("Warm: %v", err)
	}
	if st := b.Stats(); st.Live != 2 || st.Started != 2 {
		t.Errorf("after Warm, Stats = %+v, want Live 2, Started 2", st)
	}
	in, _ := parallel.JSON.Marshal("")
	errc := make(chan error, 1)
	go func() {
		_, err := b.Run(context.Background(), tasks.hang.Name(), in)
		errc <- err
	}()
	<-started // the task printed "hanging"
	b.Close()
	if err := <-errc; !errors.Is(err, proc.ErrClosed) {
		t.Errorf("Run interrupted by Close = %v, want ErrClosed", err)
	}
	if _, err := b.Run(t.Context(), tasks.square.Name(), []byte("2")); !errors.Is(err, proc.ErrClosed) {
		t.Errorf("Run after Close = %v, want ErrClosed", err)
	}
}

// signalWriter closes c on its first write.
type signalWriter struct {
	c    chan struct{}
	done bool
}

func (w *signalWriter) Write(p []byte) (int, error) {
	if !w.done {
		w.done = true
		close(w.c)
	}
	return len(p), nil
}

// TestIdleWorkerDied kills an idle worker from outside: the next task
// goes to a new worker, and nothing is reported as a crash, since no task
// was running.
func TestIdleWorkerDied(t *testing.T) {
	b := newTestBackend(t, proc.Config{Workers: 1})
	if err := b.Warm(t.Context()); err != nil {
		t.Fatalf("Warm: %v", err)
	}
	kids := processes(t)
	if len(kids) != 1 {
		t.Fatalf("after Warm of 1 worker, this process has children %v", kids)
	}
	syscall.Kill(kids[0].pid, syscall.SIGKILL)
	// Wait until the worker is a zombie (it stays one until the backend
	// reaps it) and every one of its threads has exited: a Go process's
	// main thread turns zombie before the others have let go of the pipes.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		s, ok := readStat(kids[0].pid)
		threads, err := os.ReadDir("/proc/" + strconv.Itoa(kids[0].pid) + "/task")
		if ok && s.state == 'Z' && err == nil && len(threads) <= 1 {
			break
		}
		<-tick.C
	}
	if out, err := b.Run(t.Context(), tasks.square.Name(), []byte("5")); err != nil || string(out) != "25" {
		t.Errorf("Run(square, 5) = %q, %v; want 25", out, err)
	}
	if st := b.Stats(); st.Crashed != 0 || st.Started != 2 || st.Live != 1 {
		t.Errorf("Stats = %+v, want Crashed 0, Started 2, Live 1", st)
	}
}
