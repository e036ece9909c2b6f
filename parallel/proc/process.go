package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/fanout-dev/fanout/parallel/backend"
)

// Process is one named task running in a child process of its own: the
// counterpart of Python's multiprocessing.Process. The child is this
// program (or [Config.Command]) started in worker mode; it runs the task,
// sends the result back and exits.
//
// Make one with [Start]. Its methods are safe for concurrent use. Its
// resources are released when the child has exited; [Process.Join] waits
// for that.
type Process struct {
	w      *worker
	name   string
	stdout *tail
	done   chan struct{} // closed once the child is reaped and out, err are set

	out []byte // written before done is closed
	err error  // written before done is closed
}

// Start starts a child process that runs the task registered as name on
// input, and returns once the child is running (it has said hello). The
// child's lifetime is bound to ctx: when ctx is done, the child gets
// SIGTERM and, after [Config.Grace], its process group gets SIGKILL.
// Config's Workers, MaxTasks and Retries do not apply.
//
// Start returns an error if the child cannot be started or does not say
// hello in time (wrapping [ErrStartTimeout]), or if the input exceeds
// [Config.MaxFrame].
func Start(ctx context.Context, cfg Config, name string, input []byte) (*Process, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	if err := cfg.checkTask(name, input); err != nil {
		return nil, err
	}
	p := &Process{name: name, stdout: newTail(cfg.TailSize), done: make(chan struct{})}
	var stdout io.Writer = p.stdout
	if cfg.Stdout != nil {
		stdout = io.MultiWriter(p.stdout, cfg.Stdout)
	}
	p.w, err = startWorker(ctx, ctx, &cfg, true, stdout)
	if err != nil {
		return nil, err
	}
	go p.run(ctx, input)
	return p, nil
}

// run sends the task, closes the task pipe (so that the child exits after
// replying), reads the reply and reaps the child.
func (p *Process) run(ctx context.Context, input []byte) {
	defer close(p.done)
	w := p.w
	_, werr := w.tasks.Write(appendFrame(nil, frame{kind: kindTask, id: 1, name: p.name, payload: input}))
	w.tasks.Close()
	var f frame
	var rerr error
	if werr == nil {
		f, rerr = readFrame(w.br, w.limit)
	}
	w.reap()
	var cause error // a failed write means the child died first: no cause
	ok := false
	if werr == nil {
		cause, ok = checkReply(f, rerr, 1)
	}
	switch {
	case ok && f.kind == kindResult:
		p.out = f.payload
	case ok:
		p.err = backend.UnmarshalError(f.payload)
	case ctx.Err() != nil:
		p.err = fmt.Errorf("proc: process %d running task %s stopped: %w", w.pid, p.name, context.Cause(ctx))
	default:
		p.err = w.crashError(p.name, cause)
	}
}

// Pid returns the child's process id, which is also its process group id.
func (p *Process) Pid() int { return p.w.pid }

// Done returns a channel that is closed when the child has exited and its
// result is known.
func (p *Process) Done() <-chan struct{} { return p.done }

// Join waits for the child to exit and returns the task's encoded output or
// its error: the task's own error as [backend.UnmarshalError] rebuilds it,
// a [*CrashError] if the child died without replying (including after
// [Process.Terminate] or [Process.Kill] of a task that did not return), or
// an error wrapping the cause of Start's ctx if that stopped the child.
// ctx bounds only the wait: when it is done first, Join returns an error
// wrapping context.Cause(ctx) and the child runs on.
func (p *Process) Join(ctx context.Context) ([]byte, error) {
	select {
	case <-p.done:
		return p.out, p.err
	case <-ctx.Done():
		return nil, fmt.Errorf("proc: join process %d: %w", p.w.pid, context.Cause(ctx))
	}
}

// Alive reports whether the child is still running (or not yet reaped).
func (p *Process) Alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Terminate sends SIGTERM to the child's process group, which cancels the
// running task's context; if the child has not exited after [Config.Grace],
// the group gets SIGKILL. It returns [os.ErrProcessDone] if the child has
// already exited.
func (p *Process) Terminate() error { return p.w.terminate() }

// Kill sends SIGKILL to the child's process group. It returns
// [os.ErrProcessDone] if the child has already exited.
func (p *Process) Kill() error { return p.w.signal(syscall.SIGKILL) }

// ExitCode returns the child's exit status: -1 while it runs or if a
// signal ended it (see [Process.Signal]), as [os.ProcessState.ExitCode].
func (p *Process) ExitCode() int {
	if s := p.State(); s != nil {
		return s.ExitCode()
	}
	return -1
}

// Signal returns the signal that ended the child, or 0 if it is running or
// exited by itself.
func (p *Process) Signal() syscall.Signal {
	if s := p.State(); s != nil {
		if ws, ok := s.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return ws.Signal()
		}
	}
	return 0
}

// State returns the child's exit state, or nil while it runs.
func (p *Process) State() *os.ProcessState {
	select {
	case <-p.done:
		return p.w.cmd.ProcessState
	default:
		return nil
	}
}

// Stdout returns the last [Config.TailSize] bytes the child wrote to its
// standard output so far.
func (p *Process) Stdout() []byte { return p.stdout.Bytes() }

// Stderr returns the last [Config.TailSize] bytes the child wrote to its
// standard error so far.
func (p *Process) Stderr() []byte { return p.w.stderr.Bytes() }

// isEOF reports whether a read error means that the writer went away.
func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
