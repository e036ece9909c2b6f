package libheif

import (
	"errors"
	"fmt"
	"image"
	"os"
	"runtime"
	"sync"
	"unsafe"

	"github.com/fanout-dev/fanout/internal/dynlib"
)

// ErrUnsupported is wrapped by the errors of [Load] on platforms where the
// library cannot be loaded at run time.
var ErrUnsupported = errors.New("libheif: unsupported")

// heifError is libheif's struct heif_error, returned by value.
type heifError struct {
	code, subcode int32
	message       *byte
}

// libheif's enum values this package passes.
const (
	compressionAV1        = 4
	colorspaceRGB         = 1
	chromaInterleavedRGB  = 10
	chromaInterleavedRGBA = 11
	channelInterleaved    = 10
)

// Lib is a loaded libheif. Obtain one from [Load]; it is safe for
// concurrent use, and stays loaded until the process exits.
type Lib struct {
	name    string
	version string
	fn      struct {
		version        func() string
		ctxAlloc       func() uintptr
		ctxFree        func(ctx uintptr)
		readFromMemory func(ctx uintptr, mem *byte, size uintptr, options uintptr) heifError
		primaryHandle  func(ctx uintptr, handle *uintptr) heifError
		handleRelease  func(handle uintptr)
		handleWidth    func(handle uintptr) int32
		handleHeight   func(handle uintptr) int32
		handleHasAlpha func(handle uintptr) int32
		profileSize    func(handle uintptr) uintptr
		profile        func(handle uintptr, out *byte) heifError
		decodeImage    func(handle uintptr, img *uintptr, colorspace, chroma int32, options uintptr) heifError
		imageRelease   func(img uintptr)
		planeReadonly  func(img uintptr, channel int32, stride *int32) *byte
		imageWidth     func(img uintptr, channel int32) int32
		imageHeight    func(img uintptr, channel int32) int32

		encoderFor  func(ctx uintptr, format int32, enc *uintptr) heifError
		encoderFree func(enc uintptr)
		setQuality  func(enc uintptr, quality int32) heifError
		setParamInt func(enc uintptr, name string, value int32) heifError
		imageCreate func(width, height, colorspace, chroma int32, img *uintptr) heifError
		addPlane    func(img uintptr, channel, width, height, bitDepth int32) heifError
		plane       func(img uintptr, channel int32, stride *int32) *byte
		setProfile  func(img uintptr, fourcc string, data *byte, size uintptr) heifError
		encodeImage func(ctx, img, enc, options uintptr, handle *uintptr) heifError
		writeToFile func(ctx uintptr, name string) heifError
		haveEncoder func(format int32) int32
	}
}

var libraryNames = map[string][]string{
	"linux":   {"libheif.so.1", "libheif.so"},
	"darwin":  {"libheif.1.dylib", "libheif.dylib", "/opt/homebrew/lib/libheif.dylib", "/usr/local/lib/libheif.dylib", "/opt/local/lib/libheif.dylib"},
	"windows": {"libheif.dll", "heif.dll"},
}

var loadDefault = sync.OnceValues(func() (*Lib, error) {
	names := libraryNames[runtime.GOOS]
	if names == nil {
		names = []string{"libheif.so"}
	}
	lib, err := dynlib.Open(names...)
	if errors.Is(err, dynlib.ErrUnsupported) {
		return nil, fmt.Errorf("libheif: load: %w (%w)", ErrUnsupported, err)
	}
	if err != nil {
		return nil, fmt.Errorf("libheif: load: %w", err)
	}
	l := &Lib{name: lib.Name}
	f := &l.fn
	if err := lib.Bind([]any{
		&f.version, &f.ctxAlloc, &f.ctxFree, &f.readFromMemory, &f.primaryHandle, &f.handleRelease,
		&f.handleWidth, &f.handleHeight, &f.handleHasAlpha, &f.profileSize, &f.profile,
		&f.decodeImage, &f.imageRelease, &f.planeReadonly, &f.imageWidth, &f.imageHeight,
		&f.encoderFor, &f.encoderFree, &f.setQuality, &f.setParamInt,
		&f.imageCreate, &f.addPlane, &f.plane, &f.setProfile, &f.encodeImage, &f.writeToFile, &f.haveEncoder,
	}, []string{
		"heif_get_version", "heif_context_alloc", "heif_context_free", "heif_context_read_from_memory_without_copy",
		"heif_context_get_primary_image_handle", "heif_image_handle_release",
		"heif_image_handle_get_width", "heif_image_handle_get_height", "heif_image_handle_has_alpha_channel",
		"heif_image_handle_get_raw_color_profile_size", "heif_image_handle_get_raw_color_profile",
		"heif_decode_image", "heif_image_release", "heif_image_get_plane_readonly",
		"heif_image_get_width", "heif_image_get_height",
		"heif_context_get_encoder_for_format", "heif_encoder_release", "heif_encoder_set_lossy_quality",
		"heif_encoder_set_parameter_integer",
		"heif_image_create", "heif_image_add_plane", "heif_image_get_plane", "heif_image_set_raw_color_profile",
		"heif_context_encode_image", "heif_context_write_to_file", "heif_have_encoder_for_format",
	}); err != nil {
		return nil, fmt.Errorf("libheif: load: %s: %w", lib.Name, err)
	}
	l.version = f.version()
	return l, nil
})

