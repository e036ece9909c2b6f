package imgproc

// useAVX2 selects the AVX2 versions of the vertical passes' inner loops
// (boxblur_amd64.s). They compute the same integers as the portable code.
var useAVX2 = cpuHasAVX2()

func cpuHasAVX2() bool

//go:noescape
func boxStepAVX2(out *byte, acc *uint32, sub, add, far *byte, n int, ww, fw uint32)

// boxStepVec runs the vertical step with AVX2 on the first columns (a
// multiple of 8) and returns how many it did.
func boxStepVec(out []byte, acc []uint32, sub, add, far []byte, ww, fw uint32) int {
	n := len(acc) &^ 7
	if !useAVX2 || n == 0 {
		return 0
	}
	_, _, _, _ = out[n-1], sub[n-1], add[n-1], far[n-1]
	boxStepAVX2(&out[0], &acc[0], &sub[0], &add[0], &far[0], n, ww, fw)
	return n
}

//go:noescape
func boxLineAVX2(out, p *uint32, w, r int, ww, fw uint32)

//go:noescape
func interleave8AVX2(dst *uint32, rows *[8]*byte, n int)

//go:noescape
func deinterleave8AVX2(rows *[8]*byte, src *uint32, n int)

// maxVecPad bounds the edge padding of the vectorised horizontal passes,
// relative to the line length; wider boxes take the portable path.
const maxVecPad = 4

// blurRowsVec runs the horizontal passes of blurPlane eight rows at a time
// with AVX2 and stores the result in q's strip layout. It reports false,
// doing nothing, when AVX2 is missing or the box is far wider than a row.
func blurRowsVec(q []byte, src plane, bx box, passes int, sc *scratch) bool {
	w, h, r := src.w, src.h, bx.r
	if !useAVX2 || 2*r+2 > maxVecPad*w {
		return false
	}
	n := w + 2*r + 2 // positions per line, with the padding
	sc.p = grow(sc.p, 8*n)
	sc.pb = grow(sc.pb, 8*n)
	sc.junk = grow(sc.junk, stripCols)
	p, pb := sc.p, sc.pb
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
		// Scatter into the strips; rows past the end of the plane go to a
		// junk row.
		for s0 := 0; s0 < w; s0 += stripCols {
			sw := min(stripCols, w-s0)
			n8 := sw &^ 7
			if n8 > 0 {
				var ptrs [8]*byte
				for j := range ptrs {
					ptrs[j] = &sc.junk[0]
					if y := y0 + j; y < h {
						ptrs[j] = &q[s0*h+sw*y]
					}
				}
				deinterleave8AVX2(&ptrs, &p[8*(s0+r+1)], n8)
			}
			for j := 0; j < 8 && y0+j < h; j++ {
				dst := q[s0*h+sw*(y0+j) : s0*h+sw*(y0+j)+sw]
				for k := n8; k < sw; k++ {
					dst[k] = byte(p[8*(s0+k+r+1)+j])
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
