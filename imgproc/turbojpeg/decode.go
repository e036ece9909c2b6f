package turbojpeg

import (
	"errors"
	"fmt"
	"image"
	"runtime"
	"strings"
)

// TurboJPEG pixel formats (TJPF) and flags (TJFLAG) this package uses.
const (
	pfRGBX = 2
	pfGray = 6
	pfRGBA = 7
	pfCMYK = 11

	flagAccurateDCT = 4096
	flagLimitScans  = 32768 // refuse progressive files with over 500 scans
)

// maxDim is the largest width or height a JPEG can declare.
const maxDim = 65535

// DecodeConfig reads the dimensions, chroma subsampling and colour space from
// the JPEG header in data without decoding the image, so a caller can check a
// pixel budget before calling [Lib.Decode]. It returns an error for input that
// is not a JPEG or whose header is damaged; TurboJPEG 2 also refuses
// subsampling layouts it does not know (4:1:0, for example), with an error
// wrapping [ErrUnsupported]. It is safe for concurrent use.
func (l *Lib) DecodeConfig(data []byte) (width, height int, subsamp Subsampling, colorspace ColorSpace, err error) {
	h, err := l.dec.get()
	if err != nil {
		return 0, 0, 0, 0, err
	}
	width, height, subsamp, colorspace, err = l.header(h, data)
	l.dec.put(h, err == nil)
	return width, height, subsamp, colorspace, err
}

// header runs tjDecompressHeader3 on h.
func (l *Lib) header(h uintptr, data []byte) (width, height int, subsamp Subsampling, colorspace ColorSpace, err error) {
	if err := checkInput(data); err != nil {
		return 0, 0, 0, 0, err
	}
	var w, ht, ss, cs int32
	runtime.LockOSThread()
	rc := l.fn.decompressHeader3(h, &data[0], culong(len(data)), &w, &ht, &ss, &cs)
	var msg string
	var warning bool
	if rc != 0 {
		msg, warning = l.callError(h)
	}
	runtime.UnlockOSThread()
	runtime.KeepAlive(data)
	if rc != 0 && !(warning && completeDespite(msg, data)) {
		// TurboJPEG 2 reads such headers but has no name for the layout
		// or colour space; image/jpeg may still decode them.
		if strings.Contains(msg, "Could not determine subsampling") || strings.Contains(msg, "Could not determine colorspace") {
			return 0, 0, 0, 0, fmt.Errorf("turbojpeg: decode: %s: %w", msg, ErrUnsupported)
		}
		return 0, 0, 0, 0, fmt.Errorf("turbojpeg: decode: %s", msg)
	}
	if w == 0 && ht == 0 {
		// jpeg_read_header found EOI before any frame: a tables-only
		// stream, or garbage libjpeg skipped up to the end of the data.
		return 0, 0, 0, 0, errors.New("turbojpeg: decode: no image in the data (no frame header before the end)")
	}
	if w < 1 || ht < 1 || w > maxDim || ht > maxDim {
		return 0, 0, 0, 0, fmt.Errorf("turbojpeg: decode: invalid dimensions %dx%d", w, ht)
	}
	return int(w), int(ht), Subsampling(ss), ColorSpace(cs), nil
}

func checkInput(data []byte) error {
	if len(data) == 0 {
		return errors.New("turbojpeg: decode: empty input")
	}
	if uint64(len(data)) > uint64(^culong(0)) {
		return fmt.Errorf("turbojpeg: decode: input of %d bytes too large", len(data))
	}
	return nil
}

// completeDespite reports whether a libjpeg warning still leaves a complete,
// correct image. libjpeg keeps only the first warning's message, so the one
// warning accepted, extraneous bytes between segments (which image/jpeg also
// skips), counts only when the data also ends with the EOI marker: a truncated
// file whose first warning was about extraneous bytes is still refused.
func completeDespite(msg string, data []byte) bool {
	n := len(data)
	return strings.Contains(msg, "extraneous bytes before marker") &&
		n >= 2 && data[n-2] == 0xff && data[n-1] == 0xd9
}

// DecodeYCbCr decodes a YCbCr JPEG whose chroma subsampling image.YCbCr can
// hold (4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1) into an *image.YCbCr with bounds
// starting at (0, 0). The library writes the planes straight into the image's
// buffers: there is no colour conversion and no chroma upsampling, exactly as
// image/jpeg returns such files. The planes' strides are the width rounded up
// to the subsampling factor, so YStride may exceed the width by up to 3.
//
// Other JPEGs (greyscale, CMYK, RGB-coded, unusual subsampling) give an error
// wrapping [ErrUnsupported]; [Lib.Decode] handles the greyscale, CMYK and
// RGB-coded ones. Corrupt or truncated
// data gives an error (see the package documentation for warnings). The
// caller must check the dimensions against its memory budget first, with
// [Lib.DecodeConfig]. DecodeYCbCr is safe for concurrent use.
func (l *Lib) DecodeYCbCr(data []byte) (*image.YCbCr, error) {
	h, err := l.dec.get()
	if err != nil {
		return nil, err
	}
	img, err := l.decodeYCbCrWith(h, data)
	l.dec.put(h, err == nil)
	return img, err
}

