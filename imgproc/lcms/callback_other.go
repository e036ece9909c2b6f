//go:build !(((linux && !android) || (darwin && !ios) || windows) && (amd64 || arm64))

package lcms

import (
	"fmt"
	"runtime"
)

// errorCallback fails where purego cannot make callbacks; Load has already
// failed there, since dynlib cannot load libraries either.
func errorCallback() (uintptr, error) {
	return 0, fmt.Errorf("%w: no C callbacks on %s/%s", ErrUnsupported, runtime.GOOS, runtime.GOARCH)
}