// Load opens the system's libheif under its usual names (libheif.so.1 then
// libheif.so on linux; libheif.1.dylib, libheif.dylib and the Homebrew and
// MacPorts locations on macOS; libheif.dll on Windows), at most once per
// process: later calls return the same Lib or the same error, which names
// every file tried. Load is safe for concurrent use.
func Load() (*Lib, error) { return loadDefault() }

// String describes the library, for example "libheif 1.15.1 (libheif.so.1)".
func (l *Lib) String() string { return fmt.Sprintf("libheif %s (%s)", l.version, l.name) }

// errorOf turns a heif_error into a Go error; nil for success.
func errorOf(op string, e heifError) error {
	if e.code == 0 {
		return nil
	}
	msg := "unknown error"
	if e.message != nil {
		msg = cString(e.message)
	}
	return fmt.Errorf("libheif: %s: %s (error %d.%d)", op, msg, e.code, e.subcode)
}

// cString copies a NUL-terminated C string.
func cString(p *byte) string {
	var b []byte
	for i := uintptr(0); ; i++ {
		c := *(*byte)(unsafe.Add(unsafe.Pointer(p), i))
		if c == 0 || i > 4096 {
			return string(b)
		}
		b = append(b, c)
	}
}

// Config is what the container says of the primary image.
type Config struct {
	Width, Height int // after the HEIF transformations (rotation turns them)
	Alpha         bool
}

// open reads data into a new context and returns it with the primary
// image's handle; release frees both.
func (l *Lib) open(data []byte) (ctx, handle uintptr, release func(), err error) {
	if len(data) == 0 {
		return 0, 0, nil, errors.New("libheif: empty data")
	}
	ctx = l.fn.ctxAlloc()
	if ctx == 0 {
		return 0, 0, nil, errors.New("libheif: out of memory")
	}
	release = func() {
		if handle != 0 {
			l.fn.handleRelease(handle)
		}
		l.fn.ctxFree(ctx)
		runtime.KeepAlive(data) // read without a copy: alive until the context goes
	}
	if err := errorOf("read", l.fn.readFromMemory(ctx, &data[0], uintptr(len(data)), 0)); err != nil {
		release()
		return 0, 0, nil, err
	}
	if err := errorOf("primary image", l.fn.primaryHandle(ctx, &handle)); err != nil {
		release()
		return 0, 0, nil, err
	}
	return ctx, handle, release, nil
}

// DecodeConfig reads the size of the primary image from the container,
// without decoding pixels, for a caller to check a pixel budget first.
func (l *Lib) DecodeConfig(data []byte) (Config, error) {
	_, h, release, err := l.open(data)
	if err != nil {
		return Config{}, err
	}
	defer release()
	return Config{Width: int(l.fn.handleWidth(h)), Height: int(l.fn.handleHeight(h)), Alpha: l.fn.handleHasAlpha(h) != 0}, nil
}

// Decode decodes the primary image, transformations applied: an
// *image.NRGBA when it has alpha, an opaque *image.RGBA otherwise. It also
// returns the image's ICC profile, or nil. Check the size with
// [Lib.DecodeConfig] first: Decode allocates what the file declares.
func (l *Lib) Decode(data []byte) (image.Image, []byte, error) {
	_, h, release, err := l.open(data)
	if err != nil {
		return nil, nil, err
	}
	defer release()
	var icc []byte
	if n := l.fn.profileSize(h); n > 0 && n < 64<<20 {
		icc = make([]byte, n)
		if errorOf("colour profile", l.fn.profile(h, &icc[0])) != nil {
			icc = nil // a profile libheif cannot hand over is not worth the image
		}
	}
	alpha := l.fn.handleHasAlpha(h) != 0
	chroma, bpp := int32(chromaInterleavedRGB), 3
	if alpha {
		chroma, bpp = chromaInterleavedRGBA, 4
	}
	var img uintptr
	if err := errorOf("decode", l.fn.decodeImage(h, &img, colorspaceRGB, chroma, 0)); err != nil {
		return nil, nil, err
	}
	defer l.fn.imageRelease(img)
	w, ht := int(l.fn.imageWidth(img, channelInterleaved)), int(l.fn.imageHeight(img, channelInterleaved))
	var stride int32
	plane := l.fn.planeReadonly(img, channelInterleaved, &stride)
	if plane == nil || w <= 0 || ht <= 0 || int(stride) < w*bpp {
		return nil, nil, fmt.Errorf("libheif: decode: no %dx%d interleaved plane", w, ht)
	}
	src := unsafe.Slice(plane, (ht-1)*int(stride)+w*bpp)
	r := image.Rect(0, 0, w, ht)
	if alpha {
		out := image.NewNRGBA(r)
		for y := range ht {
			copy(out.Pix[y*out.Stride:][:4*w], src[y*int(stride):])
		}
		return out, icc, nil
	}
	out := image.NewRGBA(r)
	for y := range ht {
		s, d := src[y*int(stride):][:3*w], out.Pix[y*out.Stride:][:4*w]
		for x := range w {
			d[4*x], d[4*x+1], d[4*x+2], d[4*x+3] = s[3*x], s[3*x+1], s[3*x+2], 255
		}
	}
	return out, icc, nil
}

