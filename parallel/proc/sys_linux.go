package proc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"unsafe"
)

// sysProcAttr puts the worker in a process group of its own, so that it and
// anything it starts can be signalled together, and asks the kernel to kill
// it when the parent dies.
//
// Pdeathsig fires when the thread that started the child exits, not the
// process; the Go runtime only ends threads whose goroutine locked them
// and exited, so this is rare, and a worker also exits when its task pipe
// reaches end of file, which happens when the parent dies for any reason.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// limitMemory caps the address space of process pid at its current size
// plus extra bytes, with prlimit(2) on RLIMIT_AS.
//
// The current size is the baseline because the Go runtime reserves about a
// gigabyte of address space at start (never touched, but counted by
// RLIMIT_AS); a limit on the absolute size would either stop the runtime
// from starting or leave no room to bound anything.
func limitMemory(pid int, extra int64) error {
	size, err := vmSize(pid)
	if err != nil {
		return err
	}
	lim := syscall.Rlimit{Cur: uint64(size + extra), Max: uint64(size + extra)}
	// syscall has no exported prlimit; golang.org/x/sys/unix has, but this
	// package keeps to the standard library (DESIGN: proc imports parallel
	// only), and the call is a single system call.
	_, _, errno := syscall.RawSyscall6(syscall.SYS_PRLIMIT64, uintptr(pid), uintptr(syscall.RLIMIT_AS),
		uintptr(unsafe.Pointer(&lim)), 0, 0, 0)
	if errno != 0 {
		return fmt.Errorf("proc: prlimit RLIMIT_AS on worker %d: %w", pid, errno)
	}
	return nil
}

// vmSize returns the address-space size of process pid in bytes, from the
// VmSize line of /proc/pid/status.
func vmSize(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, fmt.Errorf("proc: read worker memory size: %w", err)
	}
	for line := range bytes.Lines(b) {
		rest, ok := bytes.CutPrefix(line, []byte("VmSize:"))
		if !ok {
			continue
		}
		f := bytes.Fields(rest) // "1226928", "kB"
		if len(f) == 2 && string(f[1]) == "kB" {
			kb, err := strconv.ParseInt(string(f[0]), 10, 64)
			if err == nil {
				return kb << 10, nil
			}
		}
		break
	}
	return 0, fmt.Errorf("proc: no VmSize in /proc/%d/status", pid)
}
