package imgproc

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/png"
	"io"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
)

// DefaultQuality is the JPEG quality [Encode] uses when
// EncodeOptions.Quality is zero: 75, as in Pillow and image/jpeg.
const DefaultQuality = 75

// EncodeOptions adjusts [Encode]. A nil *EncodeOptions means the zero value.
type EncodeOptions struct {
	// Format is the format to write. The empty Format means the picture's
	// own format (Picture.Format); see [FormatFromExt] to pick one from an
	// output file name.
	Format Format
	// Quality is the JPEG, lossy WebP or AVIF quality, 1 to 100; 0 means
	// DefaultQuality for JPEG, DefaultWebPQuality for WebP,
	// DefaultAVIFQuality for AVIF.
	Quality int
	// Lossless writes WebP losslessly (Quality is then ignored).
	Lossless bool
	// PNGCompression is the PNG compression level; the zero value is
	// png.DefaultCompression.
	PNGCompression png.CompressionLevel
	// KeepEXIF writes Picture.EXIF (JPEG APP1, PNG eXIf, WebP EXIF), its
	// orientation set to 1 since the pixels are written upright. By
	// default EXIF is dropped (camera data, GPS positions).
	KeepEXIF bool
	// KeepXMP writes Picture.XMP (JPEG APP1, PNG iTXt, WebP XMP), its
	// orientation, if it gives one, set to 1; KeepIPTC writes
	// Picture.IPTC (JPEG APP13, the only output format with a place for
	// it). By default both are dropped.
	KeepXMP, KeepIPTC bool
	// DropICC leaves the ICC profile out. By default a JPEG or PNG keeps
	// Picture.ICC, unless the profile's colour space contradicts the
	// output's (a GRAY profile on colour output, an RGB or CMYK one on
	// grey output), which the formats forbid; WebP keeps it too. Other
	// metadata (comments, MakerNote outside EXIF, GIF extensions) is never
	// written.
	DropICC bool
	// Background is the colour a translucent image is flattened on for
	// formats without alpha (JPEG). Nil means white.
	Background color.Color
	// JPEG chooses the JPEG encoder; the zero value, JPEGAuto, uses
	// libjpeg-turbo when the system has it.
	JPEG JPEGCodec
}

