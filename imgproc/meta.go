package imgproc

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
)

// maxICC bounds the size of an ICC profile read from a file (a decompressed
// PNG iCCP chunk could otherwise be a zip bomb).
const maxICC = 16 << 20

// meta is the metadata Decode keeps: the ICC profile, the orientation and
// the EXIF data (TIFF-structured, without JPEG's "Exif\0\0" header).
type meta struct {
	icc         []byte
	orientation Orientation
	exif        []byte
}

// maxEXIF bounds the EXIF data kept (JPEG's APP1 holds at most 64 KiB).
const maxEXIF = 64 << 10

// readMeta extracts the ICC profile and EXIF orientation from an encoded
// image. Malformed metadata is ignored: the pixels decide whether the image
// is usable.
func readMeta(f Format, data []byte) meta {
	m := meta{orientation: OrientNormal}
	switch f {
	case JPEG:
		m = jpegMeta(data)
	case PNG:
		m = pngMeta(data)
	case WebP:
		m = webpMeta(data)
	case TIFF:
		o, icc := tiffMeta(data, true)
		m.orientation, m.icc = o, icc
	}
	if !m.orientation.Valid() {
		m.orientation = OrientNormal
	}
	return m
}

const iccSig = "ICC_PROFILE\x00"

// jpegMeta walks the marker segments before the first scan.
func jpegMeta(data []byte) meta {
	m := meta{orientation: OrientNormal}
	var chunks [256][]byte
	count := 0
	for i := 2; i+4 <= len(data); {
		if data[i] != 0xff {
			break
		}
		marker := data[i+1]
		if marker == 0xff { // fill byte
			i++
			continue
		}
		if marker == 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker == 0x01 {
			i += 2
			continue
		}
		if marker == 0xda || marker == 0xd9 {
			break
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			break
		}
		seg := data[i+4 : i+2+n]
		switch {
		case marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")):
			if o, _ := tiffMeta(seg[6:], false); o.Valid() {
				m.orientation = o
			}
			if m.exif == nil && len(seg) > 14 {
				m.exif = bytes.Clone(seg[6:])
			}
		case marker == 0xe2 && bytes.HasPrefix(seg, []byte(iccSig)) && len(seg) >= 14:
			seq, total := int(seg[12]), int(seg[13])
			if seq >= 1 && seq <= total && chunks[seq] == nil {
				chunks[seq] = seg[14:]
				count = total
			}
		}
		i += 2 + n
	}
	if count > 0 {
		var icc []byte
		for s := 1; s <= count; s++ {
			if chunks[s] == nil {
				icc = nil
				break
			}
			icc = append(icc, chunks[s]...)
		}
		m.icc = icc
	}
	return m
}

// pngMeta reads the iCCP and eXIf chunks.
func pngMeta(data []byte) meta {
	m := meta{orientation: OrientNormal}
	for i := 8; i+8 <= len(data); {
		n := int(binary.BigEndian.Uint32(data[i:]))
		typ := string(data[i+4 : i+8])
		if n < 0 || n > len(data)-i-12 {
			break
		}
		body := data[i+8 : i+8+n]
		switch typ {
		case "iCCP":
			// name, NUL, compression method (0 = zlib), compressed profile.
			if k := bytes.IndexByte(body, 0); k >= 0 && k+2 <= len(body) && body[k+1] == 0 {
				if zr, err := zlib.NewReader(bytes.NewReader(body[k+2:])); err == nil {
					if icc, err := io.ReadAll(io.LimitReader(zr, maxICC+1)); err == nil && len(icc) <= maxICC {
						m.icc = icc
					}
				}
			}
		case "eXIf":
			if o, _ := tiffMeta(body, false); o.Valid() {
				m.orientation = o
			}
			if len(body) > 8 && len(body) <= maxEXIF {
				m.exif = bytes.Clone(body)
			}
		case "IDAT", "IEND":
			return m
		}
		i += 12 + n
	}
	return m
}

// webpMeta reads the ICCP and EXIF chunks of an extended WebP.
func webpMeta(data []byte) meta {
	m := meta{orientation: OrientNormal}
	for i := 12; i+8 <= len(data); {
		typ := string(data[i : i+4])
		n := int(binary.LittleEndian.Uint32(data[i+4:]))
		if n < 0 || n > len(data)-i-8 {
			break
		}
		body := data[i+8 : i+8+n]
		switch typ {
		case "ICCP":
			m.icc = bytes.Clone(body)
		case "EXIF":
			body = bytes.TrimPrefix(body, []byte("Exif\x00\x00"))
			if o, _ := tiffMeta(body, false); o.Valid() {
				m.orientation = o
			}
			if len(body) > 8 && len(body) <= maxEXIF {
				m.exif = bytes.Clone(body)
			}
		}
		i += 8 + n + n%2
	}
	return m
}

// firstIFD finds the first IFD of TIFF-structured data d: its byte order
// and the offsets of its 12-byte entries, [start, end), within d. ok is
// false for data that is not TIFF-structured; an IFD past the end of d
// has no entries.
func firstIFD(d []byte) (bo binary.ByteOrder, start, end int64, ok bool) {
	if len(d) < 8 {
		return nil, 0, 0, false
	}
	switch string(d[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return nil, 0, 0, false
	}
	off := int64(bo.Uint32(d[4:]))
	if off < 8 || off+2 > int64(len(d)) {
		return bo, 0, 0, true
	}
	start = off + 2
	n := min(int64(bo.Uint16(d[off:])), (int64(len(d))-start)/12) // the entries d holds whole
	return bo, start, start + 12*n, true
}

// tiffMeta reads the orientation (tag 0x0112) and, if wantICC, the ICC
// profile (tag 0x8773) from the first IFD of TIFF-structured data (an EXIF
// block or a TIFF file). It returns 0 when there is no orientation.
func tiffMeta(d []byte, wantICC bool) (Orientation, []byte) {
	bo, start, end, ok := firstIFD(d)
	if !ok {
		return 0, nil
	}
	var o Orientation
	var icc []byte
	for e := start; e < end; e += 12 {
		tag, typ, count := bo.Uint16(d[e:]), bo.Uint16(d[e+2:]), int64(bo.Uint32(d[e+4:]))
		switch {
		case tag == 0x0112 && typ == 3 && count == 1: // SHORT
			o = Orientation(bo.Uint16(d[e+8:]))
		case tag == 0x8773 && wantICC && (typ == 7 || typ == 1) && count > 4 && count <= maxICC:
			p := int64(bo.Uint32(d[e+8:]))
			if p >= 0 && p+count <= int64(len(d)) {
				icc = bytes.Clone(d[p : p+count])
			}
		}
	}
	return o, icc
}

// uprightEXIF returns a copy of the EXIF data exif with its orientation
// (tag 0x0112 of the first IFD) set to 1, for pixels written upright, or
// nil for data that is not TIFF-structured.
func uprightEXIF(exif []byte) []byte {
	bo, start, end, ok := firstIFD(exif)
	if !ok {
		return nil
	}
	d := bytes.Clone(exif)
	for e := start; e < end; e += 12 {
		if bo.Uint16(d[e:]) == 0x0112 && bo.Uint16(d[e+2:]) == 3 {
			bo.PutUint16(d[e+8:], 1)
		}
	}
	return d
}
