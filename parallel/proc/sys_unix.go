//go:build unix

package proc

import (
	"os"
	"syscall"
)

// killGroup sends sig to the process group whose leader is pid.
func killGroup(pid int, sig syscall.Signal) error { return syscall.Kill(-pid, sig) }

// raise sends sig to this process.
func raise(sig syscall.Signal) { syscall.Kill(os.Getpid(), sig) }

// closeOnExec keeps fd from leaking into processes this one starts.
func closeOnExec(fd int) { syscall.CloseOnExec(fd) }