func (l *Lib) decodeYCbCrWith(h uintptr, data []byte) (*image.YCbCr, error) {
	w, ht, ss, cs, err := l.header(h, data)
	if err != nil {
		return nil, err
	}
	if _, ok := ss.YCbCrRatio(); !ok || cs != ColorSpaceYCbCr {
		return nil, fmt.Errorf("turbojpeg: decode: %s %s JPEG is not planar YCbCr: %w", cs, ss, ErrUnsupported)
	}
	return l.decodePlanes(h, data, w, ht, ss)
}

// decodePlanes decodes a YCbCr JPEG whose header has been read into planes
// allocated with TurboJPEG's padding.
func (l *Lib) decodePlanes(h uintptr, data []byte, w, ht int, ss Subsampling) (*image.YCbCr, error) {
	ratio, _ := ss.YCbCrRatio()
	hf, vf := ss.factors()
	// TurboJPEG writes each plane padded to the subsampling factor: the
	// luma plane is pw x ph, each chroma plane pw/hf x ph/vf. Those are the
	// chroma sizes image.YCbCr expects for bounds starting at (0, 0).
	pw, ph := roundUp(w, hf), roundUp(ht, vf)
	cw, ch := pw/hf, ph/vf
	ny, nc := pw*ph, cw*ch
	buf := make([]byte, ny+2*nc)
	img := &image.YCbCr{
		Y:              buf[:ny:ny],
		Cb:             buf[ny : ny+nc : ny+nc],
		Cr:             buf[ny+nc:],
		YStride:        pw,
		CStride:        cw,
		SubsampleRatio: ratio,
		Rect:           image.Rect(0, 0, w, ht),
	}
	planes := [3]*byte{&img.Y[0], &img.Cb[0], &img.Cr[0]}
	strides := [3]int32{int32(pw), int32(cw), int32(cw)}

	// The planes array is Go memory holding Go pointers, which may be
	// passed to C only if those pointers are pinned.
	var pin runtime.Pinner
	pin.Pin(&buf[0])
	defer pin.Unpin()

	runtime.LockOSThread()
	rc := l.fn.decompressToYUVPlanes(h, &data[0], culong(len(data)), &planes[0], int32(w), &strides[0], int32(ht), flagLimitScans)
	err := l.resultLocked(h, rc, data, "decode")
	runtime.UnlockOSThread()
	runtime.KeepAlive(data)
	runtime.KeepAlive(buf)
	if err != nil {
		return nil, err
	}
	return img, nil
}

