package imgproc

import (
	"bytes"
	"compress/lzw"
	"errors"
	"fmt"
)

// gifImage is where an image descriptor of a GIF is, and what it says.
type gifImage struct {
	start    int  // the descriptor's 0x2C
	width    int  // of the frame
	height   int  //
	hasLCT   bool // a local colour table follows the descriptor
	codeSize int  // LZW minimum code size
	data     int  // the first data sub-block, after the code size
	end      int  // after the terminating empty sub-block
}

// gifLayout walks the blocks of a GIF without decoding pixels and returns
// its image descriptors, whether it has a global colour table, and where
// its blocks start (after that table). It stops at the trailer or at the
// first malformed block, returning what it found before.
func gifLayout(data []byte) (images []gifImage, hasGCT bool, blocks int) {
	if len(data) < 13 {
		return nil, false, len(data)
	}
	hasGCT = data[10]&0x80 != 0
	i := 13
	if hasGCT {
		i += 3 << (data[10]&7 + 1)
	}
	blocks = i
	skipSubBlocks := func(i int) int {
		for i < len(data) {
			n := int(data[i])
			i++
			if n == 0 {
				return i
			}
			i += n
		}
		return -1
	}
	for i >= 0 && i < len(data) {
		switch data[i] {
		case 0x21: // extension
			if i+2 > len(data) {
				return images, hasGCT, blocks
			}
			i = skipSubBlocks(i + 2)
		case 0x2C: // image descriptor
			if i+11 > len(data) {
				return images, hasGCT, blocks
			}
			im := gifImage{start: i, width: int(data[i+5]) | int(data[i+6])<<8, height: int(data[i+7]) | int(data[i+8])<<8}
			flags := data[i+9]
			i += 10
			if im.hasLCT = flags&0x80 != 0; im.hasLCT {
				i += 3 << (flags&7 + 1)
			}
			if i >= len(data) {
				return images, hasGCT, blocks
			}
			im.codeSize, im.data = int(data[i]), i+1
			if i = skipSubBlocks(i + 1); i < 0 {
				return images, hasGCT, blocks
			}
			im.end = i
			images = append(images, im)
		default: // 0x3B trailer, or garbage
			return images, hasGCT, blocks
		}
	}
	return images, hasGCT, blocks
}

// gifFrames counts the image descriptors of a GIF without decoding pixels.
// It returns at least 1, and stops counting at the first malformed block.
func gifFrames(data []byte) int {
	images, _, _ := gifLayout(data)
	return max(len(images), 1)
}

// gifNormalize returns data, or, for the two kinds of GIF that image/gif
// refuses and Pillow reads, a copy rewritten so that image/gif reads it
// to Pillow's pixels: a GIF without any colour table gets a global one of
// greys (Pillow reads it as a grey image, each index its own level), and
// a frame whose LZW minimum code size is over 8 (up to 11 is allowed by
// the format) is decoded and coded again at 8, if its indices fit in a
// byte.
func gifNormalize(data []byte) ([]byte, error) {
	images, hasGCT, blocks := gifLayout(data)
	needGCT, needLZW := false, false
	for _, im := range images {
		needGCT = needGCT || (!hasGCT && !im.hasLCT)
		needLZW = needLZW || im.codeSize > 8
	}
	if !needGCT && !needLZW {
		return data, nil
	}
	out := make([]byte, 0, len(data)+768)
	out = append(out, data[:blocks]...)
	if needGCT {
		out[10] |= 0x87 // a table of 256 entries
		for i := range 256 {
			out = append(out, byte(i), byte(i), byte(i))
		}
	}
	prev := blocks
	for _, im := range images {
		if im.codeSize <= 8 {
			continue
		}
		// A frame may not reach past the logical screen (image/gif refuses
		// it too), whose size the pixel budget has checked: the indices
		// are allocated before image/gif sees the frame.
		x, y := int(data[im.start+1])|int(data[im.start+2])<<8, int(data[im.start+3])|int(data[im.start+4])<<8
		if sw, sh := int(data[6])|int(data[7])<<8, int(data[8])|int(data[9])<<8; x+im.width > sw || y+im.height > sh {
			return nil, fmt.Errorf("frame at byte %d: %dx%d at (%d, %d) is outside the %dx%d screen", im.start, im.width, im.height, x, y, sw, sh)
		}
		idx, err := gifLZW(subBlocks(data[im.data:im.end]), im.codeSize, im.width*im.height)
		if err != nil {
			return nil, fmt.Errorf("frame at byte %d: %w", im.start, err)
		}
		out = append(out, data[prev:im.data-1]...)
		out = append(out, 8)
		var buf bytes.Buffer
		w := lzw.NewWriter(&buf, lzw.LSB, 8)
		w.Write(idx)
		w.Close()
		for b := buf.Bytes(); len(b) > 0; {
			n := min(len(b), 255)
			out = append(out, byte(n))
			out = append(out, b[:n]...)
			b = b[n:]
		}
		out = append(out, 0)
		prev = im.end
	}
	return append(out, data[prev:]...), nil
}

