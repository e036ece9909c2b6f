package lcms

import "math"

// This file reproduces the transform LittleCMS 2 makes for 8-bit RGB when
// the matrix-shaper cannot be used: black point compensation adds an
// offset between the two matrices (cmsopt.c, OptimizeByComputingLinearization).
// LittleCMS then evaluates the whole pipeline in single precision on a
// grey ramp to make per-channel prelinearization curves, samples the
// pipeline behind their inverses into a 33×33×33 grid of 16-bit values,
// and interpolates that grid tetrahedrally. The grid stores clipped values,
// so colours outside sRGB's gamut come out up to 27 levels from the exact
// computation; reproducing the grid reproduces those errors too.

// prelinPoints is PRELINEARIZATION_POINTS; gridPoints the grid's size for
// three channels (_cmsReasonableGridpointsByColorspace).
const (
	prelinPoints = 4096
	gridPoints   = 33
)

// floatPipe is the pipeline LittleCMS evaluates in single precision
// (cmsPipelineEvalFloat): the input curves, the input's colorants (scaled
// for XYZ's encoding), black point compensation, sRGB's inverse colorants
// and its inverse curve.
type floatPipe struct {
	curves []*curve
	m1     mat3
	bpc    mat3
	off    vec3
	m2     mat3
}

// matrixStage is EvaluateMatrix: a double accumulator rounded to single
// precision.
func matrixStage(m *mat3, off *vec3, in [3]float32) [3]float32 {
	var out [3]float32
	for i := range 3 {
		tmp := 0.0
		for j := range 3 {
			tmp += float64(float64(in[j]) * m[i][j])
		}
		if off != nil {
			tmp += off[i]
		}
		out[i] = float32(tmp)
	}
	return out
}

func (f *floatPipe) eval(in [3]float32) [3]float32 {
	var v [3]float32
	for i := range 3 {
		v[i] = f.curves[i].evalFloat32(in[i])
	}
	v = matrixStage(&f.m1, nil, v)
	v = matrixStage(&f.bpc, &f.off, v)
	v = matrixStage(&f.m2, nil, v)
	for i := range 3 {
		v[i] = float32(evalParametric(-4, &srgbParams, float64(v[i])))
	}
	return v
}

// prelin8 is the optimised transform: Prelin8Data and the grid.
type prelin8 struct {
	x0, y0, z0 [256]int32
	rx, ry, rz [256]int32
	grid       []uint16 // gridPoints³ × 3, the first channel varying slowest
}

const (
	optaZ = 3
	optaY = 3 * gridPoints
	optaX = 3 * gridPoints * gridPoints
)

// newPrelin8 builds the transform.
func newPrelin8(curves []*curve, l *linear) *prelin8 {
	f := &floatPipe{curves: curves, bpc: l.bpcM}
	for i := range 3 {
		for j := range 3 {
			f.m1[i][j] = l.in[i][j] * (1.0 / maxEncodeableXYZ)
			f.m2[i][j] = l.srgb[i][j] * maxEncodeableXYZ
		}
		f.off[i] = l.bpcOff[i] / maxEncodeableXYZ
	}
	// Prelinearization curves from a grey ramp.
	var trans [3][]uint16
	for t := range 3 {
		trans[t] = make([]uint16, prelinPoints)
	}
	for i := range prelinPoints {
		v := float32(float64(i) / (prelinPoints - 1))
		out := f.eval([3]float32{v, v, v})
		for t := range 3 {
			trans[t][i] = quickSaturateWord(float64(out[t]) * 65535.0)
		}
	}
	// LittleCMS uses the curves unless they are not monotonic or have wide
	// flat ends; it then samples the pipeline itself into the grid
	// (OptimizeByResampling), which is the same with identity curves.
	var reverse [3][]uint16
	for t := range 3 {
		slopeLimit(trans[t])
		if !monotonic(trans[t]) || degenerated(trans[t]) {
			reverse = [3][]uint16{}
			for t := range 3 {
				trans[t] = []uint16{0, 0xffff}
			}
			break
		}
		reverse[t] = reverseTable(trans[t], prelinPoints)
	}
	p := &prelin8{grid: make([]uint16, 3*gridPoints*gridPoints*gridPoints)}
	idx := 0
	for i := range gridPoints * gridPoints * gridPoints {
		node := [3]int{i / (gridPoints * gridPoints), i / gridPoints % gridPoints, i % gridPoints}
		var in [3]float32
		for t := range 3 {
			q := quantizeVal(node[t], gridPoints)
			in[t] = float32(float64(q) / 65535.0)
			if reverse[t] != nil {
				// The reversed curves are tables, evaluated through
				// their 16-bit interpolation.
				r := lerp16(reverse[t], quickSaturateWord(float64(in[t])*65535.0))
				in[t] = float32(float64(r) / 65535.0)
			}
		}
		out := f.eval(in)
		for t := range 3 {
			p.grid[idx+t] = quickSaturateWord(float64(out[t]) * 65535.0)
		}
		idx += 3
	}
	for i := range 256 {
		var v [3]int32
		for t := range 3 {
			in := lerp16(trans[t], uint16(i)<<8|uint16(i))
			v[t] = toFixedDomain(int32(in) * (gridPoints - 1))
		}
		p.x0[i], p.y0[i], p.z0[i] = optaX*(v[0]>>16), optaY*(v[1]>>16), optaZ*(v[2]>>16)
		p.rx[i], p.ry[i], p.rz[i] = v[0]&0xffff, v[1]&0xffff, v[2]&0xffff
	}
	// FixWhiteMisalignment: white must come out white.
	if !whitesEqual(p.eval(255, 255, 255)) {
		var node [3]int
		ok := true
		for t := range 3 {
			in := trans[t][len(trans[t])-1]
			px := float64(in) * (gridPoints - 1) / 65535.0
			node[t] = int(math.Floor(px))
			ok = ok && px == float64(node[t])
		}
		if ok {
			at := optaX*node[0] + optaY*node[1] + optaZ*node[2]
			p.grid[at], p.grid[at+1], p.grid[at+2] = 0xffff, 0xffff, 0xffff
		}
	}
	return p
}

