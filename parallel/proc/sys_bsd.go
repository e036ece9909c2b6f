//go:build unix && !linux

package proc

import (
	"errors"
	"runtime"
	"syscall"
)

// sysProcAttr puts the worker in a process group of its own. Outside Linux
// there is no parent-death signal; workers still exit when their task pipe
// reaches end of file, which happens when the parent dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func limitMemory(pid int, extra int64) error {
	return errors.New("proc: memory limit not supported on " + runtime.GOOS)
}
