package libtiff

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"github.com/fanout-dev/fanout/internal/dynlib"
)

var (
	// ErrUnsupported is wrapped by the errors of [Load] on platforms where
	// the library cannot be loaded at run time, and by those of
	// [Lib.Decode] for images libtiff or this package cannot represent
	// (4-bit RGB, 16-bit floating point, CIE L*a*b* of other depths, CMYK with
	// alpha, ...).
	ErrUnsupported = errors.New("libtiff: unsupported")
	// ErrTruncated is wrapped by the errors of [Lib.Decode] when the data
	// ends before the image's strips or tiles do.
	ErrTruncated = errors.New("libtiff: data ends before the image does")
	// ErrTooLarge is wrapped by the errors of [Lib.Decode] for an image
	// over the caller's pixel budget, found from the header.
	ErrTooLarge = errors.New("libtiff: image too large")
)

// TIFF tags and values this package reads.
const (
	tagImageWidth      = 256
	tagImageLength     = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagFillOrder       = 266
	tagOrientation     = 274
	tagSamplesPerPixel = 277
	tagRowsPerStrip    = 278
	tagPlanarConfig    = 284
	tagTileWidth       = 322
	tagTileLength      = 323
	tagInkSet          = 332
	tagExtraSamples    = 338
	tagSampleFormat    = 339
	tagICCProfile      = 34675
)

// Photometric interpretations (the PhotometricInterpretation tag).
const (
	PhotometricMinIsWhite = 0
	PhotometricMinIsBlack = 1
	PhotometricRGB        = 2
	PhotometricPalette    = 3
	PhotometricSeparated  = 5 // CMYK when InkSet is 1
	PhotometricYCbCr      = 6
	PhotometricCIELab     = 8
)

// Sample formats (the SampleFormat tag).
const (
	SampleUnsigned = 1
	SampleSigned   = 2
	SampleFloat    = 3
)

// Extra sample kinds (the ExtraSamples tag).
const (
	ExtraUnspecified = 0
	ExtraAssocAlpha  = 1
	ExtraUnassAlpha  = 2
)

// Compression schemes this package names.
const (
	compressionOJPEG = 6
	compressionJPEG  = 7
)

// Lib is a loaded libtiff. Obtain one from [Load]; it is safe for
// concurrent use, and stays loaded until the process exits.
type Lib struct {
	name    string
	version string
	fn      api
	cb      callbacks
	vsn     func(buf *byte, n uintptr, format *byte, ap uintptr) int32 // libc's vsnprintf, or nil
}

// api holds libtiff's functions, bound at load time.
type api struct {
	getVersion       func() string
	clientOpen       func(name, mode string, h uintptr, read, write, seek, close, size, mapf, unmap uintptr) uintptr
	close            func(tif uintptr)
	getField         getFieldFunc
	isTiled          func(tif uintptr) int32
	isBigTIFF        func(tif uintptr) int32
	numberOfStrips   func(tif uintptr) uint32
	numberOfTiles    func(tif uintptr) uint32
	stripSize        func(tif uintptr) int64
	tileSize         func(tif uintptr) int64
	readEncodedStrip func(tif uintptr, strip uint32, buf unsafe.Pointer, size int64) int64
	readEncodedTile  func(tif uintptr, tile uint32, buf unsafe.Pointer, size int64) int64
	rgbaImageOK      func(tif uintptr, emsg *byte) int32
	readRGBAOriented func(tif uintptr, w, h uint32, raster unsafe.Pointer, orientation, stop int32) int32
	setError         func(h uintptr) uintptr
	setWarning       func(h uintptr) uintptr
	setErrorExt      func(h uintptr) uintptr
	setWarningExt    func(h uintptr) uintptr
	// Optional (libtiff 4.1 and later): used to tell truncation apart.
	strileOffset    func(tif uintptr, strile uint32) uint64
	strileByteCount func(tif uintptr, strile uint32) uint64
	// Optional (libtiff 4.5 and later): a bound on libtiff's allocations.
	optionsAlloc       func() uintptr
	optionsFree        func(opts uintptr)
	optionsMaxAlloc    func(opts uintptr, max int64)
	clientOpenWithOpts func(name, mode string, h uintptr, read, write, seek, close, size, mapf, unmap, opts uintptr) uintptr
}

var libraryNames = map[string][]string{
	"linux":   {"libtiff.so.6", "libtiff.so.5", "libtiff.so"},
	"darwin":  {"libtiff.6.dylib", "libtiff.dylib", "/opt/homebrew/lib/libtiff.6.dylib", "/opt/homebrew/lib/libtiff.dylib", "/usr/local/lib/libtiff.6.dylib", "/usr/local/lib/libtiff.dylib", "/opt/local/lib/libtiff.dylib"},
	"windows": {"libtiff-6.dll", "libtiff.dll", "tiff.dll"},
}

