package imgproc

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"io"
)

// The BMP decoder reads what Pillow 9.4's BmpImagePlugin reads, to the
// same pixels: the OS/2 1.x (12-byte), Windows 3 (40), OS/2 2.x (64), V4
// (108) and V5 (124) headers; 1-, 4- and 8-bit palettes (3- or 4-byte
// entries, as many as the header says); 16-bit 5-5-5 and 5-6-5, 24-bit,
// 32-bit with the channel masks Pillow knows (alpha only when a mask says
// so: a plain 32-bit BMP is opaque); RLE8 and RLE4; bottom-up and
// top-down rows. golang.org/x/image/bmp reads a third of that and takes
// the fourth byte of a plain 32-bit V4/V5 BMP for alpha. Two places where
// Pillow's RLE reader is wrong are read as the format says instead (a
// delta escape is two bytes, Pillow reads four; an odd absolute run of
// RLE4 pixels has its last pixel, which Pillow drops).

// bmpInfo is a BMP's headers, parsed.
type bmpInfo struct {
	width, height int
	topDown       bool
	bits          int
	compression   uint32
	masks         [4]uint32 // R, G, B, A for BI_BITFIELDS
	palette       color.Palette
	offset        int // of the pixel data
}

const (
	bmpRGB       = 0
	bmpRLE8      = 1
	bmpRLE4      = 2
	bmpBitfields = 3
)