// whitesEqual is WhitesAreEqual against 16-bit white: true when w is
// white, or so far from it that LittleCMS leaves it alone.
func whitesEqual(w [3]uint16) bool {
	for _, v := range w {
		if 0xffff-int(v) > 0xf000 {
			return true
		}
		if v != 0xffff {
			return false
		}
	}
	return true
}

// toFixedDomain is _cmsToFixedDomain.
func toFixedDomain(a int32) int32 { return a + (a+0x7fff)/0xffff }

// quantizeVal is _cmsQuantizeVal.
func quantizeVal(i, samples int) uint16 {
	return quickSaturateWord(float64(i) * 65535.0 / float64(samples-1))
}

// eval is PrelinEval8: tetrahedral interpolation in 16-bit.
func (p *prelin8) eval(r, g, b uint8) [3]uint16 {
	x0, y0, z0 := p.x0[r], p.y0[g], p.z0[b]
	rx, ry, rz := p.rx[r], p.ry[g], p.rz[b]
	x1, y1, z1 := x0, y0, z0
	if rx != 0 {
		x1 += optaX
	}
	if ry != 0 {
		y1 += optaY
	}
	if rz != 0 {
		z1 += optaZ
	}
	var out [3]uint16
	for ch := range int32(3) {
		d := func(i, j, k int32) int32 { return int32(p.grid[i+j+k+ch]) }
		c0 := d(x0, y0, z0)
		var c1, c2, c3 int32
		switch {
		case rx >= ry && ry >= rz:
			c1 = d(x1, y0, z0) - c0
			c2 = d(x1, y1, z0) - d(x1, y0, z0)
			c3 = d(x1, y1, z1) - d(x1, y1, z0)
		case rx >= rz && rz >= ry:
			c1 = d(x1, y0, z0) - c0
			c2 = d(x1, y1, z1) - d(x1, y0, z1)
			c3 = d(x1, y0, z1) - d(x1, y0, z0)
		case rz >= rx && rx >= ry:
			c1 = d(x1, y0, z1) - d(x0, y0, z1)
			c2 = d(x1, y1, z1) - d(x1, y0, z1)
			c3 = d(x0, y0, z1) - c0
		case ry >= rx && rx >= rz:
			c1 = d(x1, y1, z0) - d(x0, y1, z0)
			c2 = d(x0, y1, z0) - c0
			c3 = d(x1, y1, z1) - d(x1, y1, z0)
		case ry >= rz && rz >= rx:
			c1 = d(x1, y1, z1) - d(x0, y1, z1)
			c2 = d(x0, y1, z0) - c0
			c3 = d(x0, y1, z1) - d(x0, y1, z0)
		case rz >= ry && ry >= rx:
			c1 = d(x1, y1, z1) - d(x0, y1, z1)
			c2 = d(x0, y1, z1) - d(x0, y0, z1)
			c3 = d(x0, y0, z1) - c0
		}
		rest := c1*rx + c2*ry + c3*rz + 0x8001
		out[ch] = uint16(c0 + ((rest + (rest >> 16)) >> 16))
	}
	return out
}

