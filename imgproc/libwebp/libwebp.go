package libwebp

import (
	"errors"
	"fmt"
	"image"
	"runtime"
	"sync"
	"unsafe"

	"github.com/fanout-dev/fanout/internal/dynlib"
)

// ErrUnsupported is wrapped by the errors of [Load] on platforms where the
// library cannot be loaded at run time.
var ErrUnsupported = errors.New("libwebp: unsupported")

// Lib is a loaded libwebp. Obtain one from [Load]. It is safe for
// concurrent use; the library stays loaded until the process exits.
type Lib struct {
	name    string
	version int // 0xMMmmrr
	fn      struct {
		version      func() int32
		encodeRGB    func(rgb *byte, width, height, stride int32, quality float32, out **byte) uintptr
		encodeRGBA   func(rgba *byte, width, height, stride int32, quality float32, out **byte) uintptr
		losslessRGB  func(rgb *byte, width, height, stride int32, out **byte) uintptr
		losslessRGBA func(rgba *byte, width, height, stride int32, out **byte) uintptr
		free         func(p *byte)
	}
}

// libraryNames are the names libwebp goes by, most specific first.
var libraryNames = map[string][]string{
	"linux":   {"libwebp.so.7", "libwebp.so"},
	"darwin":  {"libwebp.7.dylib", "libwebp.dylib", "/opt/homebrew/lib/libwebp.dylib", "/usr/local/lib/libwebp.dylib", "/opt/local/lib/libwebp.dylib"},
	"windows": {"libwebp.dll"},
}

var loadDefault = sync.OnceValues(func() (*Lib, error) {
	names := libraryNames[runtime.GOOS]
	if names == nil {
		names = []string{"libwebp.so"}
	}
	lib, err := dynlib.Open(names...)
	if errors.Is(err, dynlib.ErrUnsupported) {
		return nil, fmt.Errorf("libwebp: load: %w (%w)", ErrUnsupported, err)
	}
	if err != nil {
		return nil, fmt.Errorf("libwebp: load: %w", err)
	}
	l := &Lib{name: lib.Name}
	f := &l.fn
	if err := lib.Bind(
		[]any{&f.version, &f.encodeRGB, &f.encodeRGBA, &f.losslessRGB, &f.losslessRGBA, &f.free},
		[]string{"WebPGetEncoderVersion", "WebPEncodeRGB", "WebPEncodeRGBA", "WebPEncodeLosslessRGB", "WebPEncodeLosslessRGBA", "WebPFree"},
	); err != nil {
		return nil, fmt.Errorf("libwebp: load: %s: %w", lib.Name, err)
	}
	l.version = int(f.version())
	return l, nil
})

// Load opens the system's libwebp under its usual names (libwebp.so.7
// then libwebp.so on linux; libwebp.7.dylib, libwebp.dylib and the Homebrew
// and MacPorts locations on macOS; libwebp.dll on Windows), at most once
// per process: later calls return the same Lib or the same error. The
// error names every file tried and why it failed. Load is safe for
// concurrent use.
func Load() (*Lib, error) { return loadDefault() }

// String describes the library, for example "libwebp 1.2.4 (libwebp.so.7)".
func (l *Lib) String() string {
	return fmt.Sprintf("libwebp %d.%d.%d (%s)", l.version>>16, l.version>>8&0xff, l.version&0xff, l.name)
}

// maxSide is the largest width or height a WebP can have.
const maxSide = 16383

// Encode encodes img, an *image.NRGBA (straight alpha) or an opaque
// *image.RGBA, as a WebP: lossy at quality (0 to 100, libwebp's scale) or,
// with lossless, every pixel as it is. An opaque image is written without
// an alpha channel. It returns an error for other image types, for sides
// over 16,383 pixels (WebP's limit), an empty image, or a failure of the
// library.
func (l *Lib) Encode(img image.Image, quality int, lossless bool) ([]byte, error) {
	var pix []byte
	var stride int
	var opaque bool
	switch m := img.(type) {
	case *image.NRGBA:
		pix, stride, opaque = m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], m.Stride, m.Opaque()
	case *image.RGBA:
		if !m.Opaque() {
			return nil, errors.New("libwebp: encode: premultiplied *image.RGBA with transparency (give an *image.NRGBA)")
		}
		pix, stride, opaque = m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], m.Stride, true
	default:
		return nil, fmt.Errorf("libwebp: encode: image type %T (want *image.NRGBA or *image.RGBA)", img)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	switch {
	case w <= 0 || h <= 0:
		return nil, errors.New("libwebp: encode: empty image")
	case w > maxSide || h > maxSide:
		return nil, fmt.Errorf("libwebp: encode: %dx%d is over WebP's limit of %d pixels a side", w, h, maxSide)
	case quality < 0 || quality > 100:
		return nil, fmt.Errorf("libwebp: encode: quality %d (want 0 to 100)", quality)
	case len(pix) < (h-1)*stride+4*w:
		return nil, errors.New("libwebp: encode: pixel buffer too small")
	}
	if opaque {
		// Packed RGB: the encoder then writes no alpha at all.
		rgb := make([]byte, 3*w*h)
		for y := range h {
			src, dst := pix[y*stride:][:4*w], rgb[3*w*y:][:3*w]
			for x := range w {
				dst[3*x], dst[3*x+1], dst[3*x+2] = src[4*x], src[4*x+1], src[4*x+2]
			}
		}
		pix, stride = rgb, 3*w
	}
	var out *byte // allocated by the library
	var n uintptr
	W, H, S := int32(w), int32(h), int32(stride)
	switch {
	case opaque && lossless:
		n = l.fn.losslessRGB(&pix[0], W, H, S, &out)
	case opaque:
		n = l.fn.encodeRGB(&pix[0], W, H, S, float32(quality), &out)
	case lossless:
		n = l.fn.losslessRGBA(&pix[0], W, H, S, &out)
	default:
		n = l.fn.encodeRGBA(&pix[0], W, H, S, float32(quality), &out)
	}
	runtime.KeepAlive(pix)
	if out == nil || n == 0 {
		if out != nil {
			l.fn.free(out)
		}
		return nil, fmt.Errorf("libwebp: encode: the library failed on a %dx%d image", w, h)
	}
	data := make([]byte, n)
	copy(data, unsafe.Slice(out, n))
	l.fn.free(out)
	return data, nil
}
