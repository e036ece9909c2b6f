package imgproc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"runtime/debug"
	"strings"

	"github.com/fanout-dev/fanout/imgproc/libheif"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"
)

// DefaultMaxPixels is the pixel budget [Decode] enforces when
// DecodeOptions.MaxPixels is zero: Pillow's Image.MAX_IMAGE_PIXELS, about
// 89.5 megapixels (1024×1024×1024 / 4 / 3: a gigabyte of 24-bit RGBX).
const DefaultMaxPixels = 89_478_485

// Sentinel errors of [Decode] and [Encode]. Test for them with errors.Is;
// the errors returned also wrap the decoder's own error where there is one.
var (
	// ErrFormat means the bytes are not an image in a format imgproc reads.
	ErrFormat = errors.New("imgproc: unknown image format")
	// ErrTooLarge means an image has more pixels than the budget allows:
	// as its header declares them (from Decode, the error is then a
	// *TooLargeError), or as an operation would make them ([Resize]).
	ErrTooLarge = errors.New("imgproc: image too large")
	// ErrTruncated means the data ends before the image does.
	ErrTruncated = errors.New("imgproc: truncated image")
	// ErrCorrupt means the data breaks its format's rules.
	ErrCorrupt = errors.New("imgproc: corrupt image")
	// ErrUnsupported means a valid image uses a feature, or asks for a
	// format, that imgproc's codecs do not handle (12-bit or arithmetic-coded
	// JPEG, AVIF, encoding WebP...).
	ErrUnsupported = errors.New("imgproc: unsupported image feature")
)

// TooLargeError reports an image over the pixel budget. It is returned
// before any pixel memory is allocated, and errors.Is(err, ErrTooLarge) holds.
type TooLargeError struct {
	Format        Format
	Width, Height int
	MaxPixels     int64
}

// Error names the format, the size and the limit.
func (e *TooLargeError) Error() string {
	return fmt.Sprintf("imgproc: %s image is %dx%d (%d pixels), over the limit of %d pixels",
		e.Format, e.Width, e.Height, int64(e.Width)*int64(e.Height), e.MaxPixels)
}

// Unwrap returns ErrTooLarge.
func (e *TooLargeError) Unwrap() error { return ErrTooLarge }

// DecodeOptions adjusts [Decode]. A nil *DecodeOptions means the zero value.
type DecodeOptions struct {
	// MaxPixels is the largest width×height accepted, checked from the
	// header before any pixel is allocated. Zero means DefaultMaxPixels;
	// a negative value means no limit.
	MaxPixels int64
	// KeepOrientation leaves the pixels as stored instead of applying the
	// EXIF orientation; Picture.Orientation still reports it.
	KeepOrientation bool
	// JPEG chooses the JPEG decoder; the zero value, JPEGAuto, uses
	// libjpeg-turbo when the system has it.
	JPEG JPEGCodec
	// Draft, when not nil, lets a JPEG decode smaller than it is
	// (shrink-on-load): Decode calls it with the picture's size from the
	// header (upright, unless KeepOrientation is set) and it returns 1,
	// 2, 4 or 8; [Ops.DraftScale] is made for it. libjpeg-turbo then
	// decodes at that fraction of the size in the DCT domain, as Pillow's
	// Image.draft does, and the pixel budget counts the reduced size. The
	// pure-Go decoder decodes the whole picture (the budget counts all of
	// it) and averages it down by the same factor. Picture.Scale reports
	// the scale.
	Draft func(width, height int) int
	// KeepCMYK leaves a CMYK or YCCK JPEG as an *image.CMYK (0 meaning no
	// ink) with its CMYK profile in Picture.ICC, for [ToSRGB] to convert
	// through the profile, instead of converting it with Pillow's formula
	// and dropping the profile.
	KeepCMYK bool
	// RGB decodes colour JPEGs to RGB through libjpeg's own chroma
	// upsampling and colour conversion when libjpeg-turbo is active, so
	// that the pixels are Pillow's bit for bit, instead of to the YCbCr
	// planes as stored (which imgproc's operations process faster). The
	// pure-Go decoder then converts its planes with the same upsampling
	// and arithmetic, so that only its IDCT differs from Pillow's (61-62
	// dB from it on the test photos).
	RGB bool
}

