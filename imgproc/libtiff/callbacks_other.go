//go:build !(((linux && !android) || (darwin && !ios) || windows) && (amd64 || arm64))

package libtiff

import (
	"fmt"
	"runtime"
)

// newCallbacks fails where purego cannot make callbacks; Load has already
// failed there, since dynlib cannot load libraries either.
func newCallbacks(*Lib) (callbacks, error) {
	return callbacks{}, fmt.Errorf("%w: no C callbacks on %s/%s", ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}
