package imgproc

import (
	"encoding/binary"
	"image"
	"math/bits"
	"sync"
)

// This file is a baseline JPEG encoder for 4:2:0 *image.YCbCr and
// *image.Gray images, the pure-Go encoder of the JPEGStd codec. It writes
// what image/jpeg writes (the same quality scaling, the ITU T.81 Annex K
// quantisation and Huffman tables, the islow integer DCT of libjpeg) about
// twice as fast: it reads 8×8 blocks straight from the planes (image/jpeg
// calls COffset per pixel and scales chroma it already has at 4:2:0),
// quantises by multiplying with exact reciprocals instead of dividing, and
// packs Huffman codes 64 bits at a time.

// zigzag maps the zig-zag order to the natural order of an 8×8 block.
var zigzag = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

// baseQuant holds the Annex K luminance and chrominance quantisation tables
// in zig-zag order, for quality 50.
var baseQuant = [2][64]uint8{
	{
		16, 11, 12, 14, 12, 10, 16, 14, 13, 14, 18, 17, 16, 19, 24, 40,
		26, 24, 22, 22, 24, 49, 35, 37, 29, 40, 58, 51, 61, 60, 57, 51,
		56, 55, 64, 72, 92, 78, 64, 68, 87, 69, 55, 56, 80, 109, 81, 87,
		95, 98, 103, 104, 103, 62, 77, 113, 121, 112, 100, 120, 92, 101, 103, 99,
	},
	{
		17, 18, 18, 24, 21, 24, 47, 26, 26, 47, 99, 66, 56, 66, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
	},
}

// huffSpec is a Huffman table as JPEG stores it: the number of codes of
// each length 1 to 16, then the symbols in code order.
type huffSpec struct {
	counts [16]uint8
	values []uint8
}

