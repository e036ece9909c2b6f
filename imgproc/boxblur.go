package imgproc

import (
	"math"
	"sync"
)

// This file holds the blur kernel: a port of Pillow's src/libImaging/BoxBlur.c
// working on one 8-bit plane at a time. Pillow runs the horizontal pass on
// rows, transposes, runs it again and transposes back; here the vertical pass
// walks the rows top to bottom with one accumulator per column, which computes
// the same integers without the two transposes and touches memory in order.
//
// On amd64 with AVX2, boxblur_amd64.go runs the inner loops in assembly,
// eight samples at a time: eight rows at once for the horizontal passes,
// eight columns at once for the vertical ones. The portable horizontal pass
// carries two rows in one uint64, one per 32-bit lane (SWAR); a lane's value
// never exceeds 2³²-1 (see below) and every intermediate is non-negative,
// so no carry or borrow crosses from one lane to the other.
//
// Every pass computes, for each sample x of a line with edges replicated,
//
//	acc  = in[x-r] + ... + in[x+r]
//	out  = (acc*ww + (in[x-r-1] + in[x+r+1])*fw + 1<<23) >> 24
//
// in uint32 arithmetic, where r, ww and fw come from the extended box radius
// (see newBox). The sum never exceeds 255<<24 + 1<<23, so nothing overflows,
// and the result is bit-exact with Pillow whatever order the sums are formed in.

// box is one extended box filter: integer radius r, weight ww of the inner
// 2r+1 samples and weight fw of the two fractional end samples, both in 24-bit
// fixed point.
type box struct {
	r      int
	ww, fw uint32
}

// newBox returns the box for a real radius, rounding exactly as Pillow's
// ImagingHorizontalBoxBlur does (float32 division, truncation).
func newBox(radius float32) box {
	r := int(radius)
	den := float32(radius*2) + 1
	ww := uint32(float32(1<<24) / den)
	fw := (uint32(1<<24) - uint32(r*2+1)*ww) / 2
	return box{r: r, ww: ww, fw: fw}
}

// gaussianBoxRadius is Pillow's _gaussian_blur_radius: the extended box radius
// whose passes-fold cascade has variance sigma² (Gwosdek et al., SSVM 2011).
// The float32 roundings follow the C code; explicit conversions stop the
// compiler from fusing multiply-adds, which would change the last bit.
func gaussianBoxRadius(sigma float32, passes int) float32 {
	sigma2 := float32(sigma*sigma) / float32(passes)
	bigL := float32(math.Sqrt(12.0*float64(sigma2) + 1.0))
	l := float32(math.Floor((float64(bigL) - 1.0) / 2.0))
	a := float32(float32(2*l)+1) * float32(float32(l*float32(l+1))-float32(3*sigma2))
	a /= float32(6 * float32(sigma2-float32(float32(l+1)*float32(l+1))))
	return l + a
}

// plane is an 8-bit sample plane: w×h samples, row y starting at pix[y*stride].
type plane struct {
	pix    []byte
	w, h   int
	stride int
}

func (p plane) row(y int) []byte { return p.pix[y*p.stride : y*p.stride+p.w] }

// lanesLow keeps the low byte of each 32-bit lane; half2 is 1<<23 in each
// lane, the rounding term.
const (
	lanesLow = 0x000000ff_000000ff
	half2    = 1<<23 | 1<<55
)