// resultLocked turns a TurboJPEG return code into an error. It must run on the
// OS thread that made the call (the caller holds runtime.LockOSThread).
func (l *Lib) resultLocked(h uintptr, rc int32, data []byte, op string) error {
	if rc == 0 {
		return nil
	}
	msg, warning := l.callError(h)
	if warning && data != nil && completeDespite(msg, data) {
		return nil
	}
	return fmt.Errorf("turbojpeg: %s: %s", op, msg)
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// Decode decodes any JPEG TurboJPEG reads and returns the concrete types
// image/jpeg returns, with bounds starting at (0, 0):
//
//   - *image.YCbCr for YCbCr files with 4:4:4, 4:2:2, 4:2:0, 4:4:0 or 4:1:1
//     chroma, decoded as [Lib.DecodeYCbCr] does;
//   - *image.Gray for greyscale files;
//   - *image.CMYK for CMYK and YCCK files, with the inversion Adobe
//     applications write undone when the file has an Adobe APP14 marker (as
//     image/jpeg and Pillow do), so that 0 means no ink;
//   - *image.RGBA (opaque) for RGB-coded files.
//
// CMYK is returned as CMYK rather than converted, so the caller converts it
// the same way whichever codec decoded it. Corrupt or truncated data gives an
// error, and layouts TurboJPEG 2 cannot read an error wrapping
// [ErrUnsupported]. The caller must check the dimensions against its memory
// budget first, with [Lib.DecodeConfig]. Decode is safe for concurrent use.
func (l *Lib) Decode(data []byte) (image.Image, error) {
	return l.DecodeScaled(data, 1)
}

// DecodeScaled is [Lib.Decode] at 1/denom of the size (denom 1, 2, 4 or
// 8): libjpeg scales in the DCT domain, computing only the coefficients
// the smaller image needs, which is several times faster than a full
// decode. The result is ScaledSize(width, denom) by ScaledSize(height,
// denom) pixels. Pillow's Image.draft uses the same scaling.
func (l *Lib) DecodeScaled(data []byte, denom int) (image.Image, error) {
	return l.decode(data, denom, false)
}

// DecodeRGB is [Lib.DecodeScaled] with colour (YCbCr) files returned as
// opaque *image.RGBA, converted by libjpeg itself with its chroma
// upsampling ("fancy", triangular) and colour conversion: the pixels
// Pillow's JPEG decoder gives, bit for bit. Other files decode as with
// DecodeScaled.
func (l *Lib) DecodeRGB(data []byte, denom int) (image.Image, error) {
	return l.decode(data, denom, true)
}

// ScaledSize is the size of a side of n pixels decoded at 1/denom:
// n/denom rounded up, as libjpeg computes it.
func ScaledSize(n, denom int) int { return (n + denom - 1) / denom }

func (l *Lib) decode(data []byte, denom int, rgb bool) (image.Image, error) {
	switch denom {
	case 1, 2, 4, 8:
	default:
		return nil, fmt.Errorf("turbojpeg: decode: scale 1/%d (want 1/1, 1/2, 1/4 or 1/8)", denom)
	}
	h, err := l.dec.get()
	if err != nil {
		return nil, err
	}
	img, err := l.decodeWith(h, data, denom, rgb)
	l.dec.put(h, err == nil)
	if err != nil {
		return nil, err
	}
	return img, nil
}

func (l *Lib) decodeWith(h uintptr, data []byte, denom int, rgb bool) (image.Image, error) {
	w, ht, ss, cs, err := l.header(h, data)
	if err != nil {
		return nil, err
	}
	if denom > 1 && (w < 8 || ht < 8) {
		// With sides under 8 pixels another of libjpeg's eighths could
		// fit the requested size better than 1/denom.
		return nil, fmt.Errorf("turbojpeg: decode: %dx%d is too small to scale: %w", w, ht, ErrUnsupported)
	}
	w, ht = ScaledSize(w, denom), ScaledSize(ht, denom)
	switch cs {
	case ColorSpaceYCbCr:
		if _, ok := ss.YCbCrRatio(); ok && !rgb {
			return l.decodePlanes(h, data, w, ht, ss)
		}
		fallthrough
	case ColorSpaceRGB:
		img := image.NewRGBA(image.Rect(0, 0, w, ht))
		if err := l.decodePacked(h, data, img.Pix, img.Stride, w, ht, pfRGBA); err != nil {
			return nil, err
		}
		return img, nil
	case ColorSpaceGray:
		img := image.NewGray(image.Rect(0, 0, w, ht))
		if err := l.decodePacked(h, data, img.Pix, img.Stride, w, ht, pfGray); err != nil {
			return nil, err
		}
		return img, nil
	case ColorSpaceCMYK, ColorSpaceYCCK:
		img := image.NewCMYK(image.Rect(0, 0, w, ht))
		if err := l.decodePacked(h, data, img.Pix, img.Stride, w, ht, pfCMYK); err != nil {
			return nil, err
		}
		if hasAdobeMarker(data) {
			for i, v := range img.Pix {
				img.Pix[i] = 255 - v
			}
		}
		return img, nil
	}
	return nil, fmt.Errorf("turbojpeg: decode: colour space %s: %w", cs, ErrUnsupported)
}

// decodePacked decodes into pix, w x ht pixels of format pf, rows stride
// bytes apart.
func (l *Lib) decodePacked(h uintptr, data, pix []byte, stride, w, ht int, pf int32) error {
	runtime.LockOSThread()
	rc := l.fn.decompress2(h, &data[0], culong(len(data)), &pix[0], int32(w), int32(stride), int32(ht), pf, flagLimitScans)
	err := l.resultLocked(h, rc, data, "decode")
	runtime.UnlockOSThread()
	runtime.KeepAlive(data)
	runtime.KeepAlive(pix)
	return err
}

// hasAdobeMarker reports whether the JPEG in data has an Adobe APP14 segment
// before its first scan.
func hasAdobeMarker(data []byte) bool {
	if len(data) < 2 || data[0] != 0xff || data[1] != 0xd8 {
		return false
	}
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			i++ // extraneous byte; libjpeg skips these too
			continue
		}
		m := data[i+1]
		switch {
		case m == 0xff: // fill byte
			i++
			continue
		case m == 0xda || m == 0xd9: // SOS, EOI: no more header segments
			return false
		case m == 0x01 || (m >= 0xd0 && m <= 0xd8): // no length field
			i += 2
			continue
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if m == 0xee && n >= 12 && i+9 <= len(data) && string(data[i+4:i+9]) == "Adobe" {
			return true
		}
		i += 2 + n
	}
	return false
}