// parseBMP reads a BMP's headers and palette, as Pillow does.
func parseBMP(data []byte) (*bmpInfo, error) {
	if len(data) < 18 || string(data[:2]) != "BM" {
		return nil, fmt.Errorf("BMP headers: %w", io.ErrUnexpectedEOF)
	}
	le16 := func(b []byte) int { return int(binary.LittleEndian.Uint16(b)) }
	le32 := func(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
	offset := int(le32(data[10:]))
	hsize := int(le32(data[14:]))
	if len(data) < 14+hsize || hsize < 12 {
		return nil, fmt.Errorf("BMP header of %d bytes: %w", hsize, io.ErrUnexpectedEOF)
	}
	h := data[18 : 14+hsize]
	b := &bmpInfo{}
	colors, entry := 0, 4
	switch hsize {
	case 12: // OS/2 1.x
		b.width, b.height, b.bits, entry = le16(h[0:]), le16(h[2:]), le16(h[6:]), 3
	case 40, 64, 108, 124:
		b.width = int(int32(le32(h[0:])))
		b.height = int(int32(le32(h[4:])))
		if b.height < 0 {
			b.height, b.topDown = -b.height, true
		}
		b.bits, b.compression, colors = le16(h[10:]), le32(h[12:]), int(le32(h[28:]))
	default:
		return nil, fmt.Errorf("%w: BMP header of %d bytes", ErrUnsupported, hsize)
	}
	pos := 14 + hsize // where the palette, or a 40-byte header's masks, are
	if b.compression == bmpBitfields {
		if hsize >= 56 {
			for i := range 4 {
				b.masks[i] = le32(h[36+4*i:])
			}
		} else {
			if len(data) < pos+12 {
				return nil, fmt.Errorf("BMP channel masks: %w", io.ErrUnexpectedEOF)
			}
			for i := range 3 {
				b.masks[i] = le32(data[pos+4*i:])
			}
			pos += 12
		}
	}
	switch {
	case b.width <= 0 || b.height <= 0:
		return nil, fmt.Errorf("BMP of %dx%d pixels", b.width, b.height)
	case b.bits != 1 && b.bits != 2 && b.bits != 4 && b.bits != 8 && b.bits != 16 && b.bits != 24 && b.bits != 32:
		return nil, fmt.Errorf("%w: %d-bit BMP", ErrUnsupported, b.bits)
	}
	switch b.compression {
	case bmpRGB:
	case bmpRLE8, bmpRLE4:
		if want := map[uint32]int{bmpRLE8: 8, bmpRLE4: 4}[b.compression]; b.bits != want {
			return nil, fmt.Errorf("%w: %d-bit BMP with RLE%d compression", ErrUnsupported, b.bits, want)
		}
	case bmpBitfields:
		if !bmpMasksKnown(b.bits, b.masks) {
			return nil, fmt.Errorf("%w: %d-bit BMP with channel masks %#x", ErrUnsupported, b.bits, b.masks)
		}
	default:
		return nil, fmt.Errorf("%w: BMP compression %d (only uncompressed, RLE and bitfields)", ErrUnsupported, b.compression)
	}
	if colors == 0 {
		colors = 1 << min(b.bits, 24)
	}
	if b.bits <= 8 {
		if colors > 65536 {
			return nil, fmt.Errorf("BMP palette of %d colours", colors)
		}
		if offset == 14+hsize { // the pixels said to start where the palette does
			offset += 4 * colors
		}
		if len(data) < pos+entry*colors {
			return nil, fmt.Errorf("BMP palette: %w", io.ErrUnexpectedEOF)
		}
		b.palette = make(color.Palette, colors)
		for i := range colors {
			p := data[pos+entry*i:]
			b.palette[i] = color.RGBA{p[2], p[1], p[0], 255}
		}
	}
	b.offset = offset
	return b, nil
}

// bmpMasksKnown reports whether Pillow reads a BMP of these bits with
// these channel masks.
func bmpMasksKnown(bits int, m [4]uint32) bool {
	switch bits {
	case 32:
		switch m {
		case [4]uint32{0xff0000, 0xff00, 0xff, 0}, [4]uint32{0xff000000, 0xff0000, 0xff00, 0},
			[4]uint32{0xff000000, 0xff0000, 0xff00, 0xff}, [4]uint32{0xff, 0xff00, 0xff0000, 0xff000000},
			[4]uint32{0xff0000, 0xff00, 0xff, 0xff000000}, [4]uint32{}:
			return true
		}
	case 24:
		return [3]uint32(m[:3]) == [3]uint32{0xff0000, 0xff00, 0xff}
	case 16:
		return [3]uint32(m[:3]) == [3]uint32{0xf800, 0x7e0, 0x1f} || [3]uint32(m[:3]) == [3]uint32{0x7c00, 0x3e0, 0x1f}
	}
	return false
}

// decodeBMPConfig returns a BMP's size and colour model.
func decodeBMPConfig(data []byte) (image.Config, error) {
	b, err := parseBMP(data)
	if err != nil {
		return image.Config{}, err
	}
	var m color.Model = color.RGBAModel
	if b.palette != nil {
		m = b.palette
	} else if b.hasAlpha() {
		m = color.NRGBAModel
	}
	return image.Config{ColorModel: m, Width: b.width, Height: b.height}, nil
}

// hasAlpha reports whether the pixels carry alpha: 32 bits with an alpha
// mask (an all-zero mask set counts as BGRA, as in Pillow).
func (b *bmpInfo) hasAlpha() bool {
	return b.bits == 32 && b.compression == bmpBitfields && (b.masks[3] != 0 || b.masks == [4]uint32{})
}

// decodeBMP decodes a BMP whose size the caller has checked against the
// pixel budget: an *image.Paletted for 1 to 8 bits, an *image.NRGBA when
// there is alpha, an opaque *image.RGBA otherwise. The pixel data may end
// without the last row's padding, as Pillow allows.
func decodeBMP(data []byte) (image.Image, error) {
	b, err := parseBMP(data)
	if err != nil {
		return nil, err
	}
	if b.offset > len(data) {
		return nil, fmt.Errorf("BMP pixel data at %d, past the end: %w", b.offset, io.ErrUnexpectedEOF)
	}
	px := data[b.offset:]
	r := image.Rect(0, 0, b.width, b.height)
	// row returns the image row of the y-th row stored.
	row := func(y int) int {
		if b.topDown {
			return y
		}
		return b.height - 1 - y
	}
	if b.palette != nil {
		m := image.NewPaletted(r, b.palette)
		if b.compression == bmpRLE8 || b.compression == bmpRLE4 {
			idx, ok := bmpRLE(px, b.width, b.height, b.compression == bmpRLE4)
			if !ok {
				return nil, fmt.Errorf("BMP RLE data ends before the image does: %w", io.ErrUnexpectedEOF)
			}
			for y := range b.height {
				copy(m.Pix[row(y)*m.Stride:][:b.width], idx[y*b.width:])
			}
		} else {
			stride := (b.width*b.bits + 31) / 32 * 4
			for y := range b.height {
				src, err := bmpRow(px, y, stride, (b.width*b.bits+7)/8)
				if err != nil {
					return nil, err
				}
				dst := m.Pix[row(y)*m.Stride:][:b.width]
				per := 8 / b.bits
				for x := range dst {
					v := src[x/per] >> (8 - b.bits - (x%per)*b.bits) & (1<<b.bits - 1)
					dst[x] = v
				}
			}
		}
		// Indices past the palette are grey, their own value in each
		// channel, as in Pillow, whose palettes start as a grey ramp.
		for i := len(m.Palette); i < 256; i++ {
			m.Palette = append(m.Palette, color.RGBA{uint8(i), uint8(i), uint8(i), 255})
		}
		return m, nil
	}
	alpha := b.hasAlpha()
	var pix []byte
	var stride int
	var out image.Image
	if alpha {
		n := image.NewNRGBA(r)
		pix, stride, out = n.Pix, n.Stride, n
	} else {
		n := image.NewRGBA(r)
		pix, stride, out = n.Pix, n.Stride, n
	}
	bpp := b.bits / 8
	rowBytes := (b.width*b.bits + 31) / 32 * 4
	order := bmpOrder(b)
	for y := range b.height {
		src, err := bmpRow(px, y, rowBytes, b.width*bpp)
		if err != nil {
			return nil, err
		}
		dst := pix[row(y)*stride:][:4*b.width]
		for x := range b.width {
			p, q := src[bpp*x:bpp*x+bpp], dst[4*x:4*x+4:4*x+4]
			switch b.bits {
			case 16:
				v := int(p[0]) | int(p[1])<<8
				if b.compression == bmpBitfields && b.masks[1] == 0x7e0 { // 5-6-5
					q[0], q[1], q[2] = byte((v>>11&31)*255/31), byte((v>>5&63)*255/63), byte((v&31)*255/31)
				} else { // 5-5-5
					q[0], q[1], q[2] = byte((v>>10&31)*255/31), byte((v>>5&31)*255/31), byte((v&31)*255/31)
				}
				q[3] = 255
			case 24:
				q[0], q[1], q[2], q[3] = p[2], p[1], p[0], 255
			case 32:
				q[0], q[1], q[2], q[3] = p[order[0]], p[order[1]], p[order[2]], 255
				if alpha {
					q[3] = p[order[3]]
				}
			}
		}
	}
	return out, nil
}

// bmpOrder returns where R, G, B and A are in a 32-bit pixel's bytes.
func bmpOrder(b *bmpInfo) [4]int {
	if b.compression != bmpBitfields || b.masks == [4]uint32{} {
		return [4]int{2, 1, 0, 3} // BGRA (or BGRX)
	}
	var o [4]int
	for c, m := range b.masks {
		for i := range 4 {
			if m == 0xff<<(8*i) {
				o[c] = i
			}
		}
	}
	return o
}

// bmpRow returns the n bytes of the y-th row stored, rows stride bytes
// apart; the last row may lack its padding.
func bmpRow(px []byte, y, stride, n int) ([]byte, error) {
	if o := y * stride; o+n <= len(px) {
		return px[o : o+n], nil
	}
	return nil, fmt.Errorf("BMP pixel data ends in row %d: %w", y+1, io.ErrUnexpectedEOF)
}

// bmpRLE expands RLE8 or RLE4 data to w×h palette indices in storage row
// order, as Pillow's BmpRleDecoder does: pixels skipped by an end of row,
// a move or an end of bitmap are index 0; a run past the end of its row
// is cut there. ok is false if the data ends before the image is filled
// without an end-of-bitmap mark.
func bmpRLE(data []byte, w, h int, rle4 bool) (idx []byte, ok bool) {
	out := make([]byte, 0, w*h)
	x := 0
	i := 0
	for len(out) < w*h {
		if i+2 > len(data) {
			return nil, false
		}
		n, v := int(data[i]), data[i+1]
		i += 2
		if n > 0 { // a run of n pixels
			n = min(n, max(w-x, 0))
			for k := range n {
				if !rle4 {
					out = append(out, v)
				} else if k%2 == 0 {
					out = append(out, v>>4)
				} else {
					out = append(out, v&15)
				}
			}
			x += n
			continue
		}
		switch v {
		case 0: // end of row
			for len(out)%w != 0 {
				out = append(out, 0)
			}
			x = 0
		case 1: // end of bitmap: the rest is index 0
			out = append(out, make([]byte, max(w*h-len(out), 0))...)
		case 2: // move right and up (down the image) by the next two bytes
			if i+2 > len(data) {
				return nil, false
			}
			right, up := int(data[i]), int(data[i+1])
			i += 2
			out = append(out, make([]byte, min(right+up*w, w*h-len(out)))...)
			x = len(out) % w
		default: // v literal pixels, padded to 16 bits
			n := int(v)
			size := n
			if rle4 {
				size = (n + 1) / 2
			}
			if i+size > len(data) {
				return nil, false
			}
			for k := range n {
				if !rle4 {
					out = append(out, data[i+k])
				} else if c := data[i+k/2]; k%2 == 0 {
					out = append(out, c>>4)
				} else {
					out = append(out, c&15)
				}
			}
			x += n
			i += size + size%2
		}
	}
	return out[:w*h], true
}
