package lcms

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// curve is an ICC tone curve: a table of 16-bit samples (curv with two or
// more entries) or a parametric function (curv with one entry, a gamma;
// curv with none, the identity; para), evaluated as LittleCMS 2 evaluates
// them (cmsgamma.c).
type curve struct {
	// typ is LittleCMS's parametric type, the ICC function type plus 1
	// (1: gamma, 2: CIE 122-1966, 3: IEC 61966-3, 4: IEC 61966-2.1, 5:
	// with offsets), or 0 for a table.
	typ    int
	params [7]float64
	table  []uint16
}

// paramCount is the number of parameters of each ICC function type.
var paramCount = [5]int{1, 3, 4, 5, 7}

func parseCurve(b []byte) (*curve, error) {
	be := binary.BigEndian
	switch string(b[:4]) {
	case "curv":
		if len(b) < 12 {
			return nil, errors.New("truncated curv")
		}
		n := be.Uint32(b[8:])
		if uint64(n)*2 > uint64(len(b)-12) {
			return nil, fmt.Errorf("curv of %d entries overruns its tag", n)
		}
		switch n {
		case 0:
			return &curve{typ: 1, params: [7]float64{1}}, nil
		case 1:
			// u8Fixed8Number, as LittleCMS reads it (_cms8Fixed8toDouble).
			g := be.Uint16(b[12:])
			return &curve{typ: 1, params: [7]float64{float64(g>>8) + float64(g&0xff)/256}}, nil
		}
		if n > 0x7fff {
			return nil, fmt.Errorf("curv of %d entries, over LittleCMS's limit", n)
		}
		t := make([]uint16, n)
		for i := range t {
			t[i] = be.Uint16(b[12+2*i:])
		}
		return &curve{table: t}, nil
	case "para":
		if len(b) < 12 {
			return nil, errors.New("truncated para")
		}
		ft := int(be.Uint16(b[8:]))
		if ft >= len(paramCount) {
			return nil, fmt.Errorf("para function type %d", ft)
		}
		n := paramCount[ft]
		if len(b) < 12+4*n {
			return nil, fmt.Errorf("para of type %d overruns its tag", ft)
		}
		c := &curve{typ: ft + 1}
		for i := range n {
			c.params[i] = s15f16(b[12+4*i:])
		}
		return c, nil
	}
	return nil, fmt.Errorf("tone curve of type %q", b[:4])
}

// matrixDetTolerance is LittleCMS's MATRIX_DET_TOLERANCE.
const matrixDetTolerance = 0.0001

// evalParametric is LittleCMS's DefaultEvalParametricFn for the types a
// profile's curves use, and -4, the inverse of sRGB's.
func evalParametric(typ int, p *[7]float64, r float64) float64 {
	switch typ {
	case 1:
		if r < 0 {
			if math.Abs(p[0]-1) < matrixDetTolerance {
				return r
			}
			return 0
		}
		return math.Pow(r, p[0])
	case 2:
		if math.Abs(p[1]) < matrixDetTolerance {
			return 0
		}
		if r >= -p[2]/p[1] {
			if e := p[1]*r + p[2]; e > 0 {
				return math.Pow(e, p[0])
			}
		}
		return 0
	case 3:
		if math.Abs(p[1]) < matrixDetTolerance {
			return 0
		}
		disc := max(-p[2]/p[1], 0)
		if r >= disc {
			if e := p[1]*r + p[2]; e > 0 {
				return math.Pow(e, p[0]) + p[3]
			}
			return 0
		}
		return p[3]
	case 4:
		if r >= p[4] {
			if e := p[1]*r + p[2]; e > 0 {
				return math.Pow(e, p[0])
			}
			return 0
		}
		return r * p[3]
	case 5:
		if r >= p[4] {
			if e := p[1]*r + p[2]; e > 0 {
				return math.Pow(e, p[0]) + p[5]
			}
			return p[5]
		}
		return r*p[3] + p[6]
	case -4:
		if math.Abs(p[0]) < matrixDetTolerance || math.Abs(p[1]) < matrixDetTolerance || math.Abs(p[3]) < matrixDetTolerance {
			return 0
		}
		disc := 0.0
		if e := p[1]*p[4] + p[2]; e >= 0 {
			disc = math.Pow(e, p[0])
		}
		if r >= disc {
			return (math.Pow(r, 1.0/p[0]) - p[2]) / p[1]
		}
		return r / p[3]
	}
	return 0
}

// eval evaluates the curve at x in double precision: a table by linear
// interpolation between its samples.
func (c *curve) eval(x float64) float64 {
	if c.typ != 0 {
		return evalParametric(c.typ, &c.params, x)
	}
	n := len(c.table) - 1
	pos := min(max(x, 0), 1) * float64(n)
	i := min(int(pos), n-1)
	f := pos - float64(i)
	return (float64(c.table[i])*(1-f) + float64(c.table[i+1])*f) / 65535
}

// evalFloat32 is cmsEvalToneCurveFloat: a parametric curve evaluated in
// double and rounded to single precision, a table through LittleCMS's
// 16-bit linear interpolation.
func (c *curve) evalFloat32(v float32) float32 {
	if c.typ != 0 {
		return float32(evalParametric(c.typ, &c.params, float64(v)))
	}
	in := quickSaturateWord(float64(v) * 65535)
	return float32(float64(lerp16(c.table, in)) / 65535)
}

// lerp16 is LittleCMS's LinLerp1D: the 16-bit linear interpolation of a
// table of 16-bit samples at v (0 to 0xffff spanning the table).
func lerp16(table []uint16, v uint16) uint16 {
	domain := uint32(len(table) - 1)
	if v == 0xffff || domain == 0 {
		return table[domain]
	}
	val3 := domain * uint32(v)
	val3 += (val3 + 0x7fff) / 0xffff // _cmsToFixedDomain: to 15.16
	cell, rest := val3>>16, val3&0xffff
	y0, y1 := uint32(table[cell]), uint32(table[cell+1])
	dif := (y1-y0)*rest + 0x8000 // unsigned, wrapping, as LittleCMS computes it
	return uint16((dif >> 16) + y0)
}

// quickSaturateWord is _cmsQuickSaturateWord: d rounded to the nearest
// integer in 0..0xffff, through LittleCMS's fast floor (which adds 1.5 ×
// 2^36 to read a 16.16 fixed-point number out of the double's mantissa, so
// that it floors the value rounded to 16 fraction bits).
func quickSaturateWord(d float64) uint16 {
	d += 0.5
	if d <= 0 {
		return 0
	}
	if d >= 65535 {
		return 0xffff
	}
	return uint16(quickFloor(d-32767) + 32767)
}

// quickFloor is _cmsQuickFloor.
func quickFloor(v float64) int32 {
	const magic = 68719476736.0 * 1.5 // 2^36 × 1.5
	t := v + magic
	return int32(uint32(math.Float64bits(t))) >> 16
}
