package proc

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
)

// ErrClosed is returned by [Backend.Run] once [Backend.Close] has been
// called, including by a Run that Close interrupted.
var ErrClosed = errors.New("proc: backend closed")

// ErrStartTimeout is wrapped by the error of a worker that did not say
// hello within [Config.StartTimeout], typically because the command does
// not call [ServeIfWorker] at the top of main.
var ErrStartTimeout = errors.New("proc: worker did not start in time")

// CrashError is the error of a task whose worker process died (it exited,
// was killed by a signal, hit its memory limit) or broke the protocol
// before replying. Only that task fails: the worker is replaced and the
// other tasks carry on.
//
// CrashError wraps the worker's [*exec.ExitError], and Cause when it is
// set; inspect it with [errors.As].
type CrashError struct {
	Task     string         // the task the worker was running
	PID      int            // the worker's process id
	ExitCode int            // the exit status, or -1 if a signal ended the worker
	Signal   syscall.Signal // the signal that ended the worker, or 0

	// MemoryLimit reports that the worker died of a failed allocation
	// while a [Config.MemoryLimit] was in force. It is read from the
	// runtime's report on stderr ("fatal error: runtime: out of memory",
	// or the race detector's equivalents), which a Go worker prints when
	// an allocation fails at the limit.
	MemoryLimit bool

	// Stderr is the tail of the worker's standard error (at most
	// [Config.TailSize] bytes), where a Go worker prints the panic or
	// fatal error that ended it.
	Stderr []byte

	// Cause, if set, is why the parent killed the worker: a malformed or
	// oversized frame. It is nil when the worker died on its own.
	Cause error

	Exit *exec.ExitError // the worker's exit state
}

// Error says which worker crashed running which task, and how it ended:
// the cause if the parent killed it, the memory limit, the signal or the
// exit status, and the first fatal line (or the last line) of its stderr.
func (e *CrashError) Error() string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "proc: worker %d crashed running task %s", e.PID, e.Task)
	if e.Cause != nil {
		fmt.Fprintf(&b, ": %v", e.Cause)
	}
	switch {
	case e.MemoryLimit:
		b.WriteString(": memory limit exceeded")
	case e.Signal != 0:
		fmt.Fprintf(&b, ": killed by signal %v", e.Signal)
	default:
		fmt.Fprintf(&b, ": exit status %d", e.ExitCode)
	}
	if line := lastLine(e.Stderr); line != "" {
		fmt.Fprintf(&b, ": %s", line)
	}
	return b.String()
}

// Unwrap returns the worker's exit error and the cause, if any.
func (e *CrashError) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Exit != nil {
		errs = append(errs, e.Exit)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}

// lastLine returns the first line of a Go fatal report in b ("panic: ...",
// "fatal error: ..."), or else its last non-empty line, trimmed to 200
// bytes.
func lastLine(b []byte) string {
	var last []byte
	for line := range bytes.Lines(b) {
		line = bytes.TrimSpace(line)
		if bytes.HasPrefix(line, []byte("panic: ")) || bytes.HasPrefix(line, []byte("fatal error: ")) {
			last = line
			break
		}
		if len(line) > 0 {
			last = line
		}
	}
	if len(last) > 200 {
		last = last[:200]
	}
	return string(last)
}
