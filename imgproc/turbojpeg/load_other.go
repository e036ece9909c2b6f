//go:build !(((linux && !android) || (darwin && !ios) || windows) && (amd64 || arm64))

package turbojpeg

var libraryNames = []string{"libturbojpeg"}
