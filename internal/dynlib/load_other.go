//go:build !(((linux && !android) || (darwin && !ios) || windows) && (amd64 || arm64))

package dynlib

import (
	"fmt"
	"runtime"
)

func open(string) (uintptr, error) {
	return 0, fmt.Errorf("%s/%s: %w", runtime.GOOS, runtime.GOARCH, ErrUnsupported)
}

func lookup(uintptr, string) (uintptr, error) { return 0, ErrUnsupported }

func register(any, uintptr) {}
