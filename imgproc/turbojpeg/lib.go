package turbojpeg

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/fanout-dev/fanout/internal/dynlib"
)

// ErrUnsupported is wrapped by errors for input or platforms this package
// cannot handle although the data may well be a valid JPEG: a chroma layout
// image.YCbCr cannot hold, a colour space DecodeYCbCr does not produce, an
// image type the encoders do not take, or a platform where the library
// cannot be loaded. Callers fall back to image/jpeg when errors.Is(err,
// ErrUnsupported).
var ErrUnsupported = errors.New("turbojpeg: unsupported")

// Lib is a loaded libjpeg-turbo. Obtain one from [Load] or [Open]; the zero
// value is not usable. A Lib is safe for concurrent use by many goroutines.
// The shared library stays loaded until the process exits.
type Lib struct {
	name string // the file name that was opened
	api3 bool   // the library exports the TurboJPEG 3 API as well
	fn   api

	// Free lists of TurboJPEG decompressor and compressor handles.
	dec, enc handles
}

// handles is a free list of TurboJPEG handles of one kind. A handle is used
// by one goroutine at a time: it is taken out of the channel before use and
// put back after, so the channel operations order every use of a handle
// before the next. Handles that do not fit are destroyed. Every call on a
// pooled handle passes the same flags: libjpeg-turbo 2.1 carries some state
// from one call to the next on a handle (a progressive compression corrupts
// the next baseline one), so a call with other flags must use a handle of
// its own.
type handles struct {
	free    chan uintptr
	create  func() uintptr // tjInitDecompress or tjInitCompress
	fn      *api
	errWhat string // for errors: "decode: create decompressor"
}

// get returns a handle for the caller's exclusive use; give it back with
// put.
func (p *handles) get() (uintptr, error) {
	select {
	case h := <-p.free:
		return h, nil
	default:
	}
	// tjGetErrorStr2(NULL) reports the error of this thread's last call.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	h := p.create()
	if h == 0 {
		return 0, fmt.Errorf("turbojpeg: %s: %s", p.errWhat, p.fn.getErrorStr2(0))
	}
	return h, nil
}

// put returns h to the free list; ok false (the call failed) destroys it
// instead, so that no handle is reused after a fatal library error.
func (p *handles) put(h uintptr, ok bool) {
	if ok {
		select {
		case p.free <- h:
			return
		default:
		}
	}
	p.fn.destroy(h)
}

// api holds the C functions, bound by bind.
type api struct {
	initDecompress        func() uintptr
	initCompress          func() uintptr
	destroy               func(h uintptr) int32
	decompressHeader3     func(h uintptr, buf *byte, size culong, width, height, subsamp, colorspace *int32) int32
	decompressToYUVPlanes func(h uintptr, buf *byte, size culong, planes **byte, width int32, strides *int32, height int32, flags int32) int32
	decompress2           func(h uintptr, buf *byte, size culong, dst *byte, width, pitch, height, pixelFormat, flags int32) int32
	compressFromYUVPlanes func(h uintptr, planes **byte, width int32, strides *int32, height, subsamp int32, out **byte, outSize *culong, quality, flags int32) int32
	compress2             func(h uintptr, src *byte, width, pitch, height, pixelFormat int32, out **byte, outSize *culong, subsamp, quality, flags int32) int32
	getErrorStr2          func(h uintptr) string
	getErrorCode          func(h uintptr) int32
	free                  func(p *byte)
}

// symbols lists the functions bound at load time, in the order bind
// assigns them.
var symbols = []string{
	"tjInitDecompress", "tjInitCompress", "tjDestroy", "tjDecompressHeader3",
	"tjDecompressToYUVPlanes", "tjDecompress2", "tjCompressFromYUVPlanes",
	"tjCompress2", "tjGetErrorStr2", "tjGetErrorCode", "tjFree",
}

var loadDefault = sync.OnceValues(func() (*Lib, error) {
	return openFirst(libraryNames)
})

// Load opens libjpeg-turbo's TurboJPEG library under its usual names for the
// platform (libturbojpeg.so.0 then libturbojpeg.so on linux;
// libturbojpeg.0.dylib, libturbojpeg.dylib and the Homebrew and MacPorts
// locations on macOS; turbojpeg.dll and libturbojpeg.dll on Windows). It
// loads at most once per process: later calls return the same Lib or the
// same error. The error names every file tried and why each failed (not
// found, or a missing symbol); on platforms where run-time loading is not
// supported it wraps [ErrUnsupported]. Load is safe for concurrent use.
func Load() (*Lib, error) {
	return loadDefault()
}

// Open opens the TurboJPEG library at path (a file name searched the way the
// platform's dynamic loader searches, or an absolute path). Unlike [Load] it
// is not cached: each call binds the library again and returns a Lib with
// its own handle pools, which, like the library, are never released (a Lib
// has no Close), so open each path once and keep the Lib. It returns an
// error if the file cannot be loaded or lacks one of the TurboJPEG 2
// functions this package calls.
func Open(path string) (*Lib, error) {
	return openFirst([]string{path})
}

func openFirst(names []string) (*Lib, error) {
	tuneMalloc() // before the loader's own allocations
	lib, err := dynlib.Open(names...)
	if errors.Is(err, dynlib.ErrUnsupported) {
		return nil, fmt.Errorf("turbojpeg: load libjpeg-turbo: %w (%w)", ErrUnsupported, err)
	}
	if err != nil {
		return nil, fmt.Errorf("turbojpeg: load libjpeg-turbo: %w", err)
	}
	l := &Lib{name: lib.Name}
	if err := bind(&l.fn, lib); err != nil {
		return nil, fmt.Errorf("turbojpeg: load libjpeg-turbo: %s: %w", lib.Name, err)
	}
	l.api3 = lib.Has("tj3Init")
	n := max(4, 2*runtime.GOMAXPROCS(0))
	l.dec = handles{free: make(chan uintptr, n), create: l.fn.initDecompress, fn: &l.fn, errWhat: "decode: create decompressor"}
	l.enc = handles{free: make(chan uintptr, n), create: l.fn.initCompress, fn: &l.fn, errWhat: "encode: create compressor"}
	return l, nil
}

// String describes the library, for example
// "libjpeg-turbo (libturbojpeg.so.0, TurboJPEG 2 API)". TurboJPEG 2 does not
// report its version; a library exporting the TurboJPEG 3 functions is
// described as "TurboJPEG 3 library, TurboJPEG 2 API".
func (l *Lib) String() string {
	if l.api3 {
		return fmt.Sprintf("libjpeg-turbo (%s, TurboJPEG 3 library, TurboJPEG 2 API)", l.name)
	}
	return fmt.Sprintf("libjpeg-turbo (%s, TurboJPEG 2 API)", l.name)
}

// Error codes from tjGetErrorCode.
const (
	tjErrWarning = 0
	tjErrFatal   = 1
)

// callError reads the library's message for a failed call on h. It must run
// on the OS thread that made the call: libjpeg's messages are kept in
// thread-local storage. warning reports whether the failure was a warning
// (the call completed; the output may be damaged).
func (l *Lib) callError(h uintptr) (msg string, warning bool) {
	return l.fn.getErrorStr2(h), l.fn.getErrorCode(h) == tjErrWarning
}
