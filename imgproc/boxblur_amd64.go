package imgproc

import "unsafe"

// useAVX2 selects the AVX2 versions of the vertical passes' inner loops
// (boxblur_amd64.s). They compute the same integers as the portable code.
var useAVX2 = cpuHasAVX2()

func cpuHasAVX2() bool

//go:noescape
func boxStepAVX2(out, acc, sub, add, far *uint32, n int, ww, fw uint32)

//go:noescape
func boxStepBytesAVX2(out *byte, acc, sub, add, far *uint32, n int, ww, fw uint32)

// u32 returns the address of the first 32-bit lane of a packed slice.
func u32(s []uint64) *uint32 { return (*uint32)(unsafe.Pointer(unsafe.SliceData(s))) }

// boxStepVec runs the vectorised vertical step on the first lanes of the
// rows (a multiple of 8 lanes, that is of 4 pairs) and returns how many
// pairs it did.
func boxStepVec(out, acc, sub, add, far []uint64, ww, fw uint64) int {
	pairs := len(acc) &^ 3
	if !useAVX2 || pairs == 0 {
		return 0
	}
	_, _, _, _ = out[pairs-1], sub[pairs-1], add[pairs-1], far[pairs-1]
	boxStepAVX2(u32(out), u32(acc), u32(sub), u32(add), u32(far), 2*pairs, uint32(ww), uint32(fw))
	return pairs
}

// boxStepBytesVec is boxStepVec writing bytes: it fills out[:2*pairs].
func boxStepBytesVec(out []byte, acc, sub, add, far []uint64, ww, fw uint64) int {
	pairs := (len(out) / 2) &^ 3
	if !useAVX2 || pairs == 0 {
		return 0
	}
	_, _, _, _, _ = out[2*pairs-1], acc[pairs-1], sub[pairs-1], add[pairs-1], far[pairs-1]
	boxStepBytesAVX2(unsafe.SliceData(out), u32(acc), u32(sub), u32(add), u32(far), 2*pairs, uint32(ww), uint32(fw))
	return pairs
}

//go:noescape
func boxLineAVX2(out, p *uint32, w, r int, ww, fw uint32)

//go:noescape
func interleave8AVX2(dst *uint32, rows *[8]*byte, n int)

//go:noescape
func deinterleave8AVX2(rows *[8]*uint32, src *uint32, n int)

// maxVecPad bounds the edge padding of the vectorised horizontal passes,
// relative to the line length; wider boxes take the portable path.
const maxVecPad = 4

// blurRowsVec runs the horizontal passes of blurPlane eight rows at a time
// with AVX2 and stores the result in q's strip layout. It reports false,
// doing nothing, when AVX2 is missing or the box is far wider than a row.
func blurRowsVec(q []uint64, src plane, bx box, passes int, sc *scratch) bool {
	w, h, r := src.w, src.h, bx.r
	if !useAVX2 || 2*r+2 > maxVecPad*w {
		return false
	}
	n := w + 2*r + 2 // positions per line, with the padding
	sc.p = grow(sc.p, 8*n)
	sc.pb = grow(sc.pb, 8*n)
	p, pb := sc.p, sc.pb
	m := (w + 1) / 2
	q32 := unsafe.Slice(u32(q), 2*len(q))
	var rows [8][]byte
	for y0 := 0; y0 < h; y0 += 8 {
		for j := range rows {
			rows[j] = src.row(min(y0+j, h-1))
		}
		// Interleave the 8 rows: position x of row j at p[8*(x+r+1)+j].
		body := p[8*(r+1) : 8*(r+1+w)]
		w8 := w &^ 7
		if w8 > 0 {
			var ptrs [8]*byte
			for j, row := range rows {
				ptrs[j] = &row[0]
			}
			interleave8AVX2(&body[0], &ptrs, w8)
		}
		for j, row := range rows {
			row = row[:w]
			for x := w8; x < w; x++ {
				body[8*x+j] = uint32(row[x])
			}
		}
		padLines(p, w, r)
		for k := 0; k < passes; k++ {
			boxLineAVX2(&pb[8*(r+1)], &p[0], w, r, bx.ww, bx.fw)
			padLines(pb, w, r)
			p, pb = pb, p
		}
		// Scatter into the strips of column pairs; rows past the end of
		// the plane go to a junk row.
		sc.junk = grow(sc.junk, 2*stripPairs)
		for s0 := 0; s0 < m; s0 += stripPairs {
			sw := min(stripPairs, m-s0)
			n8 := min(2*sw, w-2*s0) &^ 7
			var ptrs [8]*uint32
			for j := range ptrs {
				ptrs[j] = &sc.junk[0]
				if y := y0 + j; y < h {
					ptrs[j] = &q32[2*s0*h+2*sw*y]
				}
			}
			if n8 > 0 {
				deinterleave8AVX2(&ptrs, &p[8*(2*s0+r+1)], n8)
			}
			for j := 0; j < 8 && y0+j < h; j++ {
				dst := q32[2*s0*h+2*sw*(y0+j) : 2*s0*h+2*sw*(y0+j)+2*sw]
				for k := n8; k < len(dst); k++ {
					x := min(2*s0+k, w-1)
					dst[k] = p[8*(x+r+1)+j]
				}
			}
		}
	}
	return true
}

// padLines fills the r+1 positions on each side of 8 interleaved lines of
// w positions with copies of their first and last positions.
func padLines(p []uint32, w, r int) {
	first := p[8*(r+1) : 8*(r+2)]
	last := p[8*(r+w) : 8*(r+w+1)]
	for i := 0; i <= r; i++ {
		copy(p[8*i:8*i+8], first)
		copy(p[8*(r+w+1+i):8*(r+w+2+i)], last)
	}
}
