package imgproc

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"

	"github.com/fanout-dev/fanout/imgproc/lcms"
)

// SRGBOptions adjusts [ToSRGB]. A nil *SRGBOptions means the zero value.
type SRGBOptions struct {
	// RelativeColorimetric chooses the relative colorimetric rendering
	// intent instead of perceptual, the default of Pillow's
	// ImageCms.profileToProfile, libvips and sharp. The two differ only
	// for LUT-based profiles (CMYK and most printer profiles), and for
	// version 4 or lifted-black profiles, where LittleCMS compensates the
	// black point at the perceptual intent.
	RelativeColorimetric bool
	// Portable converts with imgproc/lcms's pure-Go implementation even
	// when the system has LittleCMS. It applies matrix/TRC RGB and grey
	// profiles only (see [lcms.Portable]).
	Portable bool
}

// ToSRGB converts pic.Image to sRGB from the colours the ICC profile in
// pic.ICC describes, and sets pic.ICC to nil: the pixels are then sRGB,
// which untagged images mean to browsers (CSS Color 4), to sharp and
// libvips, so the profile, 0.5 to 3 KB a file, is not written back. (sharp
// does the same by default; libvips' icc_transform attaches its sRGB
// profile, which a viewer assuming sRGB for untagged images does not
// need.) pic.Image is replaced, never modified: the caller's pixels stay
// as they were.
//
// The conversion is LittleCMS's, through the system's library when it has
// one (package imgproc/lcms, loaded at run time: Debian's liblcms2-2,
// Homebrew's little-cms2), else through imgproc/lcms's pure-Go
// reimplementation for matrix/TRC RGB and grey profiles; a LUT-based or
// CMYK profile then gives an error wrapping [ErrUnsupported] that says to
// install LittleCMS. Both convert 8-bit RGB to the same integers as
// Pillow's ImageCms.profileToProfile to sRGB (LittleCMS's built-in sRGB
// profile), the pure-Go path to within one level where LittleCMS's
// optimiser resamples the transform into a grid. 16-bit images stay 16-bit.
//
// By image type: JPEG's *image.YCbCr is converted to RGB first as libjpeg
// converts it (so that the result is Pillow's from the same file) and
// becomes an opaque *image.RGBA; *image.Gray and *image.Gray16 with a
// grey profile stay grey (the sRGB result of a grey profile is neutral), and
// with an RGB profile become RGB; *image.Paletted keeps its pixels and gets
// its palette converted; *image.CMYK (as image/jpeg and libjpeg-turbo decode
// CMYK JPEGs, 0 meaning no ink) becomes an opaque *image.RGBA through its
// CMYK profile (LittleCMS only), or, without a profile, through Pillow's
// formula as Decode converts it; *image.NRGBA, *image.RGBA,
// *image.NRGBA64 and *image.RGBA64 keep their type (translucent
// premultiplied pixels are converted to straight alpha first), alpha
// untouched; other types become *image.NRGBA.
//
// A picture without a profile is left as it is (its pixels are taken to
// be sRGB already, as a browser takes them), and so is one whose profile
// describes sRGB ([lcms.Profile.IsSRGB]: the conversion would change no
// value by more than a level), apart from dropping the profile. A profile
// that cannot be read, or that does not match the pixels (a CMYK profile
// on RGB pixels), gives an error wrapping [lcms.ErrProfile] that names the
// cause; the picture is then unchanged. Transforms are cached per profile,
// so a batch of images from one camera builds one. ToSRGB is safe for
// concurrent use on different pictures.
func ToSRGB(pic *Picture, opts *SRGBOptions) error {
	var o SRGBOptions
	if opts != nil {
		o = *opts
	}
	if pic.ICC == nil {
		if m, ok := pic.Image.(*image.CMYK); ok {
			pic.Image = toNRGBA(m)
		}
		return nil
	}
	img, err := toSRGB(pic.Image, pic.ICC, o)
	if err != nil {
		return err
	}
	pic.Image, pic.ICC = img, nil
	return nil
}

// CMSInfo says how [ToSRGB] converts colours on this system, for a user
// to read: "LittleCMS 2.14 (liblcms2.so.2)", or that it uses the pure-Go
// implementation and why, and what that cannot convert. The first call may
// load the library; CMSInfo is safe to call concurrently.
func CMSInfo() string {
	lib, err := lcms.Load()
	if err != nil {
		return "pure Go, matrix/TRC RGB and grey profiles only (LittleCMS unavailable: " +
			strings.TrimPrefix(err.Error(), "lcms: ") + "; LUT-based and CMYK profiles need it: apt install liblcms2-2)"
	}
	return lib.String()
}