// Encode writes p to w in opts.Format. The output is always upright: if p
// still holds pixels as stored (Picture.Oriented false), the orientation is
// applied first, and no EXIF orientation is written. The ICC profile is kept
// for JPEG (APP2 ICC_PROFILE segments), PNG (an iCCP chunk) and WebP unless
// opts.DropICC is set; EXIF, XMP and IPTC only when opts asks for them
// (orientations reset to 1). JPEG has no alpha, so
// a translucent image is composited over opts.Background (white by default).
// GIF output is a single frame with the standard library's quantiser (Plan 9
// palette, Floyd-Steinberg dithering) unless the image is already paletted.
//
// WebP is written with the system's libwebp (package imgproc/libwebp),
// lossy at opts.Quality or lossless, alpha and ICC profile kept; without
// the library Encode returns an error wrapping ErrUnsupported that says what
// to install.
//
// AVIF is written with the system's libheif (package imgproc/libheif) at
// opts.Quality, alpha and ICC profile kept (not lossless: opts.Lossless is
// refused with ErrUnsupported); without libheif, with libavif compiled to
// WebAssembly, on the same quality scale and about half as fast
// ([AVIFInfo] says which).
//
// Encode returns an error wrapping ErrUnsupported for formats it does not
// know, an error for an empty image (no format can hold one that
// [Decode] reads back), a parameter error for a bad quality, and w's errors. It
// writes nothing to w if encoding fails before the first byte; a failing w
// may leave partial output, so callers write to a temporary file and rename.
// Encode is safe to call concurrently.
func Encode(w io.Writer, p *Picture, opts *EncodeOptions) error {
	var o EncodeOptions
	if opts != nil {
		o = *opts
	}
	if p == nil || p.Image == nil {
		return errors.New("imgproc: encode: nil picture")
	}
	if err := checkJPEGCodec(o.JPEG); err != nil {
		return fmt.Errorf("imgproc: encode: %w", err)
	}
	f := o.Format
	if f == "" {
		f = p.Format
	}
	q := o.Quality
	if q == 0 {
		q = DefaultQuality
		switch f {
		case WebP:
			q = DefaultWebPQuality
		case AVIF:
			q = DefaultAVIFQuality
		}
	}
	if q < 1 || q > 100 {
		return fmt.Errorf("imgproc: quality must be between 1 and 100, not %d", q)
	}
	img := p.Image
	if r := img.Bounds(); r.Empty() {
		return fmt.Errorf("imgproc: encode %s: empty %dx%d image", f, r.Dx(), r.Dy())
	}
	if !p.Oriented && p.Orientation != OrientNormal && p.Orientation.Valid() {
		var err error
		if img, err = Orient(img, p.Orientation); err != nil {
			return err
		}
	}
	icc := p.ICC
	if o.DropICC {
		icc = nil
	}
	var exif, xmp, iptc []byte
	if o.KeepEXIF && len(p.EXIF) > 0 {
		exif = uprightEXIF(p.EXIF)
	}
	if o.KeepXMP && len(p.XMP) > 0 {
		xmp = uprightXMP(p.XMP)
	}
	if o.KeepIPTC && len(p.IPTC) > 0 {
		iptc = p.IPTC
	}
	var data []byte
	var err error
	switch f {
	case JPEG:
		ready := jpegReady(img, o.Background)
		data, err = encodeJPEG(ready, q, o.JPEG)
		if err == nil {
			data = spliceJPEG(data, jpegMetadata(exif, xmp, iccFor(icc, ready), iptc))
		}
	case PNG:
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: o.PNGCompression}
		ready := pngReady(img)
		if err = enc.Encode(&buf, ready); err == nil {
			data = buf.Bytes()
			if icc = iccFor(icc, ready); len(icc) > 0 {
				data, err = splicePNGICC(data, icc)
			}
			if exif != nil && err == nil {
				data, err = splicePNGChunk(data, "eXIf", exif)
			}
			if xmp != nil && err == nil {
				data, err = splicePNGChunk(data, "iTXt", pngXMPChunk(xmp))
			}
		}
	case GIF:
		var buf bytes.Buffer
		if err = gif.Encode(&buf, img, nil); err == nil {
			data = buf.Bytes()
		}
	case BMP:
		var buf bytes.Buffer
		if err = bmp.Encode(&buf, img); err == nil {
			data = buf.Bytes()
		}
	case TIFF:
		var buf bytes.Buffer
		if err = tiff.Encode(&buf, img, &tiff.Options{Compression: tiff.Deflate, Predictor: true}); err == nil {
			data = buf.Bytes()
		}
	case WebP:
		data, err = encodeWebP(img, q, o.Lossless, icc, exif, xmp)
	case AVIF:
		if o.Lossless {
			return fmt.Errorf("imgproc: encode avif: %w: lossless AVIF", ErrUnsupported)
		}
		data, err = encodeAVIF(img, q, icc)
	default:
		return fmt.Errorf("imgproc: encode: %w: cannot write %q images", ErrUnsupported, f)
	}
	if err != nil {
		return fmt.Errorf("imgproc: encode %s: %w", f, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("imgproc: encode %s: write: %w", f, err)
	}
	return nil
}

// jpegReady returns img in a form the JPEG encoders take without a per-pixel
// interface call: opaque *image.YCbCr, *image.Gray or *image.RGBA, with any
// transparency flattened on bg.
func jpegReady(img image.Image, bg color.Color) image.Image {
	switch m := img.(type) {
	case *image.YCbCr, *image.Gray:
		return m
	case *image.RGBA:
		if m.Opaque() {
			return m
		}
	case *image.NRGBA:
		if m.Opaque() {
			// Opaque straight and premultiplied pixels are the same bytes.
			return &image.RGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
		}
	case *image.Gray16:
		return toGray(m)
	}
	if bg == nil {
		bg = color.White
	}
	out := image.NewRGBA(img.Bounds())
	draw.Draw(out, out.Rect, image.NewUniform(bg), image.Point{}, draw.Src)
	draw.Draw(out, out.Rect, img, img.Bounds().Min, draw.Over)
	return out
}