func (p *prelin8) apply(dst, src Pixels, width, height int) {
	for y := range height {
		in := src.Pix[y*src.Stride:][:4*width]
		out := dst.Pix[y*dst.Stride:][:4*width]
		for x := 0; x < len(in); x += 4 {
			v := p.eval(in[x], in[x+1], in[x+2])
			out[x], out[x+1], out[x+2] = from16To8(v[0]), from16To8(v[1]), from16To8(v[2])
		}
	}
}

func (p *prelin8) free() {}

// slopeLimit is SlopeLimiting: the first and last 2% of the table made
// straight lines to 0 and 0xffff.
func slopeLimit(g []uint16) {
	n := len(g)
	atBegin := int(math.Floor(float64(n)*0.02 + 0.5))
	atEnd := n - atBegin - 1
	beginVal, endVal := 0.0, 65535.0
	if g[0] > g[n-1] {
		beginVal, endVal = 65535, 0
	}
	val := float64(g[atBegin])
	slope := (val - beginVal) / float64(atBegin)
	beta := val - slope*float64(atBegin)
	for i := range atBegin {
		g[i] = quickSaturateWord(float64(i)*slope + beta)
	}
	val = float64(g[atEnd])
	slope = (endVal - val) / float64(atBegin)
	beta = val - slope*float64(atEnd)
	for i := atEnd; i < n; i++ {
		g[i] = quickSaturateWord(float64(i)*slope + beta)
	}
}

// monotonic is cmsIsToneCurveMonotonic, allowing LittleCMS's ripple of 2.
func monotonic(t []uint16) bool {
	n := len(t)
	if t[0] > t[n-1] {
		last := int(t[0])
		for i := 1; i < n; i++ {
			if int(t[i])-last > 2 {
				return false
			}
			last = int(t[i])
		}
		return true
	}
	last := int(t[n-1])
	for i := n - 2; i >= 0; i-- {
		if int(t[i])-last > 2 {
			return false
		}
		last = int(t[i])
	}
	return true
}

// degenerated is IsDegenerated: a curve with wide flat ends.
func degenerated(t []uint16) bool {
	zeros, poles := 0, 0
	for _, v := range t {
		if v == 0 {
			zeros++
		}
		if v == 0xffff {
			poles++
		}
	}
	if zeros == 1 && poles == 1 {
		return false
	}
	return zeros > len(t)/20 || poles > len(t)/20
}

// reverseTable is cmsReverseToneCurveEx for a table: n samples of the
// inverse, found by linear interpolation in the interval that holds each.
func reverseTable(in []uint16, n int) []uint16 {
	out := make([]uint16, n)
	ascending := !(in[0] > in[len(in)-1])
	var a, b float64
	for i := range out {
		y := float64(i) * 65535.0 / float64(n-1)
		j := interval(y, in)
		if j >= 0 {
			x1, x2 := float64(in[j]), float64(in[j+1])
			y1 := float64(j) * 65535.0 / float64(len(in)-1)
			y2 := float64(j+1) * 65535.0 / float64(len(in)-1)
			if x1 == x2 {
				if ascending {
					out[i] = quickSaturateWord(y2)
				} else {
					out[i] = quickSaturateWord(y1)
				}
				continue
			}
			a = (y2 - y1) / (x2 - x1)
			b = y2 - a*x2
		}
		out[i] = quickSaturateWord(a*y + b)
	}
	return out
}

// interval is GetInterval: the index of the table's segment holding in.
func interval(in float64, t []uint16) int {
	n := len(t) - 1
	if n < 1 {
		return -1
	}
	within := func(i int) bool {
		y0, y1 := float64(t[i]), float64(t[i+1])
		if y0 <= y1 {
			return in >= y0 && in <= y1
		}
		return in >= y1 && in <= y0
	}
	if t[0] < t[n] {
		for i := n - 1; i >= 0; i-- {
			if within(i) {
				return i
			}
		}
	} else {
		for i := range n {
			if within(i) {
				return i
			}
		}
	}
	return -1
}
