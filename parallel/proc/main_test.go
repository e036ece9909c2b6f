//go:build linux

package proc_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/paralleltest"
	"github.com/fanout-dev/fanout/parallel/proc"
)

// registry holds the tasks the test binary serves when it runs as a
// worker: the conformance tasks, and tasks that misbehave in every way a
// worker can. The submitting side uses the same values.
var registry, tasks = newTestRegistry()

type testTasks struct {
	square, exit, crash, kill, spin, alloc, pid *parallel.Task[int, int]
	forge                                       *parallel.Task[int, int]
	print, hang, wait, crashOnce                *parallel.Task[string, string]
}

func newTestRegistry() (*parallel.Registry, *testTasks) {
	r := new(parallel.Registry)
	paralleltest.Register(r)
	// The initializer does what the environment the parent gives its
	// workers says: fail, or log the worker's pid (TestInit).
	r.Init(func(context.Context) error {
		if os.Getenv("PROC_TEST_INIT") == "fail" {
			return errors.New("model file not found")
		}
		if p := os.Getenv("PROC_TEST_INIT_LOG"); p != "" {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = fmt.Fprintln(f, os.Getpid())
			return err
		}
		return nil
	})
	return r, &testTasks{
		square: parallel.Register(r, "square", nil, func(_ context.Context, n int) (int, error) {
			return n * n, nil
		}),
		// exit calls os.Exit with its input.
		exit: parallel.Register(r, "exit", nil, func(_ context.Context, code int) (int, error) {
			os.Exit(code)
			return 0, nil
		}),
		// crash writes to a nil map in a new goroutine: a panic no recover in
		// the task can catch, which kills the worker.
		crash: parallel.Register(r, "crash", nil, func(_ context.Context, _ int) (int, error) {
			done := make(chan struct{})
			go func() {
				var m map[string]int
				m["boom"] = 1
				close(done)
			}()
			<-done
			return 0, nil
		}),
		// kill sends SIGKILL to its own worker.
		kill: parallel.Register(r, "kill", nil, func(_ context.Context, _ int) (int, error) {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}),
		// spin ignores its ctx and loops forever.
		spin: parallel.Register(r, "spin", nil, func(_ context.Context, _ int) (int, error) {
			n := 0
			for {
				n++
			}
		}),
		// alloc allocates its input in MiB, 16 MiB at a time, and returns
		// how many it held. RLIMIT_AS counts the address space reserved,
		// so touching one byte of each block is enough (and keeps the task
		// fast under the race detector).
		alloc: parallel.Register(r, "alloc", nil, func(_ context.Context, mib int) (int, error) {
			var held [][]byte
			for range mib / 16 {
				b := make([]byte, 16<<20)
				b[0] = 1
				held = append(held, b)
			}
			return 16 * len(held), nil
		}),
		// print writes to stdout and stderr, including bytes that would be a
		// valid frame on the result pipe, and returns its input.
		print: parallel.Register(r, "print", nil, func(_ context.Context, s string) (string, error) {
			fmt.Fprintf(os.Stdout, "\x00\x00\x00\x09R\x00\x00\x00\x00\x00\x00\x00\x01%s\n", s)
			fmt.Fprintf(os.Stderr, "to stderr: %s\n", s)
			return s, nil
		}),
		// pid returns the worker's process id.
		pid: parallel.Register(r, "pid", nil, func(_ context.Context, _ int) (int, error) {
			return os.Getpid(), nil
		}),
		// hang starts a grandchild (sleep) in the worker's process group,
		// writes the grandchild's pid to the file named by its input, says so
		// on stdout, then ignores its ctx and never returns.
		hang: parallel.Register(r, "hang", nil, func(_ context.Context, pidFile string) (string, error) {
			if pidFile != "" {
				cmd := exec.Command("sleep", "600")
				if err := cmd.Start(); err != nil {
					return "", err
				}
				if err := os.WriteFile(pidFile, []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
					return "", err
				}
			}
			fmt.Println("hanging")
			for {
				time.Sleep(time.Hour)
			}
		}),
		// wait says so on stdout, then waits for its ctx to be done and
		// returns its cause.
		wait: parallel.Register(r, "wait", nil, func(ctx context.Context, _ string) (string, error) {
			fmt.Println("waiting")
			<-ctx.Done()
			return "", context.Cause(ctx)
		}),
		// forge writes a reply frame announcing a 1 GiB body straight to the
		// result pipe, as a hostile or corrupted worker might.
		forge: parallel.Register(r, "forge", nil, func(_ context.Context, _ int) (int, error) {
			os.NewFile(4, "results").Write([]byte{0x40, 0, 0, 0, 'R'})
			select {}
		}),
		// crashOnce exits with status 1 if the file named by its input does not
		// exist yet (creating it first), and succeeds otherwise.
		crashOnce: parallel.Register(r, "crash-once", nil, func(_ context.Context, marker string) (string, error) {
			if _, err := os.Stat(marker); errors.Is(err, os.ErrNotExist) {
				os.WriteFile(marker, nil, 0o644)
				os.Exit(1)
			}
			return "second time lucky", nil
		}),
	}
}

func TestMain(m *testing.M) {
	proc.ServeIfWorker(registry)
	os.Exit(m.Run())
}
