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

// scratch holds reusable buffers for one blur call.
type scratch struct {
	a, b []byte   // two lines for the horizontal passes
	acc  []uint32 // one accumulator per column for the vertical passes
	tmp  []byte   // a whole plane for ping-pong between vertical passes
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

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
	sc.a = grow(sc.a, w)
	sc.b = grow(sc.b, w)
	sc.acc = grow(sc.acc, w)
	sc.tmp = grow(sc.tmp, w*h)
	tmp := plane{pix: sc.tmp, w: w, h: h, stride: w}
	// The vertical passes ping-pong between tmp and dst and must end in dst,
	// so the horizontal result goes to tmp when passes is odd.
	bufs := [2]plane{dst, tmp}
	if passes%2 == 1 {
		bufs = [2]plane{tmp, dst}
	}
	hout := bufs[0]
	// Horizontal: every row goes through all passes while it is in cache.
	for y := 0; y < h; y++ {
		cur := src.row(y)
		for p := 0; p < passes; p++ {
			next := sc.a
			if p%2 == 1 {
				next = sc.b
			}
			boxLine(next, cur, bx)
			cur = next
		}
		copy(hout.row(y), cur)
	}
	for p := 0; p < passes; p++ {
		boxColumns(bufs[(p+1)%2], bufs[p%2], by, sc.acc)
	}
}

func copyPlane(dst, src plane) {
	for y := 0; y < src.h; y++ {
		copy(dst.row(y), src.row(y))
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

// boxLine blurs one line of samples. out and in must not overlap.
func boxLine(out, in []byte, b box) {
	n := len(in)
	out = out[:n]
	r, ww, fw := b.r, b.ww, b.fw
	const half = 1 << 23
	// acc for position -1: in[-r-1 .. r-1] with edges replicated.
	acc := uint32(in[0]) * uint32(r+1)
	for k := 0; k < r; k++ {
		acc += uint32(in[clampIdx(k, n)])
	}
	edgeA := min(r+1, n)       // first x whose left end is inside
	edgeB := max(n-r-1, edgeA) // first x whose right end is clamped
	x := 0
	for ; x < edgeA; x++ {
		sub := uint32(in[clampIdx(x-r-1, n)])
		acc += uint32(in[clampIdx(x+r, n)]) - sub
		bulk := acc*ww + (sub+uint32(in[clampIdx(x+r+1, n)]))*fw
		out[x] = byte((bulk + half) >> 24)
	}
	if m := edgeB - edgeA; m > 0 {
		// Inner run, no clamping: x-r-1 = k, x+r = k+2r+1, x+r+1 = k+2r+2.
		d := out[edgeA:edgeB]
		sub := in[0:m]
		add := in[2*r+1 : 2*r+1+m]
		far := in[2*r+2 : 2*r+2+m]
		sub = sub[:len(d)]
		add = add[:len(d)]
		far = far[:len(d)]
		for k := range d {
			s := uint32(sub[k])
			acc += uint32(add[k]) - s
			d[k] = byte((acc*ww + (s+uint32(far[k]))*fw + half) >> 24)
		}
		x = edgeB
	}
	for ; x < n; x++ {
		sub := uint32(in[clampIdx(x-r-1, n)])
		acc += uint32(in[clampIdx(x+r, n)]) - sub
		bulk := acc*ww + (sub+uint32(in[clampIdx(x+r+1, n)]))*fw
		out[x] = byte((bulk + half) >> 24)
	}
}

// boxColumns blurs every column of src into dst, walking rows in order with
// one accumulator per column. dst and src must be distinct.
func boxColumns(dst, src plane, b box, acc []uint32) {
	w, h := src.w, src.h
	r, ww, fw := b.r, b.ww, b.fw
	const half = 1 << 23
	acc = acc[:w]
	// acc for row -1: rows -r-1 .. r-1, edges replicated.
	first := src.row(0)
	for x, v := range first {
		acc[x] = uint32(v) * uint32(r+1)
	}
	for k := 0; k < r; k++ {
		row := src.row(clampIdx(k, h))
		row = row[:len(acc)]
		for x, v := range row {
			acc[x] += uint32(v)
		}
	}
	for y := 0; y < h; y++ {
		sub := src.row(clampIdx(y-r-1, h))
		add := src.row(clampIdx(y+r, h))
		far := src.row(clampIdx(y+r+1, h))
		out := dst.row(y)
		sub = sub[:len(acc)]
		add = add[:len(acc)]
		far = far[:len(acc)]
		out = out[:len(acc)]
		for x := range acc {
			s := uint32(sub[x])
			a := acc[x] + uint32(add[x]) - s
			acc[x] = a
			out[x] = byte((a*ww + (s+uint32(far[x]))*fw + half) >> 24)
		}
	}
}
