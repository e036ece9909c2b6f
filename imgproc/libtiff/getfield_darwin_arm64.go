package libtiff

import "unsafe"

// getFieldFunc is TIFFGetField(TIFF*, uint32_t tag, ...) called with two
// pointers for its variadic part. Apple's arm64 ABI passes variadic
// arguments on the stack, which purego does not know of; six unused
// arguments fill the remaining argument registers (x2 to x7), so that the
// two pointers land in the first two stack slots, where TIFFGetField's
// va_arg reads them.
type getFieldFunc func(tif uintptr, tag uint32, _, _, _, _, _, _ uintptr, a, b unsafe.Pointer) int32

// getField calls TIFFGetField(tif, tag, a, b); b may be nil for tags with
// one value.
func (l *Lib) getField(tif uintptr, tag uint32, a, b unsafe.Pointer) int32 {
	return l.fn.getField(tif, tag, 0, 0, 0, 0, 0, 0, a, b)
}
