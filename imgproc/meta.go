package imgproc

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"regexp"
)

// maxICC bounds the size of an ICC profile read from a file (a decompressed
// PNG iCCP chunk could otherwise be a zip bomb).
const maxICC = 16 << 20

// meta is the metadata Decode keeps: the ICC profile, the orientation,
// the EXIF data (TIFF-structured, without JPEG's "Exif\0\0" header), the
// XMP packet and the IPTC-IIM records.
type meta struct {
	icc         []byte
	orientation Orientation
	exif        []byte
	xmp         []byte
	iptc        []byte
}

// Where JPEG holds XMP and IPTC: an APP1 segment after this header, and
// the Photoshop image resource 0x0404 of an APP13 segment.
const (
	xmpSig       = "http://ns.adobe.com/xap/1.0/\x00"
	photoshopSig = "Photoshop 3.0\x00"
)

// maxXMP bounds the XMP packet kept (JPEG's APP1 holds at most 64 KiB;
// larger packets are split into Extended XMP, which is not kept).
const maxXMP = 64 << 10

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
		m = tiffMeta(data, true)
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
			if o := tiffMeta(seg[6:], false).orientation; o.Valid() {
				m.orientation = o
			}
			if m.exif == nil && len(seg) > 14 {
				m.exif = bytes.Clone(seg[6:])
			}
		case marker == 0xe1 && bytes.HasPrefix(seg, []byte(xmpSig)) && m.xmp == nil:
			m.xmp = bytes.Clone(seg[len(xmpSig):])
		case marker == 0xed && bytes.HasPrefix(seg, []byte(photoshopSig)) && m.iptc == nil:
			m.iptc = photoshopIPTC(seg[len(photoshopSig):])
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
			if o := tiffMeta(body, false).orientation; o.Valid() {
				m.orientation = o
			}
			if len(body) > 8 && len(body) <= maxEXIF {
				m.exif = bytes.Clone(body)
			}
		case "iTXt":
			if xmp, ok := pngXMP(body); ok && m.xmp == nil {
				m.xmp = xmp
			}
		case "IEND":
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
		case "XMP ":
			if len(body) <= maxXMP {
				m.xmp = bytes.Clone(body)
			}
		case "EXIF":
			body = bytes.TrimPrefix(body, []byte("Exif\x00\x00"))
			if o := tiffMeta(body, false).orientation; o.Valid() {
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

// tiffMeta reads the orientation (tag 0x0112) from the first IFD of
// TIFF-structured data (an EXIF block or a TIFF file) and, if all, the
// ICC profile (tag 0x8773), the XMP packet (700) and the IPTC records
// (33723) of a TIFF file. The orientation is 0 when there is none.
func tiffMeta(d []byte, all bool) meta {
	var m meta
	bo, start, end, ok := firstIFD(d)
	if !ok {
		return m
	}
	// blob returns the bytes of an entry's value, when it is stored
	// apart (over 4 bytes) and no larger than limit.
	blob := func(e int64, limit int64) []byte {
		typ, count := bo.Uint16(d[e+2:]), int64(bo.Uint32(d[e+4:]))
		size := map[uint16]int64{1: 1, 2: 1, 4: 4, 7: 1}[typ] * count
		p := int64(bo.Uint32(d[e+8:]))
		if size <= 4 || size > limit || p < 0 || p+size > int64(len(d)) {
			return nil
		}
		return bytes.Clone(d[p : p+size])
	}
	for e := start; e < end; e += 12 {
		tag, typ, count := bo.Uint16(d[e:]), bo.Uint16(d[e+2:]), int64(bo.Uint32(d[e+4:]))
		switch {
		case tag == 0x0112 && typ == 3 && count == 1: // SHORT
			m.orientation = Orientation(bo.Uint16(d[e+8:]))
		case !all:
		case tag == 0x8773:
			m.icc = blob(e, maxICC)
		case tag == 700:
			m.xmp = blob(e, maxXMP)
		case tag == 33723:
			m.iptc = blob(e, maxEXIF)
		}
	}
	return m
}

// photoshopIPTC returns the IPTC-IIM records of a Photoshop image
// resource block (JPEG's APP13 after its header): the data of resource
// 0x0404, or nil.
func photoshopIPTC(b []byte) []byte {
	for len(b) >= 12 && string(b[:4]) == "8BIM" {
		id := binary.BigEndian.Uint16(b[4:])
		name := 1 + int(b[6]) // a Pascal string, padded to an even length
		name += name % 2
		if 6+name+4 > len(b) {
			return nil
		}
		size := int(binary.BigEndian.Uint32(b[6+name:]))
		data := b[6+name+4:]
		if size > len(data) {
			return nil
		}
		if id == 0x0404 {
			return bytes.Clone(data[:size])
		}
		b = data[size+size%2:]
	}
	return nil
}

// photoshopBlock wraps IPTC-IIM records as the Photoshop image resource
// block of a JPEG APP13 segment, header included.
func photoshopBlock(iptc []byte) []byte {
	b := append([]byte(photoshopSig), "8BIM\x04\x04\x00\x00"...) // resource 0x0404, empty name
	b = binary.BigEndian.AppendUint32(b, uint32(len(iptc)))
	b = append(b, iptc...)
	if len(iptc)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// pngXMP returns the XMP packet of a PNG iTXt chunk's body, if it is the
// XMP chunk (keyword "XML:com.adobe.xmp"), compressed or not.
func pngXMP(body []byte) ([]byte, bool) {
	const key = "XML:com.adobe.xmp\x00"
	if !bytes.HasPrefix(body, []byte(key)) || len(body) < len(key)+2 {
		return nil, false
	}
	compressed := body[len(key)] == 1
	rest := body[len(key)+2:]
	for range 2 { // language tag, translated keyword
		k := bytes.IndexByte(rest, 0)
		if k < 0 {
			return nil, false
		}
		rest = rest[k+1:]
	}
	if !compressed {
		return bytes.Clone(rest), len(rest) <= maxXMP
	}
	zr, err := zlib.NewReader(bytes.NewReader(rest))
	if err != nil {
		return nil, false
	}
	xmp, err := io.ReadAll(io.LimitReader(zr, maxXMP+1))
	return xmp, err == nil && len(xmp) <= maxXMP
}

// pngXMPChunk is the body of the iTXt chunk that holds an XMP packet,
// uncompressed, as Adobe and exiftool write it.
func pngXMPChunk(xmp []byte) []byte {
	return append([]byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"), xmp...)
}

// xmpOrientation matches the orientation an XMP packet gives, as an
// attribute or an element.
var xmpOrientation = regexp.MustCompile(`(tiff:Orientation\s*=\s*["']|<tiff:Orientation>\s*)[1-8]`)

// uprightXMP returns a copy of the XMP packet xmp with its orientation,
// if it gives one, set to 1, for pixels written upright.
func uprightXMP(xmp []byte) []byte {
	return xmpOrientation.ReplaceAll(xmp, []byte("${1}1"))
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