// Picture is a decoded image with what an encoder needs to write it back.
type Picture struct {
	// Image holds the pixels: *image.YCbCr for colour JPEG (planes as
	// stored, chroma subsampled), *image.Gray for grey JPEG, RGB for CMYK
	// JPEG (converted), opaque *image.RGBA or *image.NRGBA for lossy WebP
	// (converted from its limited-range planes as libwebp converts them),
	// and what the format's decoder returns otherwise (*image.NRGBA,
	// *image.NRGBA64, *image.Gray16, *image.Paletted, ...).
	Image image.Image
	// Format is the format sniffed from the data.
	Format Format
	// ICC is the embedded colour profile, or nil. [Encode] writes it back.
	ICC []byte
	// EXIF is the image's EXIF data (TIFF-structured, from a JPEG's APP1,
	// a PNG's eXIf or a WebP's EXIF chunk), or nil. [Encode] writes it
	// back only when asked (EncodeOptions.KeepEXIF).
	EXIF []byte
	// XMP is the image's XMP packet (JPEG APP1, PNG iTXt, WebP XMP chunk,
	// TIFF tag 700), or nil; IPTC its IPTC-IIM records (JPEG APP13,
	// TIFF tag 33723), or nil. [Encode] writes them back only when asked
	// (EncodeOptions.KeepXMP, KeepIPTC).
	XMP, IPTC []byte
	// Orientation is the EXIF orientation stored in the file (OrientNormal
	// when there is none).
	Orientation Orientation
	// Oriented reports whether Image is upright: Orientation has been
	// applied, or there was nothing to apply.
	Oriented bool
	// Frames is the number of frames in an animated image (GIF, WebP); 1 for
	// still images. Only the first frame is decoded: see [Decode].
	Frames int
	// Width and Height are the size of the whole picture, in Image's
	// orientation. Image has this size unless Scale is over 1.
	Width, Height int
	// Scale is 1, or 2, 4 or 8 when DecodeOptions.Draft had the picture
	// decoded at that fraction of its size: Image is then
	// ceil(Width/Scale)×ceil(Height/Scale) pixels. [Ops.ApplyPicture]
	// takes it into account.
	Scale int
	// Codec names the decoder that produced Image, for example "image/jpeg".
	Codec string
}

