//go:build !(darwin && arm64)

package libtiff

import "unsafe"

// getFieldFunc is TIFFGetField(TIFF*, uint32_t tag, ...) called with two
// pointers for its variadic part. On linux (amd64, arm64) and Windows a
// variadic call passes pointers as a fixed-argument call does.
type getFieldFunc func(tif uintptr, tag uint32, a, b unsafe.Pointer) int32

// getField calls TIFFGetField(tif, tag, a, b); b may be nil for tags with
// one value.
func (l *Lib) getField(tif uintptr, tag uint32, a, b unsafe.Pointer) int32 {
	return l.fn.getField(tif, tag, a, b)
}
