//go:build linux

package proc_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/proc"
)

func mustStart(t *testing.T, ctx context.Context, cfg proc.Config, name string, input []byte) *proc.Process {
	t.Helper()
	if cfg.Grace == 0 {
		cfg.Grace = 200 * time.Millisecond
	}
	p, err := proc.Start(ctx, cfg, name, input)
	if err != nil {
		t.Fatalf("Start(%s): %v", name, err)
	}
	t.Cleanup(func() {
		p.Kill()
		<-p.Done()
		checkNoChildren(t, p.Pid())
	})
	return p
}

func TestProcessResult(t *testing.T) {
	p := mustStart(t, t.Context(), proc.Config{}, tasks.square.Name(), []byte("12"))
	if p.Pid() <= 0 {
		t.Errorf("Pid() = %d, want > 0", p.Pid())
	}
	out, err := p.Join(t.Context())
	if err != nil || string(out) != "144" {
		t.Errorf("Join = %q, %v; want 144, nil", out, err)
	}
	if p.Alive() || p.ExitCode() != 0 || p.Signal() != 0 || p.State() == nil {
		t.Errorf("after Join: Alive %v, ExitCode %d, Signal %v, State %v; want false, 0, 0, set", p.Alive(), p.ExitCode(), p.Signal(), p.State())
	}
	if err := p.Kill(); !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("Kill after exit = %v, want os.ErrProcessDone", err)
	}
}

func TestProcessOutput(t *testing.T) {
	in, _ := parallel.JSON.Marshal("captured")
	p := mustStart(t, t.Context(), proc.Config{}, tasks.print.Name(), in)
	out, err := p.Join(t.Context())
	if err != nil || string(out) != `"captured"` {
		t.Errorf("Join = %q, %v; want \"captured\"", out, err)
	}
	if !bytes.HasSuffix(p.Stdout(), []byte("captured\n")) {
		t.Errorf("Stdout() = %q, want the line the task printed", p.Stdout())
	}
	if got, want := string(p.Stderr()), "to stderr: captured\n"; got != want {
		t.Errorf("Stderr() = %q, want %q", got, want)
	}
}

func TestProcessStop(t *testing.T) {
	tests := []struct {
		name string
		task string
		stop func(p *proc.Process, cancel context.CancelFunc)
		// wantSignal is the signal that ends the child.
		wantSignal syscall.Signal
		wantErr    func(error) bool
	}{
		{"terminate-cooperative", tasks.wait.Name(), func(p *proc.Process, _ context.CancelFunc) { p.Terminate() },
			syscall.SIGTERM, func(err error) bool { return errors.Is(err, context.Canceled) }},
		{"terminate-ignored", tasks.hang.Name(), func(p *proc.Process, _ context.CancelFunc) { p.Terminate() },
			syscall.SIGKILL, func(err error) bool {
				var ce *proc.CrashError
				return errors.As(err, &ce) && ce.Signal == syscall.SIGKILL
			}},
		{"kill", tasks.hang.Name(), func(p *proc.Process, _ context.CancelFunc) { p.Kill() },
			syscall.SIGKILL, func(err error) bool {
				var ce *proc.CrashError
				return errors.As(err, &ce) && ce.Signal == syscall.SIGKILL
			}},
		{"start-ctx-cancelled", tasks.wait.Name(), func(_ *proc.Process, cancel context.CancelFunc) { cancel() },
			syscall.SIGTERM, func(err error) bool { return errors.Is(err, context.Canceled) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			started := make(chan struct{})
			p := mustStart(t, ctx, proc.Config{Grace: 100 * time.Millisecond, Stdout: &signalWriter{c: started}}, tc.task, []byte(`""`))
			if !p.Alive() {
				t.Fatal("Alive() = false right after Start")
			}
			<-started // the task prints once it runs
			tc.stop(p, cancel)
			_, err := p.Join(t.Context())
			if !tc.wantErr(err) {
				t.Errorf("Join error = %v (%T), not the one wanted", err, err)
			}
			if p.Signal() != tc.wantSignal || p.ExitCode() != -1 {
				t.Errorf("child ended with signal %v, exit code %d; want %v, -1", p.Signal(), p.ExitCode(), tc.wantSignal)
			}
		})
	}
}

func TestProcessJoinTimeout(t *testing.T) {
	p := mustStart(t, t.Context(), proc.Config{}, tasks.hang.Name(), []byte(`""`))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Join(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Join with an expired ctx = %v, want context.DeadlineExceeded", err)
	}
	if !p.Alive() {
		t.Error("the child died when Join's ctx expired; Join's ctx must bound only the wait")
	}
}

func TestProcessCrash(t *testing.T) {
	p := mustStart(t, t.Context(), proc.Config{}, tasks.exit.Name(), []byte("7"))
	_, err := p.Join(t.Context())
	var ce *proc.CrashError
	if !errors.As(err, &ce) || ce.ExitCode != 7 || ce.PID != p.Pid() {
		t.Errorf("Join = %v, want a CrashError with exit status 7 and pid %d", err, p.Pid())
	}
	if p.ExitCode() != 7 {
		t.Errorf("ExitCode() = %d, want 7", p.ExitCode())
	}
}

func TestStartErrors(t *testing.T) {
	_, err := proc.Start(t.Context(), proc.Config{MaxFrame: 100}, "square", make([]byte, 200))
	if err == nil || !strings.Contains(err.Error(), "exceeds the frame limit") {
		t.Errorf("Start with an oversized input = %v, want a frame limit error", err)
	}
	// Frames over 1 GiB are refused by the worker, and over 4 GiB would
	// wrap the 32-bit length prefix: such a MaxFrame is an error.
	if _, err := proc.New(proc.Config{MaxFrame: 1<<30 + 1}); err == nil || !strings.Contains(err.Error(), "MaxFrame") {
		t.Errorf("New with MaxFrame over 1 GiB = %v, want an error naming MaxFrame", err)
	}
	_, err = proc.Start(t.Context(), proc.Config{MaxFrame: 1<<30 + 1}, "square", []byte("1"))
	if err == nil || !strings.Contains(err.Error(), "MaxFrame") {
		t.Errorf("Start with MaxFrame over 1 GiB = %v, want an error naming MaxFrame", err)
	}
	_, err = proc.Start(t.Context(), proc.Config{Command: "false"}, "square", []byte("1"))
	if err == nil || !strings.Contains(err.Error(), "exit status 1") {
		t.Errorf("Start of a command that exits = %v, want an error with its exit status", err)
	}
	checkNoChildren(t)
}
