//go:build linux

package proc_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/parallel/proc"
)

// helperEnv makes the test binary act as a parent of workers for
// TestWorkersDieWithParent (the os/exec helper-process pattern).
const helperEnv = "PROC_TEST_WORKER_PARENT"

// TestWorkerParentHelper is not a test: run by TestWorkersDieWithParent
// with helperEnv set, it starts two workers, says ready, and waits to be
// killed.
func TestWorkerParentHelper(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("helper process for TestWorkersDieWithParent")
	}
	b, err := proc.New(proc.Config{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	// One worker idle, one busy with a task that ignores SIGTERM.
	go b.Run(ctx, tasks.hang.Name(), []byte(`""`))
	fmt.Println("ready")
	select {}
}

// TestWorkersDieWithParent kills a parent of workers with SIGKILL, which
// gives it no chance to clean up, and checks that its workers die too.
func TestWorkersDieWithParent(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a parent process and its workers")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerParentHelper$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "ready" {
		t.Fatalf("helper said %q, %v; want ready", sc.Text(), sc.Err())
	}
	workers := waitChildren(t, cmd.Process.Pid, 2)

	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for _, pid := range workers {
		for alive(pid) {
			select {
			case <-tick.C:
			case <-deadline:
				t.Fatalf("worker %d still alive after its parent was killed", pid)
			}
		}
	}
}

// waitChildren polls /proc until process parent has n children, and
// returns their pids. A child's start has no event to wait on here.
func waitChildren(t *testing.T, parent, n int) []int {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for {
		var kids []int
		ents, _ := os.ReadDir("/proc")
		for _, e := range ents {
			pid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			if s, ok := readStat(pid); ok && s.ppid == parent && !strings.HasPrefix(s.comm, "sleep") {
				kids = append(kids, pid)
			}
		}
		if len(kids) >= n {
			return kids
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("parent %d has %d children, want %d", parent, len(kids), n)
		}
	}
}

// alive reports whether pid is a running (not zombie) process.
func alive(pid int) bool {
	s, ok := readStat(pid)
	return ok && s.state != 'Z'
}