// Decode decodes one image from data. The format is sniffed from the bytes
// (JPEG, PNG, GIF, WebP, BMP and TIFF), never taken from a name or a
// Content-Type. The header is read first and an image over the pixel budget
// is refused with a *TooLargeError before any pixel is allocated. Unless
// opts.KeepOrientation is set, the EXIF orientation (JPEG, PNG eXIf, WebP,
// TIFF) is applied so that Picture.Image is upright. The ICC profile is
// kept in Picture.ICC. A CMYK or YCCK JPEG (Adobe-inverted, as Photoshop
// writes them) is converted to RGB with Pillow's formula, without a
// profile, and its CMYK profile is dropped.
//
// Animated GIFs and WebPs: Decode returns the first frame only, on the
// full canvas, and sets Picture.Frames to the number of frames;
// [DecodeAnimation] returns them all.
//
// Errors wrap ErrFormat (unknown or unsniffable data), ErrTooLarge,
// ErrTruncated, ErrCorrupt or ErrUnsupported, together with the decoder's
// own error; they do not name the input, which the caller should add.
// Decode is safe to call concurrently.
func Decode(data []byte, opts *DecodeOptions) (pic *Picture, err error) {
	var o DecodeOptions
	if opts != nil {
		o = *opts
	}
	if err := checkJPEGCodec(o.JPEG); err != nil {
		return nil, fmt.Errorf("imgproc: decode: %w", err)
	}
	f, err := Sniff(data)
	if err != nil {
		return nil, err
	}
	defer func() {
		// The decoders, and the header readers behind decodeConfig, come
		// from the standard library and x/image; a panic on hostile input
		// there must not take the caller down.
		if r := recover(); r != nil {
			pic, err = nil, decoderPanic(f, r)
		}
	}()
	budget := o.MaxPixels
	if budget == 0 {
		budget = DefaultMaxPixels
	}
	cfg, err := decodeConfig(f, data)
	if err != nil {
		return nil, decodeError(f, err, data)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, decodeFailure(f, ErrCorrupt, fmt.Sprintf("image is %dx%d", cfg.Width, cfg.Height), nil)
	}
	meta := readMeta(f, data)
	pic = &Picture{Format: f, ICC: meta.icc, EXIF: meta.exif, XMP: meta.xmp, IPTC: meta.iptc, Orientation: meta.orientation, Frames: 1, Scale: 1}
	upright := !o.KeepOrientation && pic.Orientation.swapsAxes()
	pic.Width, pic.Height = cfg.Width, cfg.Height
	if upright {
		pic.Width, pic.Height = cfg.Height, cfg.Width
	}
	scale := 1
	if f == JPEG && o.Draft != nil {
		switch scale = o.Draft(pic.Width, pic.Height); scale {
		case 1, 2, 4, 8:
		default:
			return nil, fmt.Errorf("imgproc: decode: draft scale %d (want 1, 2, 4 or 8)", scale)
		}
	}
	if f != JPEG && budget > 0 && int64(cfg.Width)*int64(cfg.Height) > budget {
		return nil, &TooLargeError{Format: f, Width: cfg.Width, Height: cfg.Height, MaxPixels: budget}
	}
	var img image.Image
	switch f {
	case JPEG:
		var done int
		img, pic.Codec, done, err = decodeJPEG(data, o.JPEG, cfg.Width, cfg.Height, scale, o.RGB, budget)
		if err == nil && scale > done {
			img = reduceImage(img, scale/done)
		}
		pic.Scale = scale
	case PNG:
		img, err = png.Decode(bytes.NewReader(data))
	case GIF:
		var norm []byte
		if norm, err = gifNormalize(data); err == nil {
			img, err = gif.Decode(bytes.NewReader(norm))
		}
		if m, ok := img.(*image.Paletted); ok && err == nil {
			img = gifScreen(m, cfg.Width, cfg.Height)
		}
		pic.Frames = gifFrames(data)
	case WebP:
		if isAnimatedWebP(data) {
			img, pic.Frames, err = webpAnimFirst(data)
		} else {
			img, err = decodeWebPStill(data)
		}
	case BMP:
		img, err = decodeBMP(data)
		pic.Codec = "imgproc (BMP)"
	case TIFF:
		img, pic.Codec, err = decodeTIFF(data, budget, pic, o.KeepOrientation)
	case HEIC, AVIF:
		var lib *libheif.Lib
		if lib, err = heifLib(f); err == nil {
			// libheif applies the HEIF rotation and mirroring itself.
			img, pic.ICC, err = lib.Decode(data)
			pic.Codec = lib.String()
		} else if f == AVIF {
			img, pic.ICC, err = decodeAVIFWASM(data)
			pic.Codec = avifPortable("")
		}
	}
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
		return nil, decodeError(f, err, data)
	}
	if pic.Codec == "" {
		pic.Codec = "image/" + string(f)
		if f == WebP || f == TIFF {
			pic.Codec = "golang.org/x/image/" + string(f)
		}
	}
	if m, ok := img.(*image.CMYK); ok && !o.KeepCMYK {
		img = pillowCMYKToRGB(m)
		pic.ICC = nil // a CMYK profile does not describe the RGB result
	}
	pic.Image = img
	if !o.KeepOrientation && pic.Orientation != OrientNormal {
		if pic.Image, err = Orient(img, pic.Orientation); err != nil {
			return nil, err
		}
	}
	pic.Oriented = !o.KeepOrientation || pic.Orientation == OrientNormal
	return pic, nil
}

