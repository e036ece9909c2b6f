//go:build !linux || android || !(amd64 || arm64)

package turbojpeg

// tuneMalloc does nothing: the C heap tuning of malloc_linux.go is for
// glibc.
func tuneMalloc() {}
