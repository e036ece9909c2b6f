//go:build windows && (amd64 || arm64)

package turbojpeg

import (
	"fmt"
	"syscall"
)

var libraryNames = []string{
	"turbojpeg.dll",
	"libturbojpeg.dll",
	`C:\libjpeg-turbo64\bin\turbojpeg.dll`,
}

func openLibrary(name string) (uintptr, error) {
	h, err := syscall.LoadLibrary(name)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return uintptr(h), nil
}

func lookup(h uintptr, name string) (uintptr, error) {
	return syscall.GetProcAddress(syscall.Handle(h), name)
}
