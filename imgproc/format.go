package imgproc

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/fanout-dev/fanout/internal/sniff"
)

// Format names an image file format. Its values are the lower-case names
// used by the standard library's image.RegisterFormat ("jpeg", "png", ...).
type Format string

// The formats imgproc knows. All are decoded (HEIC with the system's
// libheif only; AVIF with it, or else with libavif compiled to
// WebAssembly); [Encode] writes JPEG, PNG, GIF, BMP and TIFF, WebP with
// the system's libwebp, and AVIF with its libheif (each, without the
// library, with a WebAssembly build).
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	GIF  Format = "gif"
	WebP Format = "webp"
	BMP  Format = "bmp"
	TIFF Format = "tiff"
	HEIC Format = "heic"
	AVIF Format = "avif"
)

// Ext returns the usual file extension for f, with its dot (".jpg" for JPEG).
func (f Format) Ext() string {
	switch f {
	case JPEG:
		return ".jpg"
	case TIFF:
		return ".tif"
	}
	return "." + string(f)
}

// Sniff returns the format of an encoded image from its first bytes. It
// wraps ErrFormat when the data is no image imgproc knows.
func Sniff(data []byte) (Format, error) {
	switch f := sniff.Format(data); f {
	case "":
		if len(data) == 0 {
			return "", fmt.Errorf("%w: empty data", ErrFormat)
		}
		return "", fmt.Errorf("%w: %s", ErrFormat, describeUnknown(data))
	default:
		return Format(f), nil
	}
}

// FormatFromExt returns the format for a file name's extension (".jpg",
// ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".avif", any
// case: the formats [Encode] writes), for
// choosing an output format from an output path. An unknown extension wraps
// ErrFormat.
func FormatFromExt(name string) (Format, error) {
	ext := strings.ToLower(filepath.Ext(name))
	switch ext {
	case ".jpg", ".jpeg", ".jpe", ".jfif":
		return JPEG, nil
	case ".png":
		return PNG, nil
	case ".gif":
		return GIF, nil
	case ".webp":
		return WebP, nil
	case ".bmp":
		return BMP, nil
	case ".tif", ".tiff":
		return TIFF, nil
	case ".avif":
		return AVIF, nil
	}
	return "", fmt.Errorf("%w: no image format for extension %q of %q", ErrFormat, ext, name)
}

// describeUnknown says what data that is no image looks like without
// quoting it, since it may be anything (a local file given by mistake, a
// server's error page): text, or the hex of a binary signature.
func describeUnknown(data []byte) string {
	head := data[:min(len(data), 64)]
	text := true
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f {
			text = false
			break
		}
	}
	switch {
	case text && bytes.HasPrefix(bytes.TrimSpace(bytes.ToLower(head)), []byte("<")):
		return "the data is markup (HTML or XML, an error page?), not an image"
	case text:
		return "the data is text, not an image"
	}
	return fmt.Sprintf("no known image signature (starts % x)", data[:min(len(data), 4)])
}