// cms applies a profile: the system's LittleCMS or the pure-Go
// implementation.
type cms struct {
	lib    *lcms.Lib // nil: pure Go
	intent lcms.Intent
	prof   *lcms.Profile // nil when the pure-Go parser cannot read it
}

func (c *cms) convert(dst, src lcms.Pixels, w, h int, icc []byte) error {
	// 16-bit pixels with a matrix/TRC profile go through the pure-Go
	// path, which gives LittleCMS's unoptimised result to within one
	// 16-bit level, at a fraction of its cost.
	native := c.lib != nil
	if native && (src.Format == lcms.RGBA16 || src.Format == lcms.Gray16) && c.prof != nil && c.prof.MatrixShaper() {
		native = false
	}
	var err error
	if native {
		err = c.lib.ToSRGB(dst, src, w, h, icc, c.intent)
	} else {
		err = lcms.Portable(dst, src, w, h, icc, c.intent)
	}
	if errors.Is(err, lcms.ErrUnsupported) {
		return fmt.Errorf("imgproc: convert to sRGB: %w: %w", ErrUnsupported, err)
	}
	if err != nil {
		return fmt.Errorf("imgproc: convert to sRGB: %w", err)
	}
	return nil
}

func toSRGB(img image.Image, icc []byte, o SRGBOptions) (image.Image, error) {
	c := &cms{intent: lcms.Perceptual}
	if o.RelativeColorimetric {
		c.intent = lcms.RelativeColorimetric
	}
	if !o.Portable {
		c.lib, _ = lcms.Load()
	}
	prof, perr := lcms.ParseProfile(icc)
	if perr != nil && c.lib == nil {
		return nil, fmt.Errorf("imgproc: convert to sRGB: %w", perr)
	}
	c.prof = prof
	grey := prof != nil && prof.ColorSpace == "GRAY"
	if prof != nil && prof.IsSRGB() {
		// sRGB pixels, or grey ones: an sRGB grey is R = G = B in sRGB.
		switch img.(type) {
		case *image.CMYK:
		case *image.Gray, *image.Gray16:
			return img, nil
		default:
			if !grey {
				return img, nil
			}
		}
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return img, nil
	}
	switch m := img.(type) {
	case *image.Gray:
		if grey {
			return c.grey8(m, icc)
		}
		return c.rgba(toNRGBA(m), icc)
	case *image.Gray16:
		if grey {
			return c.grey16(m, icc)
		}
		return c.rgba(toNRGBA64(m), icc)
	case *image.YCbCr:
		if m.Rect.Min == (image.Point{}) {
			return c.rgba(jpegRGB(m), icc)
		}
		return c.rgba(toNRGBA(m), icc)
	case *image.RGBA:
		if m.Opaque() {
			return c.rgba(m, icc)
		}
		return c.rgba(toNRGBA(m), icc)
	case *image.NRGBA:
		return c.rgba(m, icc)
	case *image.NRGBA64:
		return c.rgba(m, icc)
	case *image.RGBA64:
		if m.Opaque() {
			return c.rgba(m, icc)
		}
		return c.rgba(toNRGBA64(m), icc)
	case *image.Paletted:
		return c.paletted(m, icc)
	case *image.CMYK:
		out := image.NewRGBA(image.Rect(0, 0, w, h))
		src := lcms.Pixels{Pix: m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], Stride: m.Stride, Format: lcms.CMYK8}
		dst := lcms.Pixels{Pix: out.Pix, Stride: out.Stride, Format: lcms.RGBA8}
		if err := c.convert(dst, src, w, h, icc); err != nil {
			return nil, err
		}
		return out, nil
	}
	return c.rgba(toNRGBA(img), icc)
}

// rgba converts an *image.NRGBA, *image.NRGBA64 or opaque *image.RGBA or
// *image.RGBA64 into a new image of the same type, alpha untouched.
func (c *cms) rgba(img image.Image, icc []byte) (image.Image, error) {
	b := img.Bounds()
	r := image.Rect(0, 0, b.Dx(), b.Dy())
	var src, dst lcms.Pixels
	var out image.Image
	pixels := func(pix []byte, stride int, f lcms.PixelFormat) lcms.Pixels {
		return lcms.Pixels{Pix: pix, Stride: stride, Format: f}
	}
	switch m := img.(type) {
	case *image.NRGBA:
		o := image.NewNRGBA(r)
		src, dst, out = pixels(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, lcms.RGBA8), pixels(o.Pix, o.Stride, lcms.RGBA8), o
	case *image.RGBA:
		o := image.NewRGBA(r)
		src, dst, out = pixels(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, lcms.RGBA8), pixels(o.Pix, o.Stride, lcms.RGBA8), o
	case *image.NRGBA64:
		o := image.NewNRGBA64(r)
		src, dst, out = pixels(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, lcms.RGBA16), pixels(o.Pix, o.Stride, lcms.RGBA16), o
	case *image.RGBA64:
		o := image.NewRGBA64(r)
		src, dst, out = pixels(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, lcms.RGBA16), pixels(o.Pix, o.Stride, lcms.RGBA16), o
	default:
		return nil, fmt.Errorf("imgproc: to sRGB: image type %T", img)
	}
	if err := c.convert(dst, src, r.Dx(), r.Dy(), icc); err != nil {
		return nil, err
	}
	return out, nil
}

