//go:build ((linux && !android) || (darwin && !ios)) && (amd64 || arm64)

package turbojpeg

import (
	"runtime"

	"github.com/ebitengine/purego"
)

var libraryNames = func() []string {
	if runtime.GOOS == "darwin" {
		return []string{
			"libturbojpeg.0.dylib",
			"libturbojpeg.dylib",
			"/opt/homebrew/opt/jpeg-turbo/lib/libturbojpeg.dylib",
			"/usr/local/opt/jpeg-turbo/lib/libturbojpeg.dylib",
			"/opt/local/lib/libturbojpeg.dylib",
		}
	}
	return []string{"libturbojpeg.so.0", "libturbojpeg.so"}
}()

func openLibrary(name string) (uintptr, error) {
	return purego.Dlopen(name, purego.RTLD_NOW|purego.RTLD_LOCAL)
}

func lookup(h uintptr, name string) (uintptr, error) {
	return purego.Dlsym(h, name)
}
