//go:build ((linux && !android) || (darwin && !ios) || windows) && (amd64 || arm64)

package libtiff

import (
	"unsafe"

	"github.com/ebitengine/purego"
)

// newCallbacks makes the C function pointers libtiff calls back, once per
// process (purego can make a limited number of them, never released). Each
// finds the call it belongs to by the client handle libtiff passes.
func newCallbacks(l *Lib) (callbacks, error) {
	return callbacks{
		read: purego.NewCallback(func(h uintptr, buf *byte, n uintptr) uintptr {
			s := lookup(h)
			if s == nil || buf == nil {
				return ^uintptr(0) // -1
			}
			return uintptr(s.read(unsafe.Slice(buf, n)))
		}),
		write: purego.NewCallback(func(h uintptr, buf *byte, n uintptr) uintptr {
			return ^uintptr(0) // opened for reading: writes fail
		}),
		seek: purego.NewCallback(func(h, off, whence uintptr) uintptr {
			s := lookup(h)
			if s == nil {
				return ^uintptr(0)
			}
			pos, ok := s.seek(int64(off), int32(whence))
			if !ok {
				return ^uintptr(0)
			}
			return uintptr(pos)
		}),
		close: purego.NewCallback(func(h uintptr) uintptr { return 0 }),
		size: purego.NewCallback(func(h uintptr) uintptr {
			s := lookup(h)
			if s == nil {
				return 0
			}
			return uintptr(len(s.data))
		}),
		// Mapping is declined: libtiff then reads through read, so that it
		// never keeps a pointer to the caller's (Go) memory.
		mapFile:   purego.NewCallback(func(h uintptr, base, size *uintptr) uintptr { return 0 }),
		unmapFile: purego.NewCallback(func(h, base, size uintptr) uintptr { return 0 }),
		errorHandler: purego.NewCallback(func(h uintptr, module, format *byte, ap uintptr) uintptr {
			if s := lookup(h); s != nil {
				s.note(false, l.message(module, format, ap))
			}
			return 0
		}),
		warningHandler: purego.NewCallback(func(h uintptr, module, format *byte, ap uintptr) uintptr {
			if s := lookup(h); s != nil {
				s.note(true, l.message(module, format, ap))
			}
			return 0
		}),
	}, nil
}