var libcNames = map[string][]string{
	"linux":   {"libc.so.6", "libc.so"},
	"darwin":  {"/usr/lib/libSystem.B.dylib"},
	"windows": {"msvcrt.dll"},
}

var loadDefault = sync.OnceValues(func() (*Lib, error) {
	names := libraryNames[runtime.GOOS]
	if names == nil {
		names = []string{"libtiff.so"}
	}
	lib, err := dynlib.Open(names...)
	if errors.Is(err, dynlib.ErrUnsupported) {
		return nil, fmt.Errorf("libtiff: load: %w (%w)", ErrUnsupported, err)
	}
	if err != nil {
		return nil, fmt.Errorf("libtiff: load: %w", err)
	}
	l := &Lib{name: lib.Name}
	f := &l.fn
	if err := lib.Bind([]any{
		&f.getVersion, &f.clientOpen, &f.close, &f.getField, &f.isTiled, &f.isBigTIFF,
		&f.numberOfStrips, &f.numberOfTiles, &f.stripSize, &f.tileSize,
		&f.readEncodedStrip, &f.readEncodedTile, &f.rgbaImageOK, &f.readRGBAOriented,
		&f.setError, &f.setWarning, &f.setErrorExt, &f.setWarningExt,
	}, []string{
		"TIFFGetVersion", "TIFFClientOpen", "TIFFClose", "TIFFGetField", "TIFFIsTiled", "TIFFIsBigTIFF",
		"TIFFNumberOfStrips", "TIFFNumberOfTiles", "TIFFStripSize", "TIFFTileSize",
		"TIFFReadEncodedStrip", "TIFFReadEncodedTile", "TIFFRGBAImageOK", "TIFFReadRGBAImageOriented",
		"TIFFSetErrorHandler", "TIFFSetWarningHandler", "TIFFSetErrorHandlerExt", "TIFFSetWarningHandlerExt",
	}); err != nil {
		return nil, fmt.Errorf("libtiff: load: %s: %w", lib.Name, err)
	}
	if lib.Has("TIFFGetStrileOffset") && lib.Has("TIFFGetStrileByteCount") {
		if lib.Bind([]any{&f.strileOffset, &f.strileByteCount}, []string{"TIFFGetStrileOffset", "TIFFGetStrileByteCount"}) != nil {
			f.strileOffset, f.strileByteCount = nil, nil
		}
	}
	if lib.Bind([]any{&f.optionsAlloc, &f.optionsFree, &f.optionsMaxAlloc, &f.clientOpenWithOpts},
		[]string{"TIFFOpenOptionsAlloc", "TIFFOpenOptionsFree", "TIFFOpenOptionsSetMaxSingleMemAlloc", "TIFFClientOpenExt"}) != nil {
		f.optionsAlloc, f.optionsFree, f.optionsMaxAlloc, f.clientOpenWithOpts = nil, nil, nil, nil
	}
	if libc, err := dynlib.Open(libcNames[runtime.GOOS]...); err == nil {
		sym := "vsnprintf"
		if runtime.GOOS == "windows" {
			sym = "_vsnprintf"
		}
		if libc.Bind([]any{&l.vsn}, []string{sym}) != nil {
			l.vsn = nil
		}
	}
	if l.cb, err = newCallbacks(l); err != nil {
		return nil, fmt.Errorf("libtiff: load: %w", err)
	}
	// Messages go to the call they belong to, never to stderr. libtiff
	// calls both kinds of handler it has; the plain ones are switched off.
	f.setError(0)
	f.setWarning(0)
	f.setErrorExt(l.cb.errorHandler)
	f.setWarningExt(l.cb.warningHandler)
	l.version = firstLine(f.getVersion())
	return l, nil
})

// Load opens the system's libtiff under its usual names (libtiff.so.6,
// libtiff.so.5 then libtiff.so on linux; libtiff.6.dylib, libtiff.dylib and
// the Homebrew and MacPorts locations on macOS; libtiff-6.dll, libtiff.dll,
// tiff.dll on Windows), at most once per process: later calls return the
// same Lib or the same error, which names every file tried. Loading
// replaces libtiff's process-wide error and warning handlers (see the
// package documentation). Load is safe for concurrent use.
func Load() (*Lib, error) { return loadDefault() }

// String describes the library, for example "libtiff 4.5.0 (libtiff.so.6)".
func (l *Lib) String() string { return fmt.Sprintf("libtiff %s (%s)", l.version, l.name) }

