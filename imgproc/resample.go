package imgproc

import (
	"fmt"
	"math"
	"strings"
)

// Filter is a resampling filter of [Resize] and [Thumbnail], one of
// Pillow's Image.Resampling filters with the same kernel and support.
// The zero value is Bicubic, Pillow's default for resize and thumbnail.
type Filter int

const (
	// Bicubic is the cubic convolution kernel with a = -0.5 (support 2).
	Bicubic Filter = iota
	// Nearest takes the nearest source pixel.
	Nearest
	// Box averages the source pixels each output pixel covers (support
	// 0.5).
	Box
	// Bilinear is the triangle kernel (support 1).
	Bilinear
	// Hamming is a sinc windowed by a Hamming window (support 1).
	Hamming
	// Lanczos is a sinc windowed by a sinc of three lobes (support 3).
	Lanczos
)

var filterNames = [...]string{Bicubic: "bicubic", Nearest: "nearest", Box: "box", Bilinear: "bilinear", Hamming: "hamming", Lanczos: "lanczos"}

// String returns the filter's name as [ParseFilter] reads it: "bicubic",
// "nearest", "box", "bilinear", "hamming" or "lanczos".
func (f Filter) String() string {
	if f < 0 || int(f) >= len(filterNames) {
		return fmt.Sprintf("Filter(%d)", int(f))
	}
	return filterNames[f]
}

// ParseFilter returns the filter named s (case-insensitive); "linear",
// "cubic" and "lanczos3" are accepted as other names of Bilinear, Bicubic
// and Lanczos.
func ParseFilter(s string) (Filter, error) {
	s = strings.ToLower(s)
	switch s {
	case "linear", "triangle":
		return Bilinear, nil
	case "cubic", "catrom":
		return Bicubic, nil
	case "lanczos3":
		return Lanczos, nil
	}
	for f, name := range filterNames {
		if name == s {
			return Filter(f), nil
		}
	}
	return 0, fmt.Errorf("imgproc: unknown filter %q (want %s)", s, strings.Join(filterNames[:], ", "))
}

func (f Filter) valid() bool { return f >= Bicubic && f <= Lanczos }

// support returns the filter's support in source pixels at scale 1: the
// kernel is zero outside [-support, support].
func (f Filter) support() float64 {
	switch f {
	case Box:
		return 0.5
	case Bilinear, Hamming:
		return 1
	case Lanczos:
		return 3
	}
	return 2
}

// The kernels are Pillow's (libImaging/Resample.c), written so that no
// multiply-add is fused: the coefficients must round as Pillow's C does.
func (f Filter) kernel(x float64) float64 {
	switch f {
	case Box:
		if x > -0.5 && x <= 0.5 {
			return 1
		}
		return 0
	case Bilinear:
		x = math.Abs(x)
		if x < 1 {
			return 1 - x
		}
		return 0
	case Hamming:
		x = math.Abs(x)
		if x == 0 {
			return 1
		}
		if x >= 1 {
			return 0
		}
		x = float64(x * math.Pi)
		return float64(math.Sin(x)/x) * (0.54 + float64(0.46*math.Cos(x)))
	case Lanczos:
		if -3 <= x && x < 3 {
			return sinc(x) * sinc(x/3)
		}
		return 0
	}
	const a = -0.5
	x = math.Abs(x)
	if x < 1 {
		return float64(float64(float64(float64((a+2)*x)-(a+3))*x)*x) + 1
	}
	if x < 2 {
		return float64(float64(float64(float64(x-5)*x)+8)*x-4) * a
	}
	return 0
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	x = float64(x * math.Pi)
	return math.Sin(x) / x
}

// precision is the number of fraction bits of the fixed-point
// coefficients, Pillow's PRECISION_BITS.
const precision = 32 - 8 - 2

// coeffs are the fixed-point weights of one axis of a resample: output
// sample i is the weighted sum of the n[i] source samples from first[i],
// with the weights k[i*ksize:][:n[i]].
type coeffs struct {
	ksize    int
	first, n []int32
	k        []int32
	lo, hi   int // the source samples used: [lo, hi)
	outSize  int
	inSize   int

	kp []int32 // k with each output's weights padded to a multiple of 8 (see padded)
	m  int     // len(kp) / outSize / 8

	kq    []int32 // each output's weights padded to an even count, each 4 times (see quads)
	pairs int     // len(kq) / outSize / 8
}

// most is the most weights any output has, at least 1.
func (c *coeffs) most() int {
	most := int32(1)
	for _, n := range c.n {
		most = max(most, n)
	}
	return int(most)
}