// Annex K tables: luminance DC, luminance AC, chrominance DC, chrominance AC.
var huffSpecs = [4]huffSpec{
	{[16]uint8{0, 1, 5, 1, 1, 1, 1, 1, 1}, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	{[16]uint8{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125}, []uint8{
		0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
		0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
		0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
		0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
		0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
		0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
		0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
		0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
		0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa,
	}},
	{[16]uint8{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	{[16]uint8{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119}, []uint8{
		0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
		0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
		0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
		0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
		0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
		0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
		0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
		0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
		0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
		0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa,
	}},
}

// huffCode is a symbol's code: the code in the low bits, its length above.
type huffCode struct {
	code uint32
	size uint8
}

// huffTables are the codes of huffSpecs, by symbol.
var huffTables = sync.OnceValue(func() *[4][256]huffCode {
	t := new([4][256]huffCode)
	for i, s := range huffSpecs {
		code, k := uint32(0), 0
		for n, count := range s.counts {
			for range count {
				t[i][s.values[k]] = huffCode{code: code, size: uint8(n + 1)}
				code++
				k++
			}
			code <<= 1
		}
	}
	return t
})

// jpegTables are the quantisation tables for one quality.
type jpegTables struct {
	quant [2][64]uint8  // zig-zag order, as written in DQT
	recip [2][64]uint64 // natural order: ceil(2³²/(8q)) for the scaled DCT output
	half  [2][64]uint32 // natural order: 8q/2, for rounding
}

func newJPEGTables(quality int) *jpegTables {
	quality = min(max(quality, 1), 100)
	scale := 200 - 2*quality
	if quality < 50 {
		scale = 5000 / quality
	}
	t := new(jpegTables)
	for i := range t.quant {
		for zig, b := range baseQuant[i] {
			q := min(max((int(b)*scale+50)/100, 1), 255)
			t.quant[i][zig] = uint8(q)
			d := uint64(8 * q)
			nat := zigzag[zig]
			t.recip[i][nat] = (1<<32 + d - 1) / d
			t.half[i][nat] = uint32(d / 2)
		}
	}
	return t
}

// bitWriter packs Huffman codes into bytes, stuffing a zero after each 0xff.
type bitWriter struct {
	out  []byte
	acc  uint64 // pending bits, right-aligned
	nacc uint   // number of pending bits
}

func (w *bitWriter) put(code uint32, size uint) {
	w.acc = w.acc<<size | uint64(code)
	w.nacc += size
	if w.nacc >= 32 {
		w.nacc -= 32
		v := uint32(w.acc >> w.nacc)
		if !hasFF(v) {
			w.out = binary.BigEndian.AppendUint32(w.out, v)
			return
		}
		for shift := 24; shift >= 0; shift -= 8 {
			b := byte(v >> shift)
			w.out = append(w.out, b)
			if b == 0xff {
				w.out = append(w.out, 0)
			}
		}
	}
}

// hasFF reports whether any byte of v is 0xff.
func hasFF(v uint32) bool {
	x := ^v // a 0xff byte becomes 0x00
	return (x-0x01010101)&^x&0x80808080 != 0
}

// flush pads the last byte with one bits.
func (w *bitWriter) flush() {
	for w.nacc >= 8 {
		w.nacc -= 8
		b := byte(w.acc >> w.nacc)
		w.out = append(w.out, b)
		if b == 0xff {
			w.out = append(w.out, 0)
		}
	}
	if w.nacc > 0 {
		b := byte(w.acc<<(8-w.nacc)) | byte(0xff>>w.nacc)
		w.out = append(w.out, b)
		if b == 0xff {
			w.out = append(w.out, 0)
		}
		w.nacc = 0
	}
}

// Fixed-point constants of the islow DCT (libjpeg's jfdctint.c), 13 bits.
const (
	fix_0_298631336 = 2446
	fix_0_390180644 = 3196
	fix_0_541196100 = 4433
	fix_0_765366865 = 6270
	fix_0_899976223 = 7373
	fix_1_175875602 = 9633
	fix_1_501321110 = 12299
	fix_1_847759065 = 15137
	fix_1_961570560 = 16069
	fix_2_053119869 = 16819
	fix_2_562915447 = 20995
	fix_3_072711026 = 25172
	constBits       = 13
	pass1Bits       = 2
)

// fdct is the islow forward DCT of libjpeg, in place; the output is scaled
// up by 8.
func fdct(b *[64]int32) {
	for y := 0; y < 64; y += 8 {
		r := b[y : y+8 : y+8]
		t0, t7 := r[0]+r[7], r[0]-r[7]
		t1, t6 := r[1]+r[6], r[1]-r[6]
		t2, t5 := r[2]+r[5], r[2]-r[5]
		t3, t4 := r[3]+r[4], r[3]-r[4]
		t10, t13 := t0+t3, t0-t3
		t11, t12 := t1+t2, t1-t2
		r[0] = (t10 + t11) << pass1Bits
		r[4] = (t10 - t11) << pass1Bits
		z1 := (t12 + t13) * fix_0_541196100
		const d1 = constBits - pass1Bits
		r[2] = (z1 + t13*fix_0_765366865 + 1<<(d1-1)) >> d1
		r[6] = (z1 - t12*fix_1_847759065 + 1<<(d1-1)) >> d1
		z1, z2, z3, z4 := t4+t7, t5+t6, t4+t6, t5+t7
		z5 := (z3 + z4) * fix_1_175875602
		t4 *= fix_0_298631336
		t5 *= fix_2_053119869
		t6 *= fix_3_072711026
		t7 *= fix_1_501321110
		z1 *= -fix_0_899976223
		z2 *= -fix_2_562915447
		z3 = z3*-fix_1_961570560 + z5
		z4 = z4*-fix_0_390180644 + z5
		r[7] = (t4 + z1 + z3 + 1<<(d1-1)) >> d1
		r[5] = (t5 + z2 + z4 + 1<<(d1-1)) >> d1
		r[3] = (t6 + z2 + z3 + 1<<(d1-1)) >> d1
		r[1] = (t7 + z1 + z4 + 1<<(d1-1)) >> d1
	}
	for x := 0; x < 8; x++ {
		t0, t7 := b[x]+b[56+x], b[x]-b[56+x]
		t1, t6 := b[8+x]+b[48+x], b[8+x]-b[48+x]
		t2, t5 := b[16+x]+b[40+x], b[16+x]-b[40+x]
		t3, t4 := b[24+x]+b[32+x], b[24+x]-b[32+x]
		t10, t13 := t0+t3, t0-t3
		t11, t12 := t1+t2, t1-t2
		b[x] = (t10 + t11 + 1<<(pass1Bits-1)) >> pass1Bits
		b[32+x] = (t10 - t11 + 1<<(pass1Bits-1)) >> pass1Bits
		z1 := (t12 + t13) * fix_0_541196100
		const d2 = constBits + pass1Bits
		b[16+x] = (z1 + t13*fix_0_765366865 + 1<<(d2-1)) >> d2
		b[48+x] = (z1 - t12*fix_1_847759065 + 1<<(d2-1)) >> d2
		z1, z2, z3, z4 := t4+t7, t5+t6, t4+t6, t5+t7
		z5 := (z3 + z4) * fix_1_175875602
		t4 *= fix_0_298631336
		t5 *= fix_2_053119869
		t6 *= fix_3_072711026
		t7 *= fix_1_501321110
		z1 *= -fix_0_899976223
		z2 *= -fix_2_562915447
		z3 = z3*-fix_1_961570560 + z5
		z4 = z4*-fix_0_390180644 + z5
		b[56+x] = (t4 + z1 + z3 + 1<<(d2-1)) >> d2
		b[40+x] = (t5 + z2 + z4 + 1<<(d2-1)) >> d2
		b[24+x] = (t6 + z2 + z3 + 1<<(d2-1)) >> d2
		b[8+x] = (t7 + z1 + z4 + 1<<(d2-1)) >> d2
	}
}

// blockEncoder encodes the blocks of one image.
type blockEncoder struct {
	bw  bitWriter
	t   *jpegTables
	huf *[4][256]huffCode
	blk [64]int32
}

// loadBlock copies the 8×8 block at (x0, y0) of a w×h plane, replicating
// the last column and row past the edges, and centres it on zero.
func (e *blockEncoder) loadBlock(pix []byte, stride, w, h, x0, y0 int) {
	if x0+8 <= w && y0+8 <= h {
		for y := 0; y < 8; y++ {
			row := pix[(y0+y)*stride+x0 : (y0+y)*stride+x0+8]
			d := e.blk[8*y : 8*y+8 : 8*y+8]
			for x, v := range row {
				d[x] = int32(v) - 128
			}
		}
		return
	}
	for y := 0; y < 8; y++ {
		row := pix[min(y0+y, h-1)*stride:]
		for x := 0; x < 8; x++ {
			e.blk[8*y+x] = int32(row[min(x0+x, w-1)]) - 128
		}
	}
}

// writeBlock transforms, quantises and entropy-codes e.blk with table set
// q (0 luminance, 1 chrominance) and returns the block's DC value.
func (e *blockEncoder) writeBlock(q int, prevDC int32) int32 {
	fdct(&e.blk)
	recip, half := &e.t.recip[q], &e.t.half[q]
	// Quantise in zig-zag order, without branches, noting the non-zero
	// coefficients in a bit mask.
	var zz [64]int32
	var nonzero uint64
	for zig, nat := range zigzag {
		c := e.blk[nat]
		sign := c >> 31
		a := uint64(uint32((c^sign)-sign) + half[nat])
		v := (int32((a*recip[nat])>>32) ^ sign) - sign
		zz[zig] = v
		if v != 0 {
			nonzero |= 1 << zig
		}
	}
	dc := zz[0]
	e.emit(&e.huf[2*q], 0, dc-prevDC)
	acT := &e.huf[2*q+1]
	prev := 0
	for ac := nonzero &^ 1; ac != 0; ac &= ac - 1 {
		zig := bits.TrailingZeros64(ac)
		run := uint32(zig - prev - 1)
		for run > 15 {
			h := acT[0xf0]
			e.bw.put(h.code, uint(h.size))
			run -= 16
		}
		e.emit(acT, run, zz[zig])
		prev = zig
	}
	if prev != 63 {
		h := acT[0x00]
		e.bw.put(h.code, uint(h.size))
	}
	return dc
}

// emit writes the symbol (run, size of v) then v's low size bits, one's
// complement for negative values.
func (e *blockEncoder) emit(t *[256]huffCode, run uint32, v int32) {
	a, b := v, v
	if a < 0 {
		a, b = -v, v-1
	}
	size := uint32(bits.Len32(uint32(a)))
	h := t[run<<4|size]
	e.bw.put(h.code<<size|uint32(b)&(1<<size-1), uint(h.size)+uint(size))
}

// encodeJPEGFast encodes a 4:2:0 *image.YCbCr or a *image.Gray as a baseline
// JPEG; ok is false for other images, which the caller gives to image/jpeg.
func encodeJPEGFast(img image.Image, quality int) (data []byte, ok bool) {
	var ycc *image.YCbCr
	var gray *image.Gray
	switch m := img.(type) {
	case *image.YCbCr:
		if m.SubsampleRatio != image.YCbCrSubsampleRatio420 || m.Rect.Min.X%2 != 0 || m.Rect.Min.Y%2 != 0 {
			return nil, false
		}
		ycc = m
	case *image.Gray:
		gray = m
	default:
		return nil, false
	}
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	if w == 0 || h == 0 || w > 0xffff || h > 0xffff {
		return nil, false
	}
	ncomp := 3
	if gray != nil {
		ncomp = 1
	}
	e := &blockEncoder{t: newJPEGTables(quality), huf: huffTables()}
	out := make([]byte, 0, w*h/4+1024)
	// SOI, DQT.
	out = append(out, 0xff, 0xd8)
	nq := min(ncomp, 2)
	out = append(out, 0xff, 0xdb)
	out = binary.BigEndian.AppendUint16(out, uint16(2+65*nq))
	for i := range nq {
		out = append(out, byte(i))
		out = append(out, e.t.quant[i][:]...)
	}
	// SOF0.
	out = append(out, 0xff, 0xc0)
	out = binary.BigEndian.AppendUint16(out, uint16(8+3*ncomp))
	out = append(out, 8)
	out = binary.BigEndian.AppendUint16(out, uint16(h))
	out = binary.BigEndian.AppendUint16(out, uint16(w))
	out = append(out, byte(ncomp))
	if ncomp == 1 {
		out = append(out, 1, 0x11, 0)
	} else {
		out = append(out, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	}
	// DHT.
	specs := huffSpecs[:2*nq]
	n := 2
	for _, s := range specs {
		n += 17 + len(s.values)
	}
	out = append(out, 0xff, 0xc4)
	out = binary.BigEndian.AppendUint16(out, uint16(n))
	for i, s := range specs {
		out = append(out, byte((i%2)<<4|i/2))
		out = append(out, s.counts[:]...)
		out = append(out, s.values...)
	}
	// SOS.
	out = append(out, 0xff, 0xda)
	if ncomp == 1 {
		out = append(out, 0, 8, 1, 1, 0x00, 0, 63, 0)
	} else {
		out = append(out, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0)
	}
	e.bw.out = out
	if gray != nil {
		pix := gray.Pix[gray.PixOffset(r.Min.X, r.Min.Y):]
		var dc int32
		for y := 0; y < h; y += 8 {
			for x := 0; x < w; x += 8 {
				e.loadBlock(pix, gray.Stride, w, h, x, y)
				dc = e.writeBlock(0, dc)
			}
		}
	} else {
		yp := ycc.Y[ycc.YOffset(r.Min.X, r.Min.Y):]
		ci := ycc.COffset(r.Min.X, r.Min.Y)
		cb, cr := ycc.Cb[ci:], ycc.Cr[ci:]
		cw, ch := (w+1)/2, (h+1)/2
		var dcY, dcCb, dcCr int32
		for y := 0; y < h; y += 16 {
			for x := 0; x < w; x += 16 {
				for i := range 4 {
					e.loadBlock(yp, ycc.YStride, w, h, x+8*(i%2), y+8*(i/2))
					dcY = e.writeBlock(0, dcY)
				}
				e.loadBlock(cb, ycc.CStride, cw, ch, x/2, y/2)
				dcCb = e.writeBlock(1, dcCb)
				e.loadBlock(cr, ycc.CStride, cw, ch, x/2, y/2)
				dcCr = e.writeBlock(1, dcCr)
			}
		}
	}
	e.bw.flush()
	return append(e.bw.out, 0xff, 0xd9), true
}
