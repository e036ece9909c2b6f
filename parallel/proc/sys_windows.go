package proc

import (
	"errors"
	"syscall"
)

// Windows cannot pass extra file descriptors to a child, so workers cannot
// start there: New succeeds, and starting a worker (Run, Warm, Start)
// returns the system's error. These stubs let programs that import the package
// build everywhere.

var errUnsupported = errors.New("proc: worker processes are not supported on windows")

func sysProcAttr() *syscall.SysProcAttr           { return nil }
func limitMemory(pid int, extra int64) error      { return errUnsupported }
func killGroup(pid int, sig syscall.Signal) error { return errUnsupported }
func raise(sig syscall.Signal)                    {}
func closeOnExec(fd int)                          {}
