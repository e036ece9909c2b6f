package imgproc

import (
	"encoding/binary"
	"math"
	"sync"
)

// This file holds the blur kernel: a port of Pillow's src/libImaging/BoxBlur.c
// working on one 8-bit plane at a time. Pillow runs the horizontal pass on
// rows, transposes, runs it again and transposes back; here the vertical pass
// walks the rows top to bottom with one accumulator per column, which computes
// the same integers without the two transposes and touches memory in order.
//
// Two samples travel together in one uint64, one per 32-bit lane (SWAR): the
// horizontal passes work on two rows at once, the vertical passes on two
// adjacent columns at once, halving the instructions per sample. A lane's
// value never exceeds 2³²-1 (see below) and every intermediate is
// non-negative, so no carry or borrow crosses from one lane to the other.
// On amd64 with AVX2, boxblur_amd64.go replaces the inner loops with
// assembly that handles eight lanes at a time.
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
	loLane   = 0x00000000_ffffffff
	hiLane   = 0xffffffff_00000000
)

// scratch holds reusable buffers for one plane blur.
type scratch struct {
	a, b, c []uint64 // packed row pairs for the horizontal passes
	q       []uint64 // packed column pairs, whole plane, in strips
	t       []uint64 // one strip for the vertical passes
	acc     []uint64 // one packed accumulator per column pair
	p, pb   []uint32 // eight interleaved padded rows (AVX2 horizontal passes)
	junk    []uint32 // where rows past the plane's end are scattered
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// stripPairs is the width, in column pairs, of the strips the vertical
// passes work on: a strip's two buffers (h rows of 256 bytes) stay in the
// L2 cache of current CPUs while three passes run over them, for images up
// to about 2000 rows.
const stripPairs = 32

// blurPlane writes to dst the blur of src by passes (at least 1) horizontal
// boxes bx followed by passes vertical boxes by. dst and src must have the
// same size; they may be the same plane.
func blurPlane(dst, src plane, bx, by box, passes int) {
	w, h := src.w, src.h
	if w == 0 || h == 0 {
		return
	}
	sc := scratchPool.Get().(*scratch)
	defer scratchPool.Put(sc)
	m := (w + 1) / 2 // column pairs
	sc.a = grow(sc.a, w)
	sc.b = grow(sc.b, w)
	sc.c = grow(sc.c, w)
	sc.acc = grow(sc.acc, stripPairs)
	sc.q = grow(sc.q, m*h)
	sc.t = grow(sc.t, stripPairs*h)
	q := sc.q

	// Horizontal passes on row pairs (the last row pairs with itself when
	// h is odd), then a reshuffle into column pairs for the vertical
	// passes, strip by strip: strip s holds pairs [s*stripPairs, ...) of
	// every row, contiguously.
	if !blurRowsVec(q, src, bx, passes, sc) {
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
			for s0 := 0; s0 < m; s0 += stripPairs {
				sw := min(stripPairs, m-s0)
				strip := q[s0*h : s0*h+sw*h]
				q0 := strip[y0*sw : y0*sw+sw]
				q1 := strip[y1*sw : y1*sw+sw]
				for k := range q0 {
					x := 2 * (s0 + k)
					e, o := cur[x], cur[min(x+1, w-1)]
					q0[k] = e&loLane | o<<32
					q1[k] = e>>32 | o&hiLane
				}
			}
		}
	}
	// Vertical passes, strip by strip: q -> t -> q ... and the last one
	// into dst's bytes.
	for s0 := 0; s0 < m; s0 += stripPairs {
		sw := min(stripPairs, m-s0)
		a, b := q[s0*h:s0*h+sw*h], sc.t[:sw*h]
		for p := 0; p < passes-1; p++ {
			boxColumns2(b, a, sw, h, by, sc.acc, nil, 0)
			a, b = b, a
		}
		boxColumns2(nil, a, sw, h, by, sc.acc, &dst, 2*s0)
	}
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

// boxColumns2 blurs every column of src, h rows of m packed column pairs,
// walking rows in order with one accumulator per column pair. The result
// goes to dst in the same layout or, when last is not nil, to last's bytes
// from column x0 on. dst and src must be distinct.
func boxColumns2(dst, src []uint64, m, h int, b box, acc []uint64, last *plane, x0 int) {
	r := b.r
	ww, fw := uint64(b.ww), uint64(b.fw)
	acc = acc[:m]
	row := func(y int) []uint64 { return src[y*m : y*m+m] }
	// acc for row -1: rows -r-1 .. r-1, edges replicated.
	for x, v := range row(0) {
		acc[x] = v * uint64(r+1)
	}
	for k := 0; k < r; k++ {
		rk := row(clampIdx(k, h))
		rk = rk[:len(acc)]
		for x, v := range rk {
			acc[x] += v
		}
	}
	for y := 0; y < h; y++ {
		sub := row(clampIdx(y-r-1, h))
		add := row(clampIdx(y+r, h))
		far := row(clampIdx(y+r+1, h))
		if last == nil {
			boxStep(dst[y*m:y*m+m], acc, sub, add, far, ww, fw)
			continue
		}
		out := last.row(y)[x0:]
		boxStepBytes(out[:min(len(out), 2*m)], acc, sub, add, far, ww, fw)
	}
}

// The three loops below are the kernel's inner loops. They are separate
// functions so that the compiler keeps every value they use in registers.

// boxRun computes d[k] for the inner run of a line, where no index needs
// clamping, and returns the updated accumulator.
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

// boxStep computes one output row of a vertical pass in packed form.
//
//go:noinline
func boxStep(out, acc, sub, add, far []uint64, ww, fw uint64) {
	if done := boxStepVec(out, acc, sub, add, far, ww, fw); done > 0 {
		out, acc, sub, add, far = out[done:], acc[done:], sub[done:], add[done:], far[done:]
	}
	out = out[:len(acc)]
	sub = sub[:len(acc)]
	add = add[:len(acc)]
	far = far[:len(acc)]
	for x := range acc {
		s := sub[x]
		a := acc[x] + add[x] - s
		acc[x] = a
		out[x] = ((a*ww + (s+far[x])*fw + half2) >> 24) & lanesLow
	}
}

// boxStepBytes computes one output row of the last vertical pass as bytes:
// out holds 2*len(acc) samples, or one fewer.
//
//go:noinline
func boxStepBytes(out []byte, acc, sub, add, far []uint64, ww, fw uint64) {
	if done := boxStepBytesVec(out, acc, sub, add, far, ww, fw); done > 0 {
		out, acc, sub, add, far = out[2*done:], acc[done:], sub[done:], add[done:], far[done:]
	}
	pairs := len(out) / 2
	acc = acc[:(len(out)+1)/2]
	sub = sub[:len(acc)]
	add = add[:len(acc)]
	far = far[:len(acc)]
	for x := range acc[:pairs] {
		s := sub[x]
		a := acc[x] + add[x] - s
		acc[x] = a
		v := (a*ww + (s+far[x])*fw + half2) >> 24
		binary.LittleEndian.PutUint16(out[2*x:], uint16(v&0xff)|uint16(v>>24)&0xff00)
	}
	if len(out)%2 == 1 {
		x := pairs
		s := sub[x]
		a := acc[x] + add[x] - s
		acc[x] = a
		out[2*x] = byte((a*ww + (s+far[x])*fw + half2) >> 24)
	}
}
