package lcms

import (
	"errors"
	"fmt"
	"unsafe"
)

// PixelFormat is the layout of the pixels handed to a conversion.
type PixelFormat int

// The pixel formats. 16-bit samples are big-endian, as image.NRGBA64 and
// image.Gray16 store them.
const (
	// RGBA8 is four bytes a pixel, R, G, B and A (image.NRGBA,
	// image.RGBA when opaque). Alpha is not converted: see [Lib.ToSRGB].
	RGBA8 PixelFormat = iota + 1
	// RGBA16 is four 16-bit samples a pixel, R, G, B and A
	// (image.NRGBA64, image.RGBA64 when opaque).
	RGBA16
	// Gray8 is one byte a pixel (image.Gray).
	Gray8
	// Gray16 is one 16-bit sample a pixel (image.Gray16).
	Gray16
	// CMYK8 is four bytes a pixel, C, M, Y and K, 0 meaning no ink
	// (image.CMYK; decoders undo the inversion of Adobe CMYK JPEGs).
	CMYK8
)

// String returns the format's name, such as "RGBA8".
func (f PixelFormat) String() string {
	switch f {
	case RGBA8:
		return "RGBA8"
	case RGBA16:
		return "RGBA16"
	case Gray8:
		return "Gray8"
	case Gray16:
		return "Gray16"
	case CMYK8:
		return "CMYK8"
	}
	return fmt.Sprintf("PixelFormat(%d)", int(f))
}

// bytesPerPixel is the size of one pixel of f, 0 for an unknown format.
func (f PixelFormat) bytesPerPixel() int {
	switch f {
	case RGBA8:
		return 4
	case RGBA16:
		return 8
	case Gray8:
		return 1
	case Gray16:
		return 2
	case CMYK8:
		return 4
	}
	return 0
}

// wide reports whether f has 16-bit samples.
func (f PixelFormat) wide() bool { return f == RGBA16 || f == Gray16 }

// space is the ICC colour space signature f's pixels are in.
func (f PixelFormat) space() string {
	switch f {
	case Gray8, Gray16:
		return "GRAY"
	case CMYK8:
		return "CMYK"
	}
	return "RGB "
}

// Intent is an ICC rendering intent. Matrix/TRC profiles give the same
// result for both; LUT-based profiles (CMYK, most printer profiles) may
// map out-of-gamut colours differently.
type Intent int

// The rendering intents offered. Their values are ICC's (and LittleCMS's).
const (
	// Perceptual is the default of Pillow's ImageCms.profileToProfile,
	// libvips and sharp. For a version 4 profile (sRGB among them)
	// LittleCMS applies black point compensation with it.
	Perceptual Intent = 0
	// RelativeColorimetric maps the source's white to sRGB's white and
	// keeps every in-gamut colour as it is measured.
	RelativeColorimetric Intent = 1
)

// String returns "perceptual" or "relative colorimetric".
func (i Intent) String() string {
	switch i {
	case Perceptual:
		return "perceptual"
	case RelativeColorimetric:
		return "relative colorimetric"
	}
	return fmt.Sprintf("Intent(%d)", int(i))
}

// Pixels is a rectangle of pixels in memory: Pix holds the rows, Stride
// bytes apart, each starting with its first pixel in Format.
type Pixels struct {
	Pix    []byte
	Stride int
	Format PixelFormat
}

// outputFormat returns the format sRGB pixels converted from in are
// written in: RGBA8 from 8-bit input, RGBA16 from 16-bit input.
func outputFormat(in PixelFormat) PixelFormat {
	if in.wide() {
		return RGBA16
	}
	return RGBA8
}

// check validates a conversion of width×height pixels from src to dst.
func check(dst, src Pixels, width, height int) error {
	if src.Format.bytesPerPixel() == 0 {
		return fmt.Errorf("lcms: source pixel format %v", src.Format)
	}
	if want := outputFormat(src.Format); dst.Format != want {
		return fmt.Errorf("lcms: %v pixels convert to %v, not %v", src.Format, want, dst.Format)
	}
	if width <= 0 || height <= 0 {
		return errors.New("lcms: empty rectangle")
	}
	for _, p := range []Pixels{src, dst} {
		row := width * p.Format.bytesPerPixel()
		if p.Stride < row || p.Stride > 1<<31-1 || len(p.Pix) < (height-1)*p.Stride+row {
			return fmt.Errorf("lcms: %v buffer of %d bytes, stride %d, too small for %dx%d pixels", p.Format, len(p.Pix), p.Stride, width, height)
		}
	}
	if overlap(dst, src, width, height) && !sameLayout(dst, src) {
		return errors.New("lcms: source and destination overlap")
	}
	return nil
}

// sameLayout reports whether dst and src are the very same pixels in the
// same format, so that the conversion can run in place.
func sameLayout(dst, src Pixels) bool {
	return dst.Format == src.Format && dst.Stride == src.Stride && &dst.Pix[0] == &src.Pix[0]
}

// overlap reports whether the rows of dst and src share memory.
func overlap(dst, src Pixels, width, height int) bool {
	slo, shi := span(src, width, height)
	dlo, dhi := span(dst, width, height)
	return slo < dhi && dlo < shi
}

// span returns the addresses of the first byte of p's rectangle and of the
// byte after its last one.
func span(p Pixels, width, height int) (lo, hi uintptr) {
	b := p.Pix[:(height-1)*p.Stride+width*p.Format.bytesPerPixel()]
	lo = uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return lo, lo + uintptr(len(b))
}

// setAlpha makes dst's alpha opaque (src had none) or copies it from src,
// for the width×height pixels of an RGBA8 or RGBA16 dst.
func setAlpha(dst, src Pixels, width, height int) {
	switch {
	case src.Format == RGBA8 || src.Format == RGBA16:
		if sameLayout(dst, src) {
			return
		}
		n := dst.Format.bytesPerPixel()
		for y := range height {
			d, s := dst.Pix[y*dst.Stride:][:n*width], src.Pix[y*src.Stride:][:n*width]
			for x := n - n/4; x < len(d); x += n {
				d[x] = s[x]
				if n == 8 {
					d[x+1] = s[x+1]
				}
			}
		}
	default:
		n := dst.Format.bytesPerPixel()
		for y := range height {
			d := dst.Pix[y*dst.Stride:][:n*width]
			for x := n - n/4; x < len(d); x += n {
				d[x] = 0xff
				if n == 8 {
					d[x+1] = 0xff
				}
			}
		}
	}
}