// quads returns the weights for the 4-byte vector kernel: for each output,
// its weights padded with zeros to 2×pairs (pairs the fewest that hold the
// most weights an output has), each repeated 4 times, one per channel;
// computed on first use.
func (c *coeffs) quads() ([]int32, int) {
	if c.kq == nil {
		c.pairs = (c.most() + 1) / 2
		c.kq = make([]int32, c.outSize*8*c.pairs)
		for x := range c.outSize {
			dst := c.kq[x*8*c.pairs:]
			for i, w := range c.k[x*c.ksize:][:c.n[x]] {
				dst[4*i], dst[4*i+1], dst[4*i+2], dst[4*i+3] = w, w, w, w
			}
		}
	}
	return c.kq, c.pairs
}

// padded returns the weights with each output's padded with zeros to m×8
// (m×8 the smallest multiple of 8 that holds the most weights an output
// has, often under ksize), for the vector kernels, computing them on first
// use.
func (c *coeffs) padded() ([]int32, int) {
	if c.kp == nil {
		c.m = (c.most() + 7) / 8
		c.kp = make([]int32, c.outSize*8*c.m)
		for x := range c.outSize {
			copy(c.kp[x*8*c.m:], c.k[x*c.ksize:][:c.n[x]])
		}
	}
	return c.kp, c.m
}

// pillowCoeffs computes the weights of resampling the source span
// [in0, in1) of an axis of inSize samples to outSize samples, exactly as
// Pillow's precompute_coeffs and normalize_coeffs_8bpc do (the span is a
// C float there, as here).
func pillowCoeffs(inSize int, in0, in1 float32, outSize int, f Filter) coeffs {
	return newCoeffs(inSize, float64(in0), float64(in1-in0)/float64(outSize), outSize, f)
}

// newCoeffs computes the weights of outSize samples, output sample i
// centred on source coordinate in0 + (i+0.5)*scale.
func newCoeffs(inSize int, in0, scale float64, outSize int, f Filter) coeffs {
	filterscale := max(scale, 1)
	support := f.support() * filterscale
	ksize := int(math.Ceil(support))*2 + 1
	c := coeffs{
		ksize:   ksize,
		first:   make([]int32, outSize),
		n:       make([]int32, outSize),
		k:       make([]int32, outSize*ksize),
		lo:      inSize,
		outSize: outSize,
		inSize:  inSize,
	}
	ww := make([]float64, ksize)
	ss := 1 / filterscale
	for i := range outSize {
		center := in0 + float64((float64(i)+0.5)*scale)
		xmin := max(int(center-support+0.5), 0)
		xmax := min(int(center+support+0.5), inSize) - xmin
		var sum float64
		for x := range max(xmax, 0) {
			w := f.kernel(float64(float64(x+xmin)-center+0.5) * ss)
			ww[x] = w
			sum += w
		}
		k := c.k[i*ksize : (i+1)*ksize]
		for x := range max(xmax, 0) {
			w := ww[x]
			if sum != 0 {
				w /= sum
			}
			if w < 0 {
				k[x] = int32(-0.5 + float64(w*(1<<precision)))
			} else {
				k[x] = int32(0.5 + float64(w*(1<<precision)))
			}
		}
		c.first[i], c.n[i] = int32(xmin), int32(max(xmax, 0))
		if xmax > 0 {
			c.lo = min(c.lo, xmin)
			c.hi = max(c.hi, xmin+xmax)
		}
	}
	if c.lo > c.hi {
		c.lo = c.hi
	}
	return c
}

// clip8 is Pillow's clip8: the fixed-point sum v as a byte.
func clip8(v int32) byte {
	v >>= precision
	if uint32(v) > 255 {
		if v < 0 {
			return 0
		}
		return 255
	}
	return byte(v)
}