// subBlocks joins the data sub-blocks that start b (a length byte, then
// that many bytes, until an empty one).
func subBlocks(b []byte) []byte {
	var out []byte
	for len(b) > 0 && b[0] != 0 && int(b[0]) < len(b) {
		n := int(b[0])
		out = append(out, b[1:1+n]...)
		b = b[1+n:]
	}
	return out
}

// gifLZW decodes GIF LZW data of any minimum code size from 2 to 11
// (codes of up to 12 bits) to at most n indices, which must fit in a
// byte; data ending early leaves the rest 0, as image/gif and Pillow do.
func gifLZW(data []byte, minCode, n int) ([]byte, error) {
	if minCode < 2 || minCode > 11 {
		return nil, fmt.Errorf("%w: LZW minimum code size %d", ErrUnsupported, minCode)
	}
	clear, eoi := 1<<minCode, 1<<minCode+1
	var prefix [4096]uint16
	var suffix, first [4096]byte
	var length [4096]uint16
	next, width := eoi+1, minCode+1
	old := -1
	out := make([]byte, 0, n)
	var acc uint32
	bits, i := 0, 0
	emit := func(code int) {
		l := int(length[code])
		start := len(out)
		out = append(out, make([]byte, l)...)
		for c, k := code, l-1; k >= 0; k-- {
			out[start+k] = suffix[c]
			c = int(prefix[c])
		}
	}
	for len(out) < n {
		for bits < width && i < len(data) {
			acc |= uint32(data[i]) << bits
			bits += 8
			i++
		}
		if bits < width {
			break // the data ends early
		}
		code := int(acc & (1<<width - 1))
		acc >>= width
		bits -= width
		switch {
		case code == clear:
			next, width, old = eoi+1, minCode+1, -1
			continue
		case code == eoi:
			return append(out, make([]byte, n-len(out))...), nil
		case code < clear:
			if code > 255 {
				return nil, fmt.Errorf("%w: colour index %d of a frame coded with %d-bit LZW (past 255)", ErrUnsupported, code, minCode)
			}
			suffix[code], first[code], length[code] = byte(code), byte(code), 1
		}
		switch {
		case old < 0:
			if code >= clear {
				return nil, errors.New("LZW data starts with a code not in the table")
			}
			emit(code)
		case code < next:
			emit(code)
			if next < 4096 {
				prefix[next], suffix[next], first[next], length[next] = uint16(old), first[code], first[old], length[old]+1
				next++
			}
		case code == next && next < 4096:
			prefix[next], suffix[next], first[next], length[next] = uint16(old), first[old], first[old], length[old]+1
			next++
			emit(code)
		default:
			return nil, fmt.Errorf("LZW code %d past the table's %d entries", code, next)
		}
		old = code
		if next == 1<<width && width < 12 {
			width++
		}
	}
	if len(out) > n {
		out = out[:n]
	}
	return append(out, make([]byte, n-len(out))...), nil
}