// scratch holds reusable buffers for one plane blur.
type scratch struct {
	a, b, c []uint64 // packed row pairs for the portable horizontal passes
	q       []byte   // the horizontal result, in strips of stripCols columns
	t       []byte   // one strip, for the vertical passes
	acc     []uint32 // one accumulator per column of a strip
	p, pb   []uint32 // eight interleaved padded rows (AVX2 horizontal passes)
	junk    []byte   // where rows past the plane's end are scattered
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// stripCols is the width of the strips the vertical passes work on: a
// strip's two buffers (h rows of stripCols bytes) stay in the L2 cache of
// current CPUs while three passes run over them.
const stripCols = 128

// blurPlane writes to dst the blur of src by passes (at least 1) horizontal
// boxes bx followed by passes vertical boxes by. dst and src must have the
// same size; they may be the same plane.
//
// The horizontal result goes to a scratch plane laid out in strips: strip
// s holds columns [s, s+stripCols) of every row, contiguously, so that the
// vertical passes can run strip by strip in cache.
//
// stop is checked before the horizontal passes and before each strip of
// the vertical ones (a few milliseconds of work each on a large photo);
// its error ends the blur with dst partly written.
func blurPlane(dst, src plane, bx, by box, passes int, stop stopFunc) error {
	w, h := src.w, src.h
	if w == 0 || h == 0 {
		return nil
	}
	if err := stop.check(); err != nil {
		return err
	}
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	sc.q = grow(sc.q, w*h)
	sc.t = grow(sc.t, min(stripCols, w)*h)
	sc.acc = grow(sc.acc, stripCols)
	q := sc.q
	if !blurRowsVec(q, src, bx, passes, sc) {
		// Portable: two rows at a time, one per 32-bit lane (the last row
		// pairs with itself when h is odd).
		sc.a = grow(sc.a, w)
		sc.b = grow(sc.b, w)
		sc.c = grow(sc.c, w)
		for y0 := 0; y0 < h; y0 += 2 {
			y1 := min(y0+1, h-1)
			r0, r1 := src.row(y0), src.row(y1)
			in := sc.a[:len(r0)]
			r1 = r1[:len(r0)]
			for x, v := range r0 {
				in[x] = uint64(v) | uint64(r1[x])<<32
			}
			cur, bufs := in, [2][]uint64{sc.b, sc.c}
			for p := 0; p < passes; p++ {
				boxLine2(bufs[p%2], cur, bx)
				cur = bufs[p%2]
			}
			for s0 := 0; s0 < w; s0 += stripCols {
				sw := min(stripCols, w-s0)
				q0 := q[s0*h+y0*sw : s0*h+y0*sw+sw]
				q1 := q[s0*h+y1*sw : s0*h+y1*sw+sw]
				part := cur[s0 : s0+sw]
				for k, v := range part {
					q0[k], q1[k] = byte(v), byte(v>>32)
				}
			}
		}
	}
	// Vertical passes, strip by strip: q -> t -> q ... and the last one
	// into dst.
	for s0 := 0; s0 < w; s0 += stripCols {
		if err := stop.check(); err != nil {
			return err
		}
		sw := min(stripCols, w-s0)
		a, b := q[s0*h:s0*h+sw*h], sc.t[:sw*h]
		for p := 0; p < passes-1; p++ {
			boxColumns(b, a, sw, h, by, sc.acc, nil, 0)
			a, b = b, a
		}
		boxColumns(nil, a, sw, h, by, sc.acc, &dst, s0)
	}
	return nil
}

// stopFunc tells long work to stop: it returns nil to go on, or the error
// to stop with (a cancelled context's). The nil stopFunc never stops.
type stopFunc func() error

// check calls s, if it is not nil.
func (s stopFunc) check() error {
	if s == nil {
		return nil
	}
	return s()
}

func clampIdx(i, n int) int {
	if i < 0 {
		return 0
	}
	if i >= n {
		return n - 1
	}
	return i
}

// boxLine2 blurs one line of packed sample pairs. out and in must not
// overlap.
func boxLine2(out, in []uint64, b box) {
	n := len(in)
	out = out[:n]
	r := b.r
	ww, fw := uint64(b.ww), uint64(b.fw)
	// acc for position -1: in[-r-1 .. r-1] with edges replicated.
	acc := in[0] * uint64(r+1)
	for k := 0; k < r; k++ {
		acc += in[clampIdx(k, n)]
	}
	edgeA := min(r+1, n)       // first x whose left end is inside
	edgeB := max(n-r-1, edgeA) // first x whose right end is clamped
	x := 0
	for ; x < edgeA; x++ {
		s := in[clampIdx(x-r-1, n)]
		acc = acc + in[clampIdx(x+r, n)] - s
		out[x] = ((acc*ww + (s+in[clampIdx(x+r+1, n)])*fw + half2) >> 24) & lanesLow
	}
	if m := edgeB - edgeA; m > 0 {
		// Inner run, no clamping: x-r-1 = k, x+r = k+2r+1, x+r+1 = k+2r+2.
		acc = boxRun(out[edgeA:edgeB], in[0:m], in[2*r+1:2*r+1+m], in[2*r+2:2*r+2+m], acc, ww, fw)
		x = edgeB
	}
	for ; x < n; x++ {
		s := in[clampIdx(x-r-1, n)]
		acc = acc + in[clampIdx(x+r, n)] - s
		out[x] = ((acc*ww + (s+in[clampIdx(x+r+1, n)])*fw + half2) >> 24) & lanesLow
	}
}

// boxRun computes d[k] for the inner run of a line of packed pairs, where
// no index needs clamping, and returns the updated accumulator. It is a
// separate function so that the compiler keeps its values in registers.
//
//go:noinline
func boxRun(d, sub, add, far []uint64, acc, ww, fw uint64) uint64 {
	sub = sub[:len(d)]
	add = add[:len(d)]
	far = far[:len(d)]
	for k := range d {
		s := sub[k]
		acc = acc + add[k] - s
		d[k] = ((acc*ww + (s+far[k])*fw + half2) >> 24) & lanesLow
	}
	return acc
}

// boxColumns blurs every column of a strip src, h rows of m bytes, walking
// rows in order with one accumulator per column. The result goes to dst in
// the same layout or, when last is not nil, to last's rows from column x0
// on. dst and src must be distinct.
func boxColumns(dst, src []byte, m, h int, b box, acc []uint32, last *plane, x0 int) {
	r := b.r
	acc = acc[:m]
	row := func(y int) []byte { return src[y*m : y*m+m] }
	// acc for row -1: rows -r-1 .. r-1, edges replicated.
	for x, v := range row(0) {
		acc[x] = uint32(v) * uint32(r+1)
	}
	for k := 0; k < r; k++ {
		rk := row(clampIdx(k, h))
		rk = rk[:len(acc)]
		for x, v := range rk {
			acc[x] += uint32(v)
		}
	}
	for y := 0; y < h; y++ {
		var out []byte
		if last == nil {
			out = dst[y*m : y*m+m]
		} else {
			out = last.row(y)[x0 : x0+m]
		}
		boxStep(out, acc, row(clampIdx(y-r-1, h)), row(clampIdx(y+r, h)), row(clampIdx(y+r+1, h)), b.ww, b.fw)
	}
}

// boxStep computes one output row of a vertical pass, updating the column
// accumulators.
func boxStep(out []byte, acc []uint32, sub, add, far []byte, ww, fw uint32) {
	done := boxStepVec(out, acc, sub, add, far, ww, fw)
	out, acc, sub, add, far = out[done:], acc[done:], sub[done:], add[done:], far[done:]
	out = out[:len(acc)]
	sub = sub[:len(acc)]
	add = add[:len(acc)]
	far = far[:len(acc)]
	for x := range acc {
		s := uint32(sub[x])
		a := acc[x] + uint32(add[x]) - s
		acc[x] = a
		out[x] = byte((a*ww + (s+uint32(far[x]))*fw + 1<<23) >> 24)
	}
}