// resampleH resamples rows rows of bpp (1 or 4) bytes per pixel
// horizontally with the weights c: src rows are srcStride bytes apart,
// dst rows c.outSize pixels, dstStride bytes apart.
func resampleH(dst []byte, dstStride int, src []byte, srcStride, rows, bpp int, c *coeffs) {
	const half = 1 << (precision - 1)
	y := 0
	if bpp == 1 {
		// Four rows at a time: each weight is loaded once for all four,
		// and the four sums are independent.
		for ; y+3 < rows; y += 4 {
			in0, in1 := src[y*srcStride:], src[(y+1)*srcStride:]
			in2, in3 := src[(y+2)*srcStride:], src[(y+3)*srcStride:]
			out0 := dst[y*dstStride : y*dstStride+c.outSize]
			out1 := dst[(y+1)*dstStride : (y+1)*dstStride+c.outSize]
			out2 := dst[(y+2)*dstStride : (y+2)*dstStride+c.outSize]
			out3 := dst[(y+3)*dstStride : (y+3)*dstStride+c.outSize]
			for x := resampleH4Vec(dst[y*dstStride:], dstStride, in0, srcStride, c); x < len(out0); x++ {
				k := c.k[x*c.ksize:][:c.n[x]]
				f := c.first[x]
				p0, p1, p2, p3 := in0[f:][:len(k)], in1[f:][:len(k)], in2[f:][:len(k)], in3[f:][:len(k)]
				s0, s1, s2, s3 := int32(half), int32(half), int32(half), int32(half)
				for i, w := range k {
					s0 += int32(p0[i]) * w
					s1 += int32(p1[i]) * w
					s2 += int32(p2[i]) * w
					s3 += int32(p3[i]) * w
				}
				out0[x], out1[x], out2[x], out3[x] = clip8(s0), clip8(s1), clip8(s2), clip8(s3)
			}
		}
	}
	for ; y < rows; y++ {
		in := src[y*srcStride:]
		out := dst[y*dstStride : y*dstStride+c.outSize*bpp]
		switch bpp {
		case 1:
			for x := range out {
				k := c.k[x*c.ksize:][:c.n[x]]
				p := in[c.first[x]:][:len(k)]
				ss := int32(half)
				for i, w := range k {
					ss += int32(p[i]) * w
				}
				out[x] = clip8(ss)
			}
		case 4:
			for x := resampleRGBAVec(out, in, c); x < c.outSize; x++ {
				k := c.k[x*c.ksize:][:c.n[x]]
				p := in[4*c.first[x]:][:4*len(k)]
				s0, s1, s2, s3 := int32(half), int32(half), int32(half), int32(half)
				for i, w := range k {
					q := p[4*i : 4*i+4 : 4*i+4]
					s0 += int32(q[0]) * w
					s1 += int32(q[1]) * w
					s2 += int32(q[2]) * w
					s3 += int32(q[3]) * w
				}
				o := out[4*x : 4*x+4 : 4*x+4]
				o[0], o[1], o[2], o[3] = clip8(s0), clip8(s1), clip8(s2), clip8(s3)
			}
		}
	}
}

// resampleV resamples vertically: dst row i is the weighted sum of the
// source rows c gives for i, rows rowOffset lower in src (the caller's
// source may start at row c.lo). Rows are n bytes. stop is checked every
// stopRows output rows.
func resampleV(dst []byte, dstStride int, src []byte, srcStride, n, rowOffset int, c *coeffs, stop stopFunc) error {
	const half = 1 << (precision - 1)
	acc := make([]int32, n)
	for y := range c.outSize {
		if y%stopRows == 0 {
			if err := stop.check(); err != nil {
				return err
			}
		}
		first := int(c.first[y]) - rowOffset
		k := c.k[y*c.ksize:][:c.n[y]]
		out := dst[y*dstStride:][:n]
		done := resampleVVec(out, src[first*srcStride:], srcStride, k)
		if done == n {
			continue
		}
		acc := acc[:n-done]
		for x := range acc {
			acc[x] = half
		}
		for i, w := range k {
			row := src[(first+i)*srcStride+done:][:len(acc)]
			for x, v := range row {
				acc[x] += int32(v) * w
			}
		}
		for x, v := range acc {
			out[done+x] = clip8(v)
		}
	}
	return nil
}

// stopRows is how many rows a resample pass makes between checks of its
// stopFunc: a few milliseconds of work on the widest images.
const stopRows = 64

// resampleHStop is resampleH in runs of stopRows rows, checking stop
// before each.
func resampleHStop(dst []byte, dstStride int, src []byte, srcStride, rows, bpp int, c *coeffs, stop stopFunc) error {
	for y := 0; y < rows; y += stopRows {
		if err := stop.check(); err != nil {
			return err
		}
		resampleH(dst[y*dstStride:], dstStride, src[y*srcStride:], srcStride, min(stopRows, rows-y), bpp, c)
	}
	return nil
}

// resamplePlane resamples src, w×h pixels of bpp bytes (1 or 4) with rows
// stride bytes apart, with the weights hx and vy, into a new buffer of
// hx.outSize×vy.outSize pixels with rows hx.outSize*bpp bytes apart. As in
// Pillow's ImagingResampleInner, a pass that is not needed (needH, needV)
// is skipped, and the horizontal pass makes only the rows the vertical one
// reads. stop is checked every stopRows rows of each pass; its error ends
// the resample.
func resamplePlane(src []byte, stride, bpp int, hx, vy *coeffs, needH, needV bool, stop stopFunc) ([]byte, error) {
	outW, outH := hx.outSize, vy.outSize
	n := outW * bpp
	out := make([]byte, n*outH)
	var err error
	switch {
	case needH && needV:
		rows := vy.hi - vy.lo
		tmp := make([]byte, n*rows)
		if err = resampleHStop(tmp, n, src[vy.lo*stride:], stride, rows, bpp, hx, stop); err == nil {
			err = resampleV(out, n, tmp, n, n, vy.lo, vy, stop)
		}
	case needH:
		err = resampleHStop(out, n, src, stride, outH, bpp, hx, stop)
	case needV:
		err = resampleV(out, n, src, stride, n, 0, vy, stop)
	default:
		copyRows(out, n, src, stride, n, outH)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