// CanEncodeAVIF reports whether the library has an AV1 encoder (Debian's
// libheif1 comes with libaom's).
func (l *Lib) CanEncodeAVIF() bool { return l.fn.haveEncoder(compressionAV1) != 0 }

// EncodeAVIF encodes img, an *image.NRGBA (straight alpha) or an opaque
// *image.RGBA, as AVIF with libheif's AV1 encoder (libaom on Debian), at
// quality (0 to 100, libheif's scale, which libvips and sharp use too) and
// libaom's speed 5 (their default effort); alpha is kept when the image has
// any, and icc, if not nil, is stored as the colour profile. (libheif 1.15's
// "lossless" still converts to YCbCr and changes about 2 % of the samples,
// so it is not offered.) libheif writes only to files, so the result passes through a
// temporary file, removed before EncodeAVIF returns.
func (l *Lib) EncodeAVIF(img image.Image, quality int, icc []byte) ([]byte, error) {
	var pix []byte
	var stride int
	alpha := true
	switch m := img.(type) {
	case *image.NRGBA:
		pix, stride, alpha = m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], m.Stride, !m.Opaque()
	case *image.RGBA:
		if !m.Opaque() {
			return nil, errors.New("libheif: encode: premultiplied *image.RGBA with transparency (give an *image.NRGBA)")
		}
		pix, stride, alpha = m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], m.Stride, false
	default:
		return nil, fmt.Errorf("libheif: encode: image type %T (want *image.NRGBA or *image.RGBA)", img)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch {
	case w <= 0 || h <= 0:
		return nil, errors.New("libheif: encode: empty image")
	case quality < 0 || quality > 100:
		return nil, fmt.Errorf("libheif: encode: quality %d (want 0 to 100)", quality)
	}
	ctx := l.fn.ctxAlloc()
	if ctx == 0 {
		return nil, errors.New("libheif: out of memory")
	}
	defer l.fn.ctxFree(ctx)
	var enc uintptr
	if err := errorOf("AV1 encoder", l.fn.encoderFor(ctx, compressionAV1, &enc)); err != nil {
		return nil, err
	}
	defer l.fn.encoderFree(enc)
	if err := errorOf("quality", l.fn.setQuality(enc, int32(quality))); err != nil {
		return nil, err
	}
	l.fn.setParamInt(enc, "speed", 5) // an encoder without it keeps its own

	chroma, bpp := int32(chromaInterleavedRGB), 3
	if alpha {
		chroma, bpp = chromaInterleavedRGBA, 4
	}
	var him uintptr
	if err := errorOf("create image", l.fn.imageCreate(int32(w), int32(h), colorspaceRGB, chroma, &him)); err != nil {
		return nil, err
	}
	defer l.fn.imageRelease(him)
	if err := errorOf("add plane", l.fn.addPlane(him, channelInterleaved, int32(w), int32(h), 8)); err != nil {
		return nil, err
	}
	var dstStride int32
	p := l.fn.plane(him, channelInterleaved, &dstStride)
	if p == nil || int(dstStride) < w*bpp {
		return nil, errors.New("libheif: encode: no plane to write into")
	}
	dst := unsafe.Slice(p, (h-1)*int(dstStride)+w*bpp)
	for y := range h {
		s, d := pix[y*stride:][:4*w], dst[y*int(dstStride):][:w*bpp]
		if alpha {
			copy(d, s)
			continue
		}
		for x := range w {
			d[3*x], d[3*x+1], d[3*x+2] = s[4*x], s[4*x+1], s[4*x+2]
		}
	}
	if len(icc) > 0 {
		if err := errorOf("colour profile", l.fn.setProfile(him, "prof", &icc[0], uintptr(len(icc)))); err != nil {
			return nil, err
		}
		runtime.KeepAlive(icc)
	}
	if err := errorOf("encode", l.fn.encodeImage(ctx, him, enc, 0, nil)); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp("", "fanout-*.avif")
	if err != nil {
		return nil, fmt.Errorf("libheif: encode: %w", err)
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	if err := errorOf("write", l.fn.writeToFile(ctx, name)); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("libheif: encode: %w", err)
	}
	return data, nil
}