// pngReady avoids image/png's per-pixel path for YCbCr input.
func pngReady(img image.Image) image.Image {
	if m, ok := img.(*image.YCbCr); ok {
		return toNRGBA(m)
	}
	return img
}

// maxICCChunk is the ICC payload of one APP2 segment: 65535 bytes minus the
// length field, the "ICC_PROFILE\0" signature and the two sequence bytes.
const maxICCChunk = 65535 - 2 - 14

// iccFor returns icc if it may describe img as written, and nil if the
// profile's colour space (bytes 16 to 19 of its header) contradicts the
// image's: a GRAY profile on colour output (a grey and alpha PNG is written
// as RGBA, for one), or an RGB or CMYK profile on grey output (after
// grayscale, say). JPEG and PNG forbid such a pairing and decoders ignore
// it or fail. A profile whose header names another space, or is too short
// to name one, is kept as it is.
func iccFor(icc []byte, img image.Image) []byte {
	if len(icc) < 20 {
		return icc
	}
	grey := false
	switch img.(type) {
	case *image.Gray, *image.Gray16:
		grey = true
	}
	switch string(icc[16:20]) {
	case "GRAY":
		if !grey {
			return nil
		}
	case "RGB ", "CMYK":
		if grey {
			return nil
		}
	}
	return icc
}

// jpegMetadata returns the marker segments that carry the metadata of a
// JPEG, in the order they go after its SOI (or JFIF APP0): APP1 EXIF,
// APP1 XMP, APP2 ICC_PROFILE (as many as the profile needs) and APP13
// IPTC, each only if given. Data too large for its segments is left out.
func jpegMetadata(exif, xmp, icc, iptc []byte) []byte {
	var out []byte
	segment := func(marker byte, parts ...[]byte) {
		n := 2
		for _, p := range parts {
			n += len(p)
		}
		if n > 0xffff {
			return
		}
		out = append(out, 0xff, marker)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
		for _, p := range parts {
			out = append(out, p...)
		}
	}
	if exif != nil {
		segment(0xe1, []byte("Exif\x00\x00"), exif)
	}
	if xmp != nil {
		segment(0xe1, []byte(xmpSig), xmp)
	}
	if n := (len(icc) + maxICCChunk - 1) / maxICCChunk; n <= 255 { // more cannot be numbered
		for i := range n {
			chunk := icc[i*maxICCChunk : min(len(icc), (i+1)*maxICCChunk)]
			segment(0xe2, []byte(iccSig), []byte{byte(i + 1), byte(n)}, chunk)
		}
	}
	if iptc != nil {
		segment(0xed, photoshopBlock(iptc))
	}
	return out
}

// spliceJPEG inserts the marker segments segs after the SOI marker of a
// JPEG, or after its JFIF APP0 segment if it starts with one
// (libjpeg-turbo writes one, and JFIF requires it to follow SOI directly).
func spliceJPEG(data, segs []byte) []byte {
	if len(segs) == 0 || len(data) < 2 {
		return data
	}
	at := 2
	if len(data) >= 6 && data[2] == 0xff && data[3] == 0xe0 {
		if end := 4 + int(binary.BigEndian.Uint16(data[4:])); end <= len(data) {
			at = end
		}
	}
	out := make([]byte, 0, len(data)+len(segs))
	out = append(out, data[:at]...)
	out = append(out, segs...)
	return append(out, data[at:]...)
}

// splicePNGICC inserts an iCCP chunk after the IHDR chunk of a PNG.
func splicePNGICC(data, icc []byte) ([]byte, error) {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(icc)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return splicePNGChunk(data, "iCCP", append([]byte("ICC Profile\x00\x00"), z.Bytes()...))
}

// splicePNGChunk inserts a chunk of type typ after the IHDR chunk of a PNG.
func splicePNGChunk(data []byte, typ string, body []byte) ([]byte, error) {
	const ihdrEnd = 8 + 8 + 13 + 4
	if len(data) < ihdrEnd {
		return nil, errors.New("png output too short")
	}
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
	chunk = append(chunk, typ...)
	chunk = append(chunk, body...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := make([]byte, 0, len(data)+len(chunk))
	out = append(out, data[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, data[ihdrEnd:]...), nil
}