// Version returns libtiff's version number, for example "4.5.0".
func (l *Lib) Version() string { return l.version }

// firstLine turns TIFFGetVersion's "LIBTIFF, Version 4.5.0\nCopyright..."
// into "4.5.0".
func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			s = s[:i]
			break
		}
	}
	const prefix = "LIBTIFF, Version "
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}

// cString copies a NUL-terminated C string of at most max bytes.
func cString(p *byte, max int) string {
	if p == nil {
		return ""
	}
	var b []byte
	for i := 0; i < max; i++ {
		c := *(*byte)(unsafe.Add(unsafe.Pointer(p), i))
		if c == 0 {
			break
		}
		b = append(b, c)
	}
	return string(b)
}

// Config is what the first directory of a TIFF file says about its image.
type Config struct {
	Width, Height   int
	SamplesPerPixel int
	BitsPerSample   int
	SampleFormat    int   // SampleUnsigned, SampleSigned or SampleFloat
	Photometric     int   // PhotometricRGB, ...
	PlanarConfig    int   // 1: samples interleaved; 2: separate planes
	Compression     int   // 1 none, 5 LZW, 7 JPEG, 8 Deflate, ...
	FillOrder       int   // 1, or 2: the bits of each byte reversed
	Orientation     int   // 1 to 8; 1 when the tag is absent
	InkSet          int   // 1 (CMYK) for PhotometricSeparated
	ExtraSamples    []int // ExtraUnspecified, ExtraAssocAlpha, ExtraUnassAlpha
	Tiled           bool
	BigTIFF         bool
	ICC             []byte // the embedded ICC profile, or nil
}

// Alpha reports whether the first extra sample is alpha, and whether it is
// associated (premultiplied).
func (c Config) Alpha() (alpha, associated bool) {
	if len(c.ExtraSamples) == 0 {
		return false, false
	}
	switch c.ExtraSamples[0] {
	case ExtraAssocAlpha:
		return true, true
	case ExtraUnassAlpha:
		return true, false
	}
	return false, false
}

// config reads the Config of the open directory of tif.
func (l *Lib) config(tif uintptr) Config {
	u32 := func(tag uint32, def int) int {
		var v uint32
		if l.getField(tif, tag, unsafe.Pointer(&v), nil) == 0 {
			return def
		}
		return int(v)
	}
	u16 := func(tag uint32, def int) int {
		var v uint16
		if l.getField(tif, tag, unsafe.Pointer(&v), nil) == 0 {
			return def
		}
		return int(v)
	}
	c := Config{
		Width:           u32(tagImageWidth, 0),
		Height:          u32(tagImageLength, 0),
		SamplesPerPixel: u16(tagSamplesPerPixel, 1),
		BitsPerSample:   u16(tagBitsPerSample, 1),
		SampleFormat:    u16(tagSampleFormat, SampleUnsigned),
		Photometric:     u16(tagPhotometric, -1),
		PlanarConfig:    u16(tagPlanarConfig, 1),
		Compression:     u16(tagCompression, 1),
		FillOrder:       u16(tagFillOrder, 1),
		Orientation:     u16(tagOrientation, 1),
		InkSet:          u16(tagInkSet, 1),
		Tiled:           l.fn.isTiled(tif) != 0,
		BigTIFF:         l.fn.isBigTIFF(tif) != 0,
	}
	if c.Orientation < 1 || c.Orientation > 8 {
		c.Orientation = 1
	}
	var n16 uint16
	var extra *uint16
	if l.getField(tif, tagExtraSamples, unsafe.Pointer(&n16), unsafe.Pointer(&extra)) != 0 && extra != nil {
		for _, v := range unsafe.Slice(extra, int(n16)) {
			c.ExtraSamples = append(c.ExtraSamples, int(v))
		}
	}
	var n32 uint32
	var icc *byte
	if l.getField(tif, tagICCProfile, unsafe.Pointer(&n32), unsafe.Pointer(&icc)) != 0 && icc != nil && n32 > 0 && n32 < 64<<20 {
		c.ICC = append([]byte(nil), unsafe.Slice(icc, int(n32))...)
	}
	return c
}

// DecodeConfig reads the first directory of a TIFF file, without decoding
// pixels, for a caller to check a pixel budget and choose a decoder.
func (l *Lib) DecodeConfig(data []byte) (Config, error) {
	t, err := l.open(data, 0)
	if err != nil {
		return Config{}, err
	}
	defer t.close()
	c := l.config(t.tif)
	if c.Width <= 0 || c.Height <= 0 {
		return c, t.fail("read header", fmt.Errorf("image is %dx%d", c.Width, c.Height))
	}
	return c, nil
}
