//go:build windows && (amd64 || arm64)

package dynlib

import (
	"fmt"
	"syscall"

	"github.com/ebitengine/purego"
)

func open(name string) (uintptr, error) {
	h, err := syscall.LoadLibrary(name)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return uintptr(h), nil
}

func lookup(h uintptr, name string) (uintptr, error) {
	return syscall.GetProcAddress(syscall.Handle(h), name)
}

func register(fn any, addr uintptr) { purego.RegisterFunc(fn, addr) }