func decodeConfig(f Format, data []byte) (image.Config, error) {
	r := bytes.NewReader(data)
	switch f {
	case JPEG:
		cfg, err := jpeg.DecodeConfig(r)
		if _, unsupported := err.(jpeg.UnsupportedError); unsupported {
			// Arithmetic coding and the like: libjpeg-turbo, if present,
			// reads the header, and decodes the file.
			if lib, terr := turbo(); terr == nil {
				w, h, _, _, herr := lib.DecodeConfig(data)
				if herr == nil {
					return image.Config{Width: w, Height: h}, nil
				}
			}
		}
		return cfg, err
	case PNG:
		return png.DecodeConfig(r)
	case GIF:
		return gif.DecodeConfig(r)
	case WebP:
		return webp.DecodeConfig(r)
	case BMP:
		return decodeBMPConfig(data)
	case TIFF:
		return tiffConfig(data)
	case HEIC, AVIF:
		lib, err := heifLib(f)
		if err != nil && f == AVIF {
			return decodeConfigAVIFWASM(data)
		}
		if err != nil {
			return image.Config{}, err
		}
		c, err := lib.DecodeConfig(data)
		return image.Config{Width: c.Width, Height: c.Height}, err
	}
	return image.Config{}, ErrFormat
}

// HEIFInfo says how HEIC and AVIF images are read on this system, for a
// user to read: "reads HEIC and AVIF with libheif 1.15.1 (libheif.so.1)",
// or, without libheif, that AVIF is read with libavif compiled to
// WebAssembly (see [AVIFInfo]) and why HEIC cannot be read: HEIC has no
// portable fallback, since the WebAssembly builds of its decoder embed
// libheif and libde265 (LGPL-3) and HEVC is patent-encumbered. The first
// call may load the library; HEIFInfo is safe to call concurrently.
func HEIFInfo() string {
	lib, err := heifLib(HEIC)
	if err != nil {
		return "reads AVIF with " + avifPortable("") + "; cannot read HEIC (no portable decoder: LGPL-3 libde265 and HEVC patents): " + strings.TrimPrefix(err.Error(), "imgproc: ")
	}
	if _, err := heifLib(AVIF); err != nil {
		return "reads HEIC with " + lib.String() + ", AVIF with " + avifPortable("")
	}
	return "reads HEIC and AVIF with " + lib.String()
}

// heifLib returns the system's libheif, or an error wrapping ErrUnsupported
// that says what to install to read f.
func heifLib(f Format) (*libheif.Lib, error) {
	lib, err := libheif.Load()
	if err == nil && f == AVIF && forceAVIFWASM.Load() {
		err = errors.New("libheif: not used for AVIF: a test forces the portable codec")
	}
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s needs libheif (Debian, Ubuntu: apt install libheif1; macOS: brew install libheif): %w",
			ErrUnsupported, strings.ToUpper(string(f)), err)
	}
	return lib, nil
}

// decodeError classifies a decoder's error. Decoders report data cut
// short in different ways (io.ErrUnexpectedEOF, "short Huffman data", "not
// enough pixel data"), so a failure on data that lacks its format's end
// marker counts as truncated.
func decodeError(f Format, err error, data []byte) error {
	var ju jpeg.UnsupportedError
	var pu png.UnsupportedError
	var tu tiff.UnsupportedError
	switch {
	case errors.Is(err, ErrUnsupported):
		// Already classified by decodeJPEG (JPEGTurbo without the library).
		return &decodeErr{msg: "imgproc: decode " + string(f) + ": " + strings.TrimPrefix(err.Error(), "imgproc: "), errs: []error{err}}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return decodeFailure(f, ErrTruncated, "", err)
	case errors.As(err, &ju) || errors.As(err, &pu) || errors.As(err, &tu):
		return decodeFailure(f, ErrUnsupported, "", err)
	case !complete(f, data):
		return decodeFailure(f, ErrTruncated, "data ends before the image does", err)
	}
	return decodeFailure(f, ErrCorrupt, "", err)
}

