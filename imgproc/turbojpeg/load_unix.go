//go:build ((linux && !android) || (darwin && !ios)) && (amd64 || arm64)

package turbojpeg

import "runtime"

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
