package sniff

import (
	"bytes"
	"encoding/binary"
)

// Canonical format names returned by [Format].
const (
	JPEG = "jpeg"
	PNG  = "png"
	GIF  = "gif"
	WebP = "webp"
	BMP  = "bmp"
	TIFF = "tiff"
	AVIF = "avif"
	HEIC = "heic"
)

// Format returns the canonical name of the image format whose magic bytes
// start b ("jpeg", "png", "gif", "webp", "bmp", "tiff", "avif" or "heic"),
// or "" when b is not recognised. It never panics, whatever b holds, and is
// safe for concurrent use.
//
// AVIF and HEIC are recognised by the major and compatible brands of the
// leading ISO-BMFF "ftyp" box: "avif"/"avis" mean AVIF; "heic", "heix",
// "heim", "heis", "hevc" and "hevx" mean HEIC. A box naming only the generic
// "mif1"/"msf1" brands is reported as unknown.
func Format(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return JPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return GIF
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return WebP
	case bytes.HasPrefix(b, []byte("II*\x00")), bytes.HasPrefix(b, []byte("MM\x00*")),
		bytes.HasPrefix(b, []byte("II+\x00")), bytes.HasPrefix(b, []byte("MM\x00+")): // classic TIFF, BigTIFF
		return TIFF
	case isBMP(b):
		return BMP
	}
	return ftyp(b)
}

// isBMP reports whether b starts with a BITMAPFILEHEADER followed by one of
// the known DIB header sizes. "BM" alone is too weak a signature: plenty of
// text starts with it.
func isBMP(b []byte) bool {
	if len(b) < 18 || b[0] != 'B' || b[1] != 'M' {
		return false
	}
	switch binary.LittleEndian.Uint32(b[14:18]) {
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// ftyp classifies an ISO-BMFF file by the brands of its leading ftyp box:
// size (4 bytes), "ftyp", major brand (4), minor version (4), then
// compatible brands (4 each) up to the end of the box.
func ftyp(b []byte) string {
	if len(b) < 16 || string(b[4:8]) != "ftyp" {
		return ""
	}
	size := int(binary.BigEndian.Uint32(b[:4]))
	if size < 16 {
		// Sizes 0 ("to end of file") and 1 (64-bit size) are not used for
		// ftyp in practice; anything else below 16 is malformed.
		return ""
	}
	end := min(size, len(b))
	if f := brand(b[8:12]); f != "" {
		return f
	}
	// Compatible brands: prefer AVIF if any is listed, as HEIF containers
	// holding AV1 may also list HEIF brands.
	var found string
	for i := 16; i+4 <= end; i += 4 {
		switch brand(b[i : i+4]) {
		case AVIF:
			return AVIF
		case HEIC:
			found = HEIC
		}
	}
	return found
}

func brand(b []byte) string {
	switch string(b) {
	case "avif", "avis":
		return AVIF
	case "heic", "heix", "heim", "heis", "hevc", "hevx":
		return HEIC
	}
	return ""
}

// Ext returns the file-name extension, with its leading dot, for a format
// name returned by [Format]: ".jpg", ".png", ".gif", ".webp", ".bmp",
// ".tiff", ".avif" or ".heic". It returns "" for "" or any other name.
func Ext(format string) string {
	switch format {
	case JPEG:
		return ".jpg"
	case PNG, GIF, WebP, BMP, TIFF, AVIF, HEIC:
		return "." + format
	}
	return ""
}
