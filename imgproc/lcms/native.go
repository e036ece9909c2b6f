package lcms

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unsafe"
)

// LittleCMS pixel type constants (lcms2.h): COLORSPACE_SH(s) | EXTRA_SH(e)
// | CHANNELS_SH(c) | BYTES_SH(b), with ENDIAN16_SH for byte-swapped 16-bit
// samples.
const (
	ptGray = 3
	ptRGB  = 4
	ptCMYK = 6

	typeGray8  = ptGray<<16 | 1<<3 | 1
	typeGray16 = ptGray<<16 | 1<<3 | 2
	typeRGBA8  = ptRGB<<16 | 1<<7 | 3<<3 | 1 // TYPE_RGBA_8, as Pillow uses for RGB and RGBA
	typeRGBA16 = ptRGB<<16 | 1<<7 | 3<<3 | 2
	typeCMYK8  = ptCMYK<<16 | 4<<3 | 1

	endian16Swapped = 1 << 11
)

// cmsFLAGS_ values passed to cmsCreateTransform.
const (
	flagsNone = 0
	// flagsNoOptimize keeps LittleCMS from resampling the transform into
	// a grid: it evaluates the profiles' curves and matrices in single
	// precision for each pixel.
	flagsNoOptimize = 0x0100
)

// lcmsType returns LittleCMS's pixel type for f. The 16-bit formats hold
// big-endian samples, which LittleCMS calls swapped on little-endian
// machines.
func lcmsType(f PixelFormat) uint32 {
	var t uint32
	switch f {
	case RGBA8:
		t = typeRGBA8
	case RGBA16:
		t = typeRGBA16
	case Gray8:
		t = typeGray8
	case Gray16:
		t = typeGray16
	case CMYK8:
		t = typeCMYK8
	}
	if f.wide() && littleEndian {
		t |= endian16Swapped
	}
	return t
}

var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// flagsFor returns the cmsFLAGS_ a transform from in is built with. 8-bit
// transforms use none, as Pillow's ImageCms does, so that the results are
// Pillow's bit for bit: LittleCMS then applies a matrix/TRC pair of
// profiles with its 8-bit matrix-shaper (tables and 1.14 fixed point, as
// exact as 8 bits allow) and other profiles through a 33-point grid.
// 16-bit transforms would be resampled into such a grid too, whose
// interpolation across the edge of sRGB's gamut puts colours outside it
// up to 3,000 16-bit levels (12 8-bit levels) from the exact result,
// measured on Display P3 and ProPhoto; unoptimised, LittleCMS's result is
// within one 16-bit level of it, at about 250 ns a pixel instead of 15.
func flagsFor(in PixelFormat) uint32 {
	if in.wide() {
		return flagsNoOptimize
	}
	return flagsNone
}

// nativeTransform is a LittleCMS transform and the context it was made in.
type nativeTransform struct {
	l       *Lib
	ctx, xf uintptr
}

func (t *nativeTransform) apply(dst, src Pixels, width, height int) {
	t.l.fn.doTransformLines(t.xf, &src.Pix[0], &dst.Pix[0], uint32(width), uint32(height),
		uint32(src.Stride), uint32(dst.Stride), 0, 0)
	runtime.KeepAlive(src.Pix)
	runtime.KeepAlive(dst.Pix)
}

func (t *nativeTransform) free() {
	t.l.fn.deleteTransform(t.xf)
	t.l.fn.deleteContext(t.ctx)
}

// newTransform builds a transform from icc to LittleCMS's built-in sRGB
// profile (as Pillow's ImageCms.createProfile("sRGB") makes it), in a
// context of its own whose error messages are collected for the error.
func (l *Lib) newTransform(icc []byte, in, out PixelFormat, intent Intent) (transformer, error) {
	if len(icc) == 0 {
		return nil, fmt.Errorf("%w: empty profile", ErrProfile)
	}
	if uint64(len(icc)) > 1<<31 {
		return nil, fmt.Errorf("%w: profile of %d bytes", ErrProfile, len(icc))
	}
	ctx := l.fn.createContext(0, 0)
	if ctx == 0 {
		return nil, fmt.Errorf("lcms: cmsCreateContext failed")
	}
	logs.open(ctx)
	l.fn.setErrorHandler(ctx, l.cb)
	fail := func(what string) error {
		msgs := logs.close(ctx)
		l.fn.deleteContext(ctx)
		if len(msgs) > 0 {
			what += ": " + strings.Join(msgs, "; ")
		}
		return fmt.Errorf("%w: %s", ErrProfile, what)
	}
	// LittleCMS copies the profile's bytes: it keeps no pointer to them.
	src := l.fn.openProfileMem(ctx, &icc[0], uint32(len(icc)))
	runtime.KeepAlive(icc)
	if src == 0 {
		return nil, fail("LittleCMS cannot read it")
	}
	srgb := l.fn.createSRGB(ctx)
	if srgb == 0 {
		l.fn.closeProfile(src)
		return nil, fail("cmsCreate_sRGBProfile failed")
	}
	xf := l.fn.createTransform(ctx, src, lcmsType(in), srgb, lcmsType(out), uint32(intent), flagsFor(in))
	// The transform keeps what it needs of the profiles.
	l.fn.closeProfile(src)
	l.fn.closeProfile(srgb)
	if xf == 0 {
		return nil, fail(fmt.Sprintf("cannot convert %v pixels with it", in))
	}
	logs.close(ctx)
	return &nativeTransform{l: l, ctx: ctx, xf: xf}, nil
}

