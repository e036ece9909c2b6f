package proc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/fanout-dev/fanout/parallel/backend"
)

// envWorker is how a re-executed binary learns that it is a worker: the
// parent sets it, with the protocol version as its value, in the child's
// environment, and [ServeIfWorker] looks for it. It is the mechanism that
// tells the two roles apart, not a setting: nothing else reads it, and the
// worker removes it from its own environment at once, so that programs it
// starts are not workers.
const envWorker = "FANOUT_PROC_WORKER"

// The worker's end of the two pipes, as file descriptors: the task pipe is
// ExtraFiles[0], the result pipe ExtraFiles[1]. Keeping the protocol off
// stdin and stdout means that a task printing to stdout cannot corrupt it.
const (
	taskFD   = 3
	resultFD = 4
)

// outcome says how a call on a worker ended.
type outcome int

const (
	replied     outcome = iota // the worker replied; it is idle again
	interrupted                // ctx was done; the worker was stopped and reaped
	unsent                     // the task could not be written; the worker was reaped
	crashed                    // the worker died or broke the protocol; it was reaped
)

// worker is the parent's handle on one worker process. One goroutine at a
// time uses it (the Run that holds it, or a Process's waiter); the signal
// methods are safe to call from any goroutine.
type worker struct {
	cmd      *exec.Cmd
	pid      int
	tasks    *os.File // parent's write end of the task pipe
	results  *os.File // parent's read end of the result pipe
	br       *bufio.Reader
	stderr   *tail
	limit    int           // largest frame body accepted from the worker
	grace    time.Duration // between SIGTERM and SIGKILL
	memLimit bool          // a memory limit was set on the worker
	buf      []byte        // reused to encode task frames
	nextID   uint64
	ran      int // tasks answered

	mu     sync.Mutex
	reaped bool        // guarded by mu; set before cmd.Wait, after which the pid may be reused
	kill   *time.Timer // guarded by mu; the SIGKILL that follows a SIGTERM or a close
}

// startWorker starts cfg's command in worker mode and waits for its hello.
// ctx bounds the start only. When life is done, the worker is stopped:
// gently (SIGTERM, cfg.Grace, SIGKILL) if gentle is set, else at once with
// SIGKILL. stdout receives the worker's standard output (nil discards it).
func startWorker(ctx, life context.Context, cfg *Config, gentle bool, stdout io.Writer) (*worker, error) {
	tr, tw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("proc: start worker: %w", err)
	}
	rr, rw, err := os.Pipe()
	if err != nil {
		tr.Close()
		tw.Close()
		return nil, fmt.Errorf("proc: start worker: %w", err)
	}
	w := &worker{
		tasks:    tw,
		results:  rr,
		br:       bufio.NewReaderSize(rr, 64<<10),
		stderr:   newTail(cfg.TailSize),
		limit:    cfg.MaxFrame,
		grace:    cfg.Grace,
		memLimit: cfg.MemoryLimit > 0,
	}
	cmd := exec.CommandContext(life, cfg.Command, cfg.Args...)
	env := cfg.Env
	if env == nil {
		env = cmd.Environ()
	}
	cmd.Env = append(env[:len(env):len(env)], envWorker+"="+strconv.Itoa(protocolVersion))
	cmd.Dir = cfg.Dir
	cmd.ExtraFiles = []*os.File{tr, rw}
	cmd.Stdout = stdout
	cmd.Stderr = w.stderr
	if cfg.Stderr != nil {
		cmd.Stderr = io.MultiWriter(w.stderr, cfg.Stderr)
	}
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error {
		if gentle {
			return w.terminate()
		}
		return w.signal(syscall.SIGKILL)
	}
	// WaitDelay bounds how long Wait waits for the output pipes after the
	// worker has gone, should something it started still hold them.
	cmd.WaitDelay = cfg.Grace
	w.cmd = cmd
	err = cmd.Start()
	tr.Close()
	rw.Close()
	if err != nil {
		tw.Close()
		rr.Close()
		return nil, fmt.Errorf("proc: start worker %s: %w", cfg.Command, err)
	}
	w.pid = cmd.Process.Pid

	// Wait for the hello, bounded by StartTimeout and by ctx.
	rr.SetReadDeadline(time.Now().Add(cfg.StartTimeout))
	stop := context.AfterFunc(ctx, func() { rr.SetReadDeadline(time.Now()) })
	f, err := readFrame(w.br, 1<<20) // a hello, or the initializer's error
	if !stop() {
		w.signal(syscall.SIGKILL)
		w.reap()
		return nil, fmt.Errorf("proc: start worker: %w", context.Cause(ctx))
	}
	rr.SetReadDeadline(time.Time{})
	if err == nil && f.kind == kindError {
		w.reap()
		return nil, fmt.Errorf("proc: start worker %s: %w", cfg.Command, backend.UnmarshalError(f.payload))
	}
	if err == nil && (f.kind != kindHello || f.version != protocolVersion) {
		err = fmt.Errorf("proc: worker said %q version %d, want hello version %d", f.kind, f.version, protocolVersion)
	}
	if err != nil {
		w.signal(syscall.SIGKILL)
		w.reap()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = ErrStartTimeout
		}
		return nil, fmt.Errorf("proc: start worker %s (does main call proc.ServeIfWorker first?): %w (%v%s)",
			cfg.Command, err, cmd.ProcessState, stderrSuffix(w.stderr.Bytes()))
	}
	if cfg.MemoryLimit > 0 {
		if err := limitMemory(w.pid, cfg.MemoryLimit); err != nil {
			w.signal(syscall.SIGKILL)
			w.reap()
			return nil, err
		}
	}
	return w, nil
}