// grey8 converts grey pixels through a grey profile: the 256 levels are
// converted once, and the result, neutral, kept grey (LittleCMS's R, G and
// B agree at every level, measured; G is taken).
func (c *cms) grey8(m *image.Gray, icc []byte) (image.Image, error) {
	ramp := lcms.Pixels{Pix: make([]byte, 256), Stride: 256, Format: lcms.Gray8}
	for i := range ramp.Pix {
		ramp.Pix[i] = byte(i)
	}
	rgb := lcms.Pixels{Pix: make([]byte, 4*256), Stride: 4 * 256, Format: lcms.RGBA8}
	if err := c.convert(rgb, ramp, 256, 1, icc); err != nil {
		return nil, err
	}
	b := m.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:b.Dx()]
		dst := out.Pix[y*out.Stride:][:b.Dx()]
		for x, v := range src {
			dst[x] = rgb.Pix[4*int(v)+1]
		}
	}
	return out, nil
}

// grey16 is grey8 for 16-bit pixels: all 65,536 levels are converted.
func (c *cms) grey16(m *image.Gray16, icc []byte) (image.Image, error) {
	ramp := lcms.Pixels{Pix: make([]byte, 2*65536), Stride: 2 * 256, Format: lcms.Gray16}
	for i := range 65536 {
		ramp.Pix[2*i], ramp.Pix[2*i+1] = byte(i>>8), byte(i)
	}
	rgb := lcms.Pixels{Pix: make([]byte, 8*65536), Stride: 8 * 256, Format: lcms.RGBA16}
	if err := c.convert(rgb, ramp, 256, 256, icc); err != nil {
		return nil, err
	}
	b := m.Bounds()
	out := image.NewGray16(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		src := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y):][:2*b.Dx()]
		dst := out.Pix[y*out.Stride:][:2*b.Dx()]
		for x := 0; x < len(src); x += 2 {
			i := 8 * (int(src[x])<<8 | int(src[x+1]))
			dst[x], dst[x+1] = rgb.Pix[i+2], rgb.Pix[i+3]
		}
	}
	return out, nil
}

// paletted converts the palette of m; the pixels are copied as they are.
func (c *cms) paletted(m *image.Paletted, icc []byte) (image.Image, error) {
	n := len(m.Palette)
	out := &image.Paletted{Pix: append([]byte(nil), m.Pix...), Stride: m.Stride, Rect: m.Rect, Palette: make(color.Palette, n)}
	if n == 0 {
		return out, nil
	}
	src := lcms.Pixels{Pix: make([]byte, 4*n), Stride: 4 * n, Format: lcms.RGBA8}
	for i, col := range m.Palette {
		nc := color.NRGBAModel.Convert(col).(color.NRGBA)
		src.Pix[4*i], src.Pix[4*i+1], src.Pix[4*i+2], src.Pix[4*i+3] = nc.R, nc.G, nc.B, nc.A
	}
	dst := lcms.Pixels{Pix: make([]byte, 4*n), Stride: 4 * n, Format: lcms.RGBA8}
	if err := c.convert(dst, src, n, 1, icc); err != nil {
		return nil, err
	}
	for i := range n {
		p := dst.Pix[4*i:]
		nc := color.NRGBA{R: p[0], G: p[1], B: p[2], A: p[3]}
		if nc.A == 0xff {
			out.Palette[i] = color.RGBA{R: nc.R, G: nc.G, B: nc.B, A: 0xff}
		} else {
			out.Palette[i] = nc
		}
	}
	return out, nil
}

// toNRGBA64 converts img to straight-alpha 16-bit RGBA.
func toNRGBA64(img image.Image) *image.NRGBA64 {
	b := img.Bounds()
	out := image.NewNRGBA64(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		row := out.Pix[y*out.Stride:]
		for x := range b.Dx() {
			c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
			p := row[8*x : 8*x+8 : 8*x+8]
			p[0], p[1], p[2], p[3] = byte(c.R>>8), byte(c.R), byte(c.G>>8), byte(c.G)
			p[4], p[5], p[6], p[7] = byte(c.B>>8), byte(c.B), byte(c.A>>8), byte(c.A)
		}
	}
	return out
}