// ToSRGB converts width×height pixels from src, whose colours the ICC
// profile icc describes, to sRGB in dst, with the rendering intent given.
// The sRGB profile is LittleCMS's built-in one, the profile Pillow's
// ImageCms.createProfile("sRGB") returns, and 8-bit pixels are converted
// with the pixel types and flags Pillow's ImageCms uses (TYPE_RGBA_8, no
// flags), so that the result is ImageCms.profileToProfile's bit for bit.
//
// The conversions are RGBA8 to RGBA8, Gray8 to RGBA8 and CMYK8 to RGBA8,
// RGBA16 to RGBA16 and Gray16 to RGBA16; dst's alpha is copied from src, or
// made opaque when src has none. dst may be src itself (the same Pix and
// Stride) for RGBA8 and RGBA16, converting in place; it must not otherwise
// overlap src. The profile's colour space must be the pixels' (RGB, grey
// or CMYK), else the error wraps [ErrProfile], as it does for a profile
// LittleCMS cannot read, with LittleCMS's own messages.
//
// Transforms are kept in a cache of the 16 most recently used (keyed by the
// profile's SHA-256, the formats and the intent): building one costs 1 to 2
// ms for a matrix/TRC profile and tens of milliseconds for a CMYK profile's
// grid, applying it about 3 ns a pixel. ToSRGB is safe for concurrent use;
// since LittleCMS 2.3 each cmsDoTransform call works on its own copy of
// the transform's cache, so that goroutines share transforms.
func (l *Lib) ToSRGB(dst, src Pixels, width, height int, icc []byte, intent Intent) error {
	if err := check(dst, src, width, height); err != nil {
		return err
	}
	if intent != Perceptual && intent != RelativeColorimetric {
		return fmt.Errorf("lcms: rendering intent %v", intent)
	}
	key := newKey(icc, src.Format, dst.Format, intent, false)
	e, err := l.cache.acquire(key, func() (transformer, error) {
		return l.newTransform(icc, src.Format, dst.Format, intent)
	})
	if err != nil {
		return err
	}
	defer l.cache.release(e)
	e.xf.apply(dst, src, width, height)
	setAlpha(dst, src, width, height)
	return nil
}

// logs collects the error messages of the contexts transforms are being
// built in, for the callback LittleCMS calls.
var logs = errorLogs{m: make(map[uintptr][]string)}

type errorLogs struct {
	mu sync.Mutex
	m  map[uintptr][]string // by context; guarded by mu
}

func (e *errorLogs) open(ctx uintptr) {
	e.mu.Lock()
	e.m[ctx] = nil
	e.mu.Unlock()
}

func (e *errorLogs) close(ctx uintptr) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	msgs := e.m[ctx]
	delete(e.m, ctx)
	return msgs
}

// note files msg under ctx, if ctx is being watched; messages from
// contexts no longer watched (a transform in use) are dropped.
func (e *errorLogs) note(ctx uintptr, msg string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if msgs, ok := e.m[ctx]; ok && len(msgs) < 8 {
		e.m[ctx] = append(msgs, msg)
	}
}

// cString copies the NUL-terminated C string at p, at most 1 KiB of it.
func cString(p *byte) string {
	if p == nil {
		return ""
	}
	var b []byte
	for i := 0; i < 1024; i++ {
		c := *(*byte)(unsafe.Add(unsafe.Pointer(p), i))
		if c == 0 {
			break
		}
		b = append(b, c)
	}
	return string(b)
}
