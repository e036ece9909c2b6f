package proc

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/backend"
)

// errTerminated is the cause of a worker task's context when the worker is
// asked to stop (SIGTERM: a timeout, a cancellation, Process.Terminate). It
// wraps context.Canceled, so that a task returning it is reported as
// cancelled on the parent's side too.
var errTerminated = fmt.Errorf("proc: worker terminated: %w", context.Canceled)

// ServeIfWorker makes the program usable as a worker of [Backend] and
// [Process]. Call it first thing in main (and in TestMain, for tests that
// start workers), with the registry of tasks the workers may run:
//
//	func main() {
//		reg := newRegistry()
//		proc.ServeIfWorker(reg)
//		// the program proper
//	}
//
// In an ordinary run it returns at once. In a process started as a worker
// (the parent marks it so in the environment; see the package doc) it never
// returns: it serves tasks with [backend.Invoke] until its task
// pipe reaches end of file (the parent closed it, or died), then exits 0.
// On SIGTERM the running task's context is cancelled, and once the task has
// returned the worker dies of SIGTERM.
//
// Code that runs before ServeIfWorker runs in every worker too, so it
// should come first: this is Go's counterpart of Python's
// `if __name__ == "__main__":` guard.
func ServeIfWorker(reg *parallel.Registry) {
	v, ok := os.LookupEnv(envWorker)
	if !ok {
		return
	}
	os.Unsetenv(envWorker)
	if v != strconv.Itoa(protocolVersion) {
		fmt.Fprintf(os.Stderr, "proc: worker speaks protocol %d, parent asked for %s\n", protocolVersion, v)
		os.Exit(2)
	}
	// The pipes must not leak into processes the tasks start: a leaked
	// result pipe would hide the worker's death from the parent.
	closeOnExec(taskFD)
	closeOnExec(resultFD)
	in := os.NewFile(taskFD, "fanout-tasks")
	out := os.NewFile(resultFD, "fanout-results")
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	os.Exit(serve(reg, in, out, term, dieOfSIGTERM))
}

// serve runs the worker loop: hello, then one task at a time. It returns
// the process exit code. When term delivers, the running task's context is
// cancelled and die is called once the task is over (at once if idle).
func serve(reg *parallel.Registry, in io.Reader, out io.Writer, term <-chan os.Signal, die func()) int {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)

	// busy and ctx together decide who calls die: the signal goroutine
	// cancels, then reads busy; the loop stores busy, then reads ctx. With
	// sequentially consistent atomics one of them sees the other's write,
	// so die runs whether the signal lands inside a task or between tasks.
	var busy atomic.Bool
	go func() {
		if _, ok := <-term; !ok {
			return
		}
		cancel(errTerminated)
		if !busy.Load() {
			die()
		}
	}()

	// The initializer runs before the hello: a worker that cannot start
	// says why instead, and its parent fails the task with that.
	if err := reg.Start(ctx); err != nil {
		if _, werr := out.Write(appendFrame(nil, frame{kind: kindError, payload: backend.MarshalError(err)})); werr != nil {
			fmt.Fprintf(os.Stderr, "proc: worker: %v\n", err)
		}
		return 0
	}
	if _, err := out.Write(appendFrame(nil, frame{kind: kindHello, version: protocolVersion})); err != nil {
		fmt.Fprintf(os.Stderr, "proc: worker: write hello: %v\n", err)
		return 2
	}
	br := bufio.NewReaderSize(in, 64<<10)
	var buf []byte
	for {
		f, err := readFrame(br, maxFrame)
		if err == io.EOF {
			return 0
		}
		if err == nil && f.kind != kindTask {
			err = fmt.Errorf("proc: worker: unexpected frame %q", f.kind)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "proc: worker: read task: %v\n", err)
			return 2
		}
		busy.Store(true)
		if ctx.Err() != nil {
			die()
		}
		res, err := backend.Invoke(ctx, reg, f.name, f.payload)
		if err == nil && len(res) > maxFrame-1-idSize {
			err = parallel.Permanent(fmt.Errorf("proc: task %s: output of %d bytes is over the protocol's frame limit of %d bytes", f.name, len(res), maxFrame))
		}
		reply := frame{kind: kindResult, id: f.id, payload: res}
		if err != nil {
			reply = frame{kind: kindError, id: f.id, payload: backend.MarshalError(err)}
		}
		buf = appendFrame(buf[:0], reply)
		if _, err := out.Write(buf); err != nil {
			fmt.Fprintf(os.Stderr, "proc: worker: write result: %v\n", err)
			return 2
		}
		if cap(buf) > 1<<20 {
			buf = nil
		}
		busy.Store(false)
		if ctx.Err() != nil {
			die()
		}
	}
}

// dieOfSIGTERM ends the process by the default action of SIGTERM, so that
// the parent sees a worker killed by SIGTERM.
func dieOfSIGTERM() {
	signal.Reset(syscall.SIGTERM)
	raise(syscall.SIGTERM)
	// A signal a process sends itself is delivered before kill returns;
	// this is only a fallback.
	time.Sleep(time.Second)
	os.Exit(128 + int(syscall.SIGTERM))
}