// stderrSuffix formats the last line of a worker's stderr for an error
// message.
func stderrSuffix(b []byte) string {
	if line := lastLine(b); line != "" {
		return "; stderr: " + line
	}
	return ""
}

// call sends one task to the worker and waits for its reply. If ctx is done
// first, the worker is stopped (SIGTERM, grace, SIGKILL of its group). Any
// outcome but replied leaves the worker reaped; crashed comes with a
// *CrashError.
func (w *worker) call(ctx context.Context, name string, input []byte) (frame, outcome, error) {
	w.nextID++
	id := w.nextID
	w.buf = appendFrame(w.buf[:0], frame{kind: kindTask, id: id, name: name, payload: input})
	stop := context.AfterFunc(ctx, func() { w.terminate() })
	// The write completes at once for frames that fit the pipe buffer; a
	// larger one completes as the worker reads it. If ctx is done, the
	// worker is killed and the write fails with EPIPE.
	_, werr := w.tasks.Write(w.buf)
	if cap(w.buf) > 1<<20 {
		w.buf = nil // do not pin a large input's buffer to an idle worker
	}
	var f frame
	var rerr error
	if werr == nil {
		f, rerr = readFrame(w.br, w.limit)
	}
	if !stop() {
		// ctx was done: the worker is being stopped, whatever it said.
		w.reap()
		return frame{}, interrupted, nil
	}
	if werr != nil {
		w.signal(syscall.SIGKILL)
		w.reap()
		return frame{}, unsent, werr
	}
	cause, ok := checkReply(f, rerr, id)
	if ok {
		w.ran++
		return f, replied, nil
	}
	w.signal(syscall.SIGKILL)
	w.reap()
	return frame{}, crashed, w.crashError(name, cause)
}

// checkReply says whether f, read from a worker with error rerr, is its
// reply to task id: a result or an error frame with that id. If it is not,
// cause says why, or is nil when the worker died before replying (the read
// met the end of the pipe).
func checkReply(f frame, rerr error, id uint64) (cause error, ok bool) {
	switch {
	case isEOF(rerr):
		return nil, false
	case rerr != nil:
		return rerr, false
	case f.kind != kindResult && f.kind != kindError:
		return fmt.Errorf("proc: unexpected frame %q in reply to a task", f.kind), false
	case f.id != id:
		return fmt.Errorf("proc: reply to task %d carries id %d", id, f.id), false
	}
	return nil, true
}

// crashError describes the death of a reaped worker that was running task.
func (w *worker) crashError(task string, cause error) *CrashError {
	ps := w.cmd.ProcessState
	e := &CrashError{
		Task:     task,
		PID:      w.pid,
		ExitCode: ps.ExitCode(),
		Stderr:   w.stderr.Bytes(),
		Cause:    cause,
		Exit:     &exec.ExitError{ProcessState: ps},
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		e.Signal = ws.Signal()
	}
	e.MemoryLimit = w.memLimit && w.stderr.sawOOM()
	return e
}

// signal sends sig to the worker's process group. It returns
// os.ErrProcessDone once the worker has been reaped or the group is gone.
func (w *worker) signal(sig syscall.Signal) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.signalLocked(sig)
}

func (w *worker) signalLocked(sig syscall.Signal) error {
	if w.reaped {
		return os.ErrProcessDone
	}
	// Until the worker is reaped its pid, which is also its process group
	// id, cannot be reused, so this reaches the worker's group and nothing
	// else.
	err := killGroup(w.pid, sig)
	if err == syscall.ESRCH {
		return os.ErrProcessDone
	}
	return err
}

// terminate sends SIGTERM to the worker's group and SIGKILL after the grace
// period, unless the worker has been reaped by then.
func (w *worker) terminate() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.signalLocked(syscall.SIGTERM)
	w.armKillLocked(w.grace)
	return err
}

// exitWait is how long an idle worker whose task pipe was closed has to
// exit by itself before it is killed. It is long because nothing waits on
// it but Close and Join, and a worker built with the race detector sleeps
// a second at exit.
const exitWait = 10 * time.Second

// armKillLocked arranges for SIGKILL to the worker's group after d, unless
// a kill is already pending or the worker has been reaped.
func (w *worker) armKillLocked(d time.Duration) {
	if w.kill == nil && !w.reaped {
		w.kill = time.AfterFunc(d, func() { w.signal(syscall.SIGKILL) })
	}
}

// reap closes the task pipe, so that a live worker exits, waits for the
// result pipe to reach end of file (SIGKILL follows after exitWait if it
// does not, or sooner if terminate armed it), kills whatever is left of
// the worker's process group (processes the task started), and waits for
// the worker.
func (w *worker) reap() {
	w.tasks.Close()
	w.mu.Lock()
	w.armKillLocked(exitWait)
	w.mu.Unlock()

	io.Copy(io.Discard, w.br)

	w.mu.Lock()
	w.signalLocked(syscall.SIGKILL)
	w.reaped = true
	if w.kill != nil {
		w.kill.Stop()
	}
	w.mu.Unlock()
	w.cmd.Wait() // the outcome is read from cmd.ProcessState
	w.results.Close()
}
