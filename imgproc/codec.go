package imgproc

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"github.com/fanout-dev/fanout/imgproc/turbojpeg"
)

// JPEGCodec chooses the JPEG decoder and encoder. [Decode] and [Encode]
// return an error for a value other than the three below.
type JPEGCodec int

const (
	// JPEGAuto uses libjpeg-turbo when the system has it and image/jpeg
	// otherwise. It is the zero value.
	JPEGAuto JPEGCodec = iota
	// JPEGTurbo requires libjpeg-turbo; calls fail with an error wrapping
	// ErrUnsupported when it cannot be loaded.
	JPEGTurbo
	// JPEGStd uses pure Go: the standard library's image/jpeg to decode,
	// and imgproc's own encoder (image/jpeg's output, twice as fast) for
	// 4:2:0 YCbCr and grey images.
	JPEGStd
)

// String returns "auto", "turbo" or "std", the names [ParseJPEGCodec]
// accepts.
func (c JPEGCodec) String() string {
	switch c {
	case JPEGAuto:
		return "auto"
	case JPEGTurbo:
		return "turbo"
	case JPEGStd:
		return "std"
	}
	return fmt.Sprintf("JPEGCodec(%d)", int(c))
}

// ParseJPEGCodec returns the codec named "auto", "turbo" or "std".
func ParseJPEGCodec(s string) (JPEGCodec, error) {
	for _, c := range []JPEGCodec{JPEGAuto, JPEGTurbo, JPEGStd} {
		if c.String() == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("imgproc: unknown JPEG codec %q (want auto, turbo or std)", s)
}

// checkJPEGCodec returns an error for a JPEGCodec that is none of the
// named ones, whether or not the system has libjpeg-turbo.
func checkJPEGCodec(c JPEGCodec) error {
	if c < JPEGAuto || c > JPEGStd {
		return fmt.Errorf("unknown JPEG codec %d (want auto, turbo or std)", int(c))
	}
	return nil
}

// turbo returns the process's libjpeg-turbo, loaded on first use
// (turbojpeg.Load caches it), or why it is unavailable.
func turbo() (*turbojpeg.Lib, error) { return turbojpeg.Load() }

// turboFor returns the libjpeg-turbo that codec c uses, or nil for the
// pure-Go codec: JPEGStd, or JPEGAuto without the library. JPEGTurbo
// without the library is an error wrapping ErrUnsupported.
func turboFor(c JPEGCodec) (*turbojpeg.Lib, error) {
	if c == JPEGStd {
		return nil, nil
	}
	lib, err := turbo()
	if err != nil {
		if c == JPEGTurbo {
			return nil, fmt.Errorf("%w: libjpeg-turbo: %w", ErrUnsupported, err)
		}
		return nil, nil
	}
	return lib, nil
}

// decodeJPEG decodes a w×h JPEG with the chosen codec at 1/scale of its
// size when that codec can (libjpeg-turbo), and returns the codec's
// description and the scale it decoded at. rgb asks for colour files as
// RGB converted by libjpeg (see DecodeOptions.RGB). The budget (> 0) is
// checked against what will be allocated before decoding. libjpeg-turbo
// falls back to image/jpeg for the rare layouts it cannot represent.
func decodeJPEG(data []byte, c JPEGCodec, w, h, scale int, rgb bool, budget int64) (image.Image, string, int, error) {
	lib, err := turboFor(c)
	if err != nil {
		return nil, "", 1, err
	}
	if lib != nil {
		sw, sh := turbojpeg.ScaledSize(w, scale), turbojpeg.ScaledSize(h, scale)
		if budget > 0 && int64(sw)*int64(sh) > budget {
			return nil, "", 1, &TooLargeError{Format: JPEG, Width: sw, Height: sh, MaxPixels: budget}
		}
		img, err := lib.DecodeScaled(data, scale)
		if rgb {
			img, err = lib.DecodeRGB(data, scale)
		}
		if !errors.Is(err, turbojpeg.ErrUnsupported) {
			return img, lib.String(), scale, err
		}
	}
	if budget > 0 && int64(w)*int64(h) > budget {
		return nil, "", 1, &TooLargeError{Format: JPEG, Width: w, Height: h, MaxPixels: budget}
	}
	// image/jpeg decodes every scan of a progressive file, however many:
	// thousands of tiny scans cost minutes. Refuse them as libjpeg-turbo
	// does (TJFLAG_LIMITSCANS).
	if n := jpegScans(data); n > maxJPEGScans {
		return nil, "", 1, fmt.Errorf("%w: progressive JPEG of %d scans, over the limit of %d", ErrTooLarge, n, maxJPEGScans)
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if m, ok := img.(*image.YCbCr); ok && rgb && err == nil {
		img = jpegRGB(m) // libjpeg's upsampling and conversion, as Pillow's
	}
	return img, "image/jpeg", 1, err
}

// maxJPEGScans is libjpeg-turbo's limit on the scans of a progressive JPEG.
const maxJPEGScans = 500

// jpegScans counts the scans (SOS markers) of a JPEG, walking its
// segments and skipping entropy-coded data, without decoding. It stops
// at the end of the data or at EOI.
func jpegScans(data []byte) int {
	n := 0
	for i := 2; i+1 < len(data); {
		if data[i] != 0xff {
			i++
			continue
		}
		m := data[i+1]
		switch {
		case m == 0xff || m == 0x00 || (m >= 0xd0 && m <= 0xd7) || m == 0x01:
			i++ // fill byte, stuffed byte, restart marker or TEM
			continue
		case m == 0xd9: // EOI
			return n
		}
		if i+4 > len(data) {
			return n
		}
		i += 2 + (int(data[i+2])<<8 | int(data[i+3]))
		if m == 0xda { // SOS: entropy-coded data follows until the next marker
			n++
			for i+1 < len(data) && !(data[i] == 0xff && data[i+1] != 0x00 && (data[i+1] < 0xd0 || data[i+1] > 0xd7)) {
				j := bytes.IndexByte(data[i+1:], 0xff)
				if j < 0 {
					return n
				}
				i += 1 + j
			}
		}
	}
	return n
}

// encodeJPEG encodes img, which the caller has flattened to an opaque
// *image.YCbCr, *image.Gray or *image.RGBA, with the chosen codec.
func encodeJPEG(img image.Image, quality int, c JPEGCodec) ([]byte, error) {
	lib, err := turboFor(c)
	if err != nil {
		return nil, err
	}
	if m, ok := img.(*image.YCbCr); ok && m.Rect.Min == (image.Point{}) {
		// JPEGs are written 4:2:0, as Pillow, libjpeg and image/jpeg
		// write them by default, whatever the planes' subsampling:
		// to420 averages the chroma 2×2 as image/jpeg does.
		if fx, fy, ok := chromaFactors(m.SubsampleRatio); ok && fx <= 2 && fy <= 2 && (fx == 1 || fy == 1) {
			img = to420(m, fx, fy)
		}
	}
	if lib != nil {
		data, err := lib.Encode(img, quality)
		if !errors.Is(err, turbojpeg.ErrUnsupported) {
			return data, err
		}
	}
	if data, ok := encodeJPEGFast(img, quality); ok {
		return data, nil
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

const pureGo = "pure Go (image/jpeg decoder, imgproc encoder)"

// CodecInfo says which JPEG codec c selects on this system and why, for a
// user to read: for example "libjpeg-turbo (libturbojpeg.so.0, TurboJPEG 2
// API)", "pure Go (chosen)" or "pure Go (libjpeg-turbo unavailable: ...)".
// The pure-Go codec decodes with image/jpeg and encodes 4:2:0 YCbCr and
// grey images with imgproc's own encoder, others with image/jpeg. For
// JPEGTurbo without the library the text starts with "unavailable:".
// The first call may load the library; CodecInfo is safe to call
// concurrently.
func CodecInfo(c JPEGCodec) string {
	if c == JPEGStd {
		return pureGo + " (chosen)"
	}
	lib, err := turbo()
	switch {
	case c != JPEGAuto && c != JPEGTurbo:
		return fmt.Sprintf("unknown JPEG codec %d", int(c))
	case err == nil:
		return lib.String()
	case c == JPEGTurbo:
		return "unavailable: " + err.Error()
	}
	return pureGo + " (libjpeg-turbo unavailable: " + err.Error() + ")"
}
