package imgproc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"

	gowebp "github.com/gen2brain/webp"

	"github.com/fanout-dev/fanout/imgproc/libheif"
	"github.com/fanout-dev/fanout/imgproc/libwebp"
)

// DefaultWebPQuality is the WebP quality [Encode] uses when
// EncodeOptions.Quality is zero: 80, as Pillow, cwebp and sharp use.
const DefaultWebPQuality = 80

// WebPInfo says which WebP encoder [Encode] uses on this system, for a
// user to read: the system's libwebp, for example "libwebp 1.2.4
// (libwebp.so.7)", or, without it, libwebp compiled to WebAssembly and run
// in pure Go by wazero (github.com/gen2brain/webp), several times slower
// and about half a second to compile on first use in each process, with
// why the system's library was not used. The first call may load the
// library; WebPInfo is safe to call concurrently.
func WebPInfo() string {
	lib, err := libwebp.Load()
	if err != nil {
		return "libwebp compiled to WebAssembly (github.com/gen2brain/webp, run by wazero; install libwebp7 or brew's webp for the native one, several times faster: " + err.Error() + ")"
	}
	return lib.String()
}

// encodeWebP encodes img as WebP with the system's libwebp, lossy at
// quality or lossless, alpha kept, with the ICC profile icc if not nil.
func encodeWebP(img image.Image, quality int, lossless bool, icc, exif, xmp []byte) ([]byte, error) {
	ready := rgbReady(img)
	data, err := encodeWebPImage(ready, quality, lossless)
	if err != nil {
		return nil, err
	}
	if icc = iccFor(icc, ready); len(icc) > 0 || len(exif) > 0 || len(xmp) > 0 {
		b := ready.Bounds()
		return webpWithChunks(data, icc, exif, xmp, b.Dx(), b.Dy(), !isOpaque(ready))
	}
	return data, nil
}

// encodeWebPImage encodes img, as rgbReady returns it, with the system's
// libwebp, or with its WebAssembly build when the system has none.
func encodeWebPImage(img image.Image, quality int, lossless bool) ([]byte, error) {
	if lib, err := libwebp.Load(); err == nil {
		return lib.Encode(img, quality, lossless)
	}
	return encodeWebPWASM(img, quality, lossless)
}

func isOpaque(img image.Image) bool {
	o, ok := img.(interface{ Opaque() bool })
	return ok && o.Opaque()
}

// webpWithChunks returns the WebP file data with an ICCP chunk holding icc,
// an EXIF chunk holding exif and an XMP chunk holding xmp (any may be
// nil): the file becomes an extended one (a VP8X chunk with the ICC, EXIF
// and XMP flags, and the alpha flag when the image has alpha) if it was a
// simple one.
func webpWithChunks(data, icc, exif, xmp []byte, w, h int, alpha bool) ([]byte, error) {
	if len(data) < 20 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, errors.New("libwebp returned no RIFF WebP data")
	}
	body := data[12:]
	var flags byte
	if len(icc) > 0 {
		flags |= 0x20
	}
	if len(exif) > 0 {
		flags |= 0x08
	}
	if len(xmp) > 0 {
		flags |= 0x04
	}
	out := make([]byte, 12, len(data)+len(icc)+len(exif)+len(xmp)+40)
	copy(out, data[:12])
	if string(body[:4]) == "VP8X" {
		n := 8 + int(binary.LittleEndian.Uint32(body[4:8]))
		if n > len(body) || n < 18 {
			return nil, errors.New("libwebp returned a malformed VP8X chunk")
		}
		vp8x := append([]byte(nil), body[:n]...)
		vp8x[8] |= flags
		out = append(out, vp8x...)
		body = body[n:]
	} else {
		var vp8x [18]byte
		copy(vp8x[:], "VP8X")
		binary.LittleEndian.PutUint32(vp8x[4:], 10)
		vp8x[8] = flags
		if alpha {
			vp8x[8] |= 0x10
		}
		put24(vp8x[12:], w-1)
		put24(vp8x[15:], h-1)
		out = append(out, vp8x[:]...)
	}
	if len(icc) > 0 {
		out = appendChunk(out, "ICCP", icc)
	}
	out = append(out, body...)
	if len(exif) > 0 {
		out = appendChunk(out, "EXIF", exif)
	}
	if len(xmp) > 0 {
		out = appendChunk(out, "XMP ", xmp)
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, nil
}

// encodeWebPWASM is the portable WebP encoder: libwebp compiled to
// WebAssembly, run by wazero, with libwebp's defaults as the native path
// uses them. Its quality 100 means lossless, so lossy output is capped at
// 99.
func encodeWebPWASM(img image.Image, quality int, lossless bool) ([]byte, error) {
	var buf bytes.Buffer
	if err := gowebp.Encode(&buf, img, gowebp.Options{Quality: min(quality, 99), Lossless: lossless, Method: gowebp.DefaultMethod}); err != nil {
		return nil, fmt.Errorf("webp (WebAssembly): %w", err)
	}
	return buf.Bytes(), nil
}

// DefaultAVIFQuality is the AVIF quality [Encode] uses when
// EncodeOptions.Quality is zero: 50, as libvips and sharp use.
const DefaultAVIFQuality = 50

// AVIFInfo says which AVIF encoder [Encode] uses on this system, for a
// user to read: the system's libheif, for example "libheif 1.15.1
// (libheif.so.1)", or, without it (or without its AV1 encoder), libavif
// and libaom compiled to WebAssembly and run in pure Go by wazero
// (github.com/gen2brain/avif), with what that costs and why libheif was
// not used. The WebAssembly encoder runs wherever Go does, so the error is
// nil; it remains for callers that check whether AVIF can be written. The
// first call may load the library; AVIFInfo is safe to call concurrently.
//
// Both encoders take the same quality scale and write the alpha and the
// ICC profile; the package documentation ("AVIF without libheif") gives
// what the portable one costs.
func AVIFInfo() (string, error) {
	lib, err := heifLib(AVIF)
	var why string
	switch {
	case err != nil:
		why = err.Error()
		if _, err := libheif.Load(); err != nil {
			why = err.Error() // without heifLib's advice, given here already
		}
	case !lib.CanEncodeAVIF():
		why = lib.String() + " has no AV1 encoder (Debian: libheif1 with libaom3)"
	default:
		return lib.String(), nil
	}
	return avifPortable("; " + avifPortableCost() + "install libheif1 or brew's libheif for the native one: " + why), nil
}

// encodeAVIF encodes img as AVIF with the system's libheif, or the
// portable encoder without it, alpha kept, with the ICC profile icc if
// not nil.
func encodeAVIF(img image.Image, quality int, icc []byte) ([]byte, error) {
	ready := rgbReady(img)
	icc = iccFor(icc, ready)
	if lib, err := heifLib(AVIF); err == nil && lib.CanEncodeAVIF() {
		return lib.EncodeAVIF(ready, quality, icc)
	}
	return encodeAVIFWASM(ready, quality, icc)
}

// rgbReady returns img as the native encoders take it: an *image.NRGBA,
// or an opaque *image.RGBA as it is.
func rgbReady(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.NRGBA:
		return m
	case *image.RGBA:
		if m.Opaque() {
			return m
		}
	}
	return toNRGBA(img)
}
