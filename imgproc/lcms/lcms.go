package lcms

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/fanout-dev/fanout/internal/dynlib"
)

// ErrUnsupported is wrapped by the errors of [Load] on platforms where the
// library cannot be loaded at run time, and by the errors of [Portable]
// for profiles that only LittleCMS can apply (LUT-based profiles, CMYK,
// Lab PCS): the error then says to install liblcms2.
var ErrUnsupported = errors.New("lcms: unsupported")

// ErrProfile is wrapped by the errors for a profile that cannot be used: it
// does not parse, its colour space does not match the pixels, or
// LittleCMS cannot build a transform from it. The error names the cause.
var ErrProfile = errors.New("lcms: unusable colour profile")

// Lib is a loaded LittleCMS 2. Obtain one from [Load]; the zero value is not
// usable. A Lib is safe for concurrent use by many goroutines. The shared
// library stays loaded until the process exits.
//
// A Lib keeps the transforms it builds in a small cache (see
// [Lib.ToSRGB]); their memory is C memory, released when they leave the
// cache.
type Lib struct {
	name    string
	version int // cmsGetEncodedCMMversion: 2140 for 2.14
	fn      api
	cb      uintptr // the error handler, a C function pointer
	cache   cache
}

// api holds the C functions, bound at load time.
type api struct {
	version          func() int32
	createContext    func(plugin, userData uintptr) uintptr
	deleteContext    func(ctx uintptr)
	setErrorHandler  func(ctx, fn uintptr)
	openProfileMem   func(ctx uintptr, mem *byte, size uint32) uintptr
	createSRGB       func(ctx uintptr) uintptr
	closeProfile     func(p uintptr) int32
	createTransform  func(ctx, in uintptr, inFmt uint32, out uintptr, outFmt uint32, intent, flags uint32) uintptr
	deleteTransform  func(t uintptr)
	doTransformLines func(t uintptr, in, out *byte, pixelsPerLine, lineCount, bytesPerLineIn, bytesPerLineOut, bytesPerPlaneIn, bytesPerPlaneOut uint32)
}

// symbols are the functions bound, in the order of bind's list.
var symbols = []string{
	"cmsGetEncodedCMMversion", "cmsCreateContext", "cmsDeleteContext",
	"cmsSetLogErrorHandlerTHR", "cmsOpenProfileFromMemTHR",
	"cmsCreate_sRGBProfileTHR", "cmsCloseProfile", "cmsCreateTransformTHR",
	"cmsDeleteTransform", "cmsDoTransformLineStride",
}

func (f *api) bind(lib *dynlib.Library) error {
	return lib.Bind([]any{
		&f.version, &f.createContext, &f.deleteContext, &f.setErrorHandler,
		&f.openProfileMem, &f.createSRGB, &f.closeProfile, &f.createTransform,
		&f.deleteTransform, &f.doTransformLines,
	}, symbols)
}

// libraryNames are the names LittleCMS 2 goes by, most specific first.
var libraryNames = map[string][]string{
	"linux": {"liblcms2.so.2", "liblcms2.so"},
	"darwin": {
		"liblcms2.2.dylib", "liblcms2.dylib",
		"/opt/homebrew/opt/little-cms2/lib/liblcms2.2.dylib",
		"/usr/local/opt/little-cms2/lib/liblcms2.2.dylib",
		"/opt/local/lib/liblcms2.2.dylib",
	},
	"windows": {"lcms2.dll", "liblcms2-2.dll", "liblcms2.dll"},
}

var loadDefault = sync.OnceValues(func() (*Lib, error) {
	names := libraryNames[runtime.GOOS]
	if names == nil {
		names = []string{"liblcms2.so.2"}
	}
	return open(names)
})

// Load opens the system's LittleCMS 2 under its usual names
// (liblcms2.so.2 then liblcms2.so on linux, where Debian and Ubuntu ship it
// as liblcms2-2; liblcms2.2.dylib, liblcms2.dylib and the Homebrew and
// MacPorts locations on macOS; lcms2.dll on Windows). It loads at most once
// per process: later calls return the same Lib or the same error. The
// error names every file tried and why each failed, and wraps
// [ErrUnsupported] on platforms where libraries cannot be loaded at run
// time. Load is safe for concurrent use.
func Load() (*Lib, error) { return loadDefault() }

func open(names []string) (*Lib, error) {
	lib, err := dynlib.Open(names...)
	if errors.Is(err, dynlib.ErrUnsupported) {
		return nil, fmt.Errorf("lcms: load LittleCMS: %w (%w)", ErrUnsupported, err)
	}
	if err != nil {
		return nil, fmt.Errorf("lcms: load LittleCMS: %w", err)
	}
	l := &Lib{name: lib.Name}
	if err := l.fn.bind(lib); err != nil {
		return nil, fmt.Errorf("lcms: load LittleCMS: %s: %w", lib.Name, err)
	}
	l.version = int(l.fn.version())
	if l.version < 2080 {
		// cmsDoTransformLineStride appeared in 2.8.
		return nil, fmt.Errorf("lcms: load LittleCMS: %s is version %s, want 2.8 or later", lib.Name, versionString(l.version))
	}
	if l.cb, err = errorCallback(); err != nil {
		return nil, fmt.Errorf("lcms: load LittleCMS: %w", err)
	}
	l.cache.max = cacheSize
	return l, nil
}

// versionString formats an encoded version: 2140 is "2.14", 2161 "2.16.1".
func versionString(v int) string {
	if v%10 != 0 {
		return fmt.Sprintf("%d.%d.%d", v/1000, v/10%100, v%10)
	}
	return fmt.Sprintf("%d.%d", v/1000, v/10%100)
}

// String describes the library, for example "LittleCMS 2.14
// (liblcms2.so.2)", the version as the library reports it.
func (l *Lib) String() string {
	return fmt.Sprintf("LittleCMS %s (%s)", versionString(l.version), l.name)
}

// Version returns the library's version as LittleCMS encodes it: 2140 for
// 2.14.
func (l *Lib) Version() int { return l.version }
