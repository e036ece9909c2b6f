package sniff

import (
	"bytes"
	"encoding/binary"
)

// Truncated reports whether b is an image that certainly ends before its
// format says it should: a JPEG without its end-of-image marker, a PNG
// without its IEND chunk, a GIF cut inside a block, a WebP, BMP or
// AVIF/HEIC shorter than its declared sizes. It returns false for complete
// files, for files with trailing data after the image (such as a JPEG
// "motion photo" with a video appended), for malformed data that a decoder
// will reject anyway, and for formats it cannot check (TIFF, or anything
// [Format] does not recognise). It never panics, whatever b holds, and is
// safe for concurrent use.
//
// A body can be complete as far as HTTP is concerned and still truncated:
// a server that declares a Content-Length shorter than the file sends
// exactly that many bytes, which only the image's own structure reveals.
// Truncated walks the file's block structure without decoding pixels; for a
// JPEG it scans the entropy-coded data for markers with [bytes.IndexByte].
func Truncated(b []byte) bool {
	switch Format(b) {
	case JPEG:
		return jpegTruncated(b)
	case PNG:
		return pngTruncated(b)
	case GIF:
		return gifTruncated(b)
	case WebP: // sizes in int64: a uint32 near 4 GiB is negative as a 32-bit int
		return int64(len(b)) < 8+int64(binary.LittleEndian.Uint32(b[4:8]))
	case BMP:
		return int64(len(b)) < int64(binary.LittleEndian.Uint32(b[2:6]))
	case AVIF, HEIC:
		return bmffTruncated(b)
	}
	return false
}

// jpegTruncated walks the marker segments from SOI to EOI.
func jpegTruncated(b []byte) bool {
	i := 2 // after SOI
	for {
		if i >= len(b) {
			return true
		}
		if b[i] != 0xff {
			return false // malformed, not truncated
		}
		for i < len(b) && b[i] == 0xff { // fill bytes
			i++
		}
		if i >= len(b) {
			return true
		}
		m := b[i]
		i++
		switch {
		case m == 0xd9: // EOI
			return false
		case m == 0x01 || 0xd0 <= m && m <= 0xd7: // TEM, RSTn: no length
			continue
		case m == 0x00 || m == 0xd8:
			return false // malformed
		}
		if i+2 > len(b) {
			return true
		}
		n := int(b[i])<<8 | int(b[i+1])
		if n < 2 {
			return false
		}
		i += n
		if m != 0xda { // not SOS
			continue
		}
		// Entropy-coded data runs to the next marker other than a stuffed
		// 0xFF00 or a restart marker.
		for {
			if i >= len(b) {
				return true
			}
			j := bytes.IndexByte(b[i:], 0xff)
			if j < 0 {
				return true
			}
			i += j
			if i+1 >= len(b) {
				return true
			}
			if next := b[i+1]; next == 0x00 || 0xd0 <= next && next <= 0xd7 {
				i += 2
				continue
			}
			break // a marker starts at i
		}
	}
}

// pngTruncated walks the chunks after the signature up to IEND.
func pngTruncated(b []byte) bool {
	i := 8
	for {
		if i+8 > len(b) {
			return true
		}
		n := int64(binary.BigEndian.Uint32(b[i:]))
		if n > 1<<31-1 {
			return false // malformed
		}
		end := int64(i) + 12 + n // length, type, data, CRC
		if string(b[i+4:i+8]) == "IEND" {
			return end > int64(len(b))
		}
		if end > int64(len(b)) {
			return true
		}
		i = int(end)
	}
}

// gifTruncated walks the blocks after the header. A file that ends exactly
// at a block boundary, lacking only the trailer byte, is not reported:
// decoders of the first frame accept it.
func gifTruncated(b []byte) bool {
	if len(b) < 13 {
		return true
	}
	i := 13
	if flags := b[10]; flags&0x80 != 0 {
		i += 3 << (flags&7 + 1)
	}
	// subBlocks skips data sub-blocks up to the zero-length terminator and
	// reports the index after it, or -1 if b ends first.
	subBlocks := func(i int) int {
		for {
			if i >= len(b) {
				return -1
			}
			n := int(b[i])
			i++
			if n == 0 {
				return i
			}
			i += n
		}
	}
	for {
		if i == len(b) {
			return false // only the trailer is missing
		}
		if i > len(b) {
			return true
		}
		switch b[i] {
		case 0x3b: // trailer
			return false
		case 0x21: // extension: introducer, label, sub-blocks
			if i = subBlocks(i + 2); i < 0 {
				return true
			}
		case 0x2c: // image descriptor, optional local colour table, LZW code size, sub-blocks
			if i+10 > len(b) {
				return true
			}
			flags := b[i+9]
			i += 10
			if flags&0x80 != 0 {
				i += 3 << (flags&7 + 1)
			}
			if i = subBlocks(i + 1); i < 0 {
				return true
			}
		default:
			return false // malformed
		}
	}
}

// bmffTruncated walks the top-level ISO-BMFF boxes.
func bmffTruncated(b []byte) bool {
	var i uint64
	n := uint64(len(b))
	for i < n {
		if i+8 > n {
			return true
		}
		size := uint64(binary.BigEndian.Uint32(b[i:]))
		switch size {
		case 0: // extends to the end of the file
			return false
		case 1: // 64-bit size follows the type
			if i+16 > n {
				return true
			}
			size = binary.BigEndian.Uint64(b[i+8:])
			if size < 16 {
				return false
			}
		default:
			if size < 8 {
				return false
			}
		}
		if size > n-i {
			return true
		}
		i += size
	}
	return false
}