// complete reports whether data ends the way its format's files end.
func complete(f Format, data []byte) bool {
	tail := data[max(0, len(data)-64):]
	switch f {
	case JPEG:
		return bytes.Contains(tail, []byte{0xff, 0xd9}) // EOI, maybe padded
	case PNG:
		return bytes.Contains(tail, []byte("IEND"))
	case GIF:
		return bytes.Contains(tail, []byte{0x3b}) // trailer
	case WebP:
		return len(data) >= 8 && int64(binary.LittleEndian.Uint32(data[4:]))+8 <= int64(len(data))
	case HEIC, AVIF:
		return heifComplete(data)
	}
	return true
}

// decodeFailure builds an error reading "imgproc: decode FORMAT: KIND:
// DETAIL: CAUSE" that matches both kind and cause with errors.Is.
func decodeFailure(f Format, kind error, detail string, cause error) error {
	msg := "imgproc: decode " + string(f) + ": " + strings.TrimPrefix(kind.Error(), "imgproc: ")
	if detail != "" {
		msg += ": " + detail
	}
	if cause != nil {
		msg += ": " + cause.Error()
	}
	errs := []error{kind}
	if cause != nil {
		errs = append(errs, cause)
	}
	return &decodeErr{msg: msg, errs: errs}
}

// DecoderPanicError is the cause, next to [ErrCorrupt], of a Decode error
// when a decoder panicked on the input: a bug in the decoder that this input
// triggers. Stack is the stack of the panic, for a report to the decoder's
// authors; errors.As finds it.
type DecoderPanicError struct {
	Value any    // what the decoder panicked with
	Stack []byte // the panicking goroutine's stack, as runtime/debug.Stack gives it
}

func (e *DecoderPanicError) Error() string { return fmt.Sprintf("decoder panicked: %v", e.Value) }

// decoderPanic is the error of a decoder that panicked with r. It is called
// in the deferred function that recovered, so the stack is the panic's.
func decoderPanic(f Format, r any) error {
	return decodeFailure(f, ErrCorrupt, "", &DecoderPanicError{Value: r, Stack: debug.Stack()})
}

type decodeErr struct {
	msg  string
	errs []error
}

func (e *decodeErr) Error() string   { return e.msg }
func (e *decodeErr) Unwrap() []error { return e.errs }

// gifScreen returns the first frame m of a GIF on the full logical screen
// of w×h pixels, as Pillow gives it: image/gif returns just the frame's
// rectangle, which may be smaller and offset. The rest of the screen is the
// frame's transparent index if it has one, else index 0 (Pillow's fill).
func gifScreen(m *image.Paletted, w, h int) *image.Paletted {
	screen := image.Rect(0, 0, w, h)
	if m.Rect == screen {
		return m
	}
	out := image.NewPaletted(screen, m.Palette)
	for i, c := range m.Palette {
		if _, _, _, a := c.RGBA(); a == 0 {
			for k := range out.Pix {
				out.Pix[k] = uint8(i)
			}
			break
		}
	}
	r := m.Rect.Intersect(screen)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		copy(out.Pix[out.PixOffset(r.Min.X, y):][:r.Dx()], m.Pix[m.PixOffset(r.Min.X, y):])
	}
	return out
}

// webpHasAlpha reports whether a WebP file says it has alpha: the flag of
// its VP8X chunk, or the alpha_is_used bit of a simple lossless one.
func webpHasAlpha(data []byte) bool {
	if len(data) < 30 {
		return false
	}
	switch string(data[12:16]) {
	case "VP8X":
		return data[20]&0x10 != 0
	case "VP8L":
		return binary.LittleEndian.Uint32(data[21:25])>>28&1 != 0
	}
	return false
}

// opaqueRGBA returns m, which the file says has no alpha, as an opaque
// *image.RGBA sharing its pixels, its alpha set to 255.
func opaqueRGBA(m *image.NRGBA) *image.RGBA {
	for i := 3; i < len(m.Pix); i += 4 {
		m.Pix[i] = 255
	}
	return &image.RGBA{Pix: m.Pix, Stride: m.Stride, Rect: m.Rect}
}
