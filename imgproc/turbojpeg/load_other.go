//go:build !(((linux && !android) || (darwin && !ios) || windows) && (amd64 || arm64))

package turbojpeg

import (
	"fmt"
	"runtime"
)

var libraryNames = []string{"libturbojpeg"}

func openLibrary(string) (uintptr, error) {
	return 0, fmt.Errorf("turbojpeg: load libjpeg-turbo on %s/%s: %w", runtime.GOOS, runtime.GOARCH, ErrUnsupported)
}

func bind(*api, uintptr) error { return ErrUnsupported }

func hasSymbol(uintptr, string) bool { return false }
