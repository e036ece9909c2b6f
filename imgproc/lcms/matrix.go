package lcms

import (
	"math"
	"sync"
)

// mat3 is a 3×3 matrix of rows, LittleCMS's cmsMAT3. The operations below
// are LittleCMS's (cmsmtrx.c), in the same order, and round each product
// before adding it (the explicit float64 conversions stop Go from fusing
// them into multiply-adds), so that the matrices come out as LittleCMS
// computes them on x86-64.
type mat3 [3][3]float64

type vec3 [3]float64

// d50 is LittleCMS's D50 white (cmsD50X, cmsD50Y, cmsD50Z).
var d50 = vec3{0.9642, 1.0, 0.8249}

// maxEncodeableXYZ is LittleCMS's MAX_ENCODEABLE_XYZ: XYZ is encoded in
// 1.15 fixed point.
const maxEncodeableXYZ = 1.0 + 32767.0/32768.0

func (a *mat3) mul(b *mat3) mat3 {
	var r mat3
	for i := range 3 {
		for j := range 3 {
			r[i][j] = float64(a[i][0]*b[0][j]) + float64(a[i][1]*b[1][j]) + float64(a[i][2]*b[2][j])
		}
	}
	return r
}

func (a *mat3) eval(v vec3) vec3 {
	var r vec3
	for i := range 3 {
		r[i] = float64(a[i][0]*v[0]) + float64(a[i][1]*v[1]) + float64(a[i][2]*v[2])
	}
	return r
}

// inverse is _cmsMAT3inverse; ok is false for a singular matrix.
func (a *mat3) inverse() (b mat3, ok bool) {
	c0 := float64(a[1][1]*a[2][2]) - float64(a[1][2]*a[2][1])
	c1 := -float64(a[1][0]*a[2][2]) + float64(a[1][2]*a[2][0])
	c2 := float64(a[1][0]*a[2][1]) - float64(a[1][1]*a[2][0])
	det := float64(a[0][0]*c0) + float64(a[0][1]*c1) + float64(a[0][2]*c2)
	if math.Abs(det) < matrixDetTolerance {
		return b, false
	}
	b[0][0] = c0 / det
	b[0][1] = (float64(a[0][2]*a[2][1]) - float64(a[0][1]*a[2][2])) / det
	b[0][2] = (float64(a[0][1]*a[1][2]) - float64(a[0][2]*a[1][1])) / det
	b[1][0] = c1 / det
	b[1][1] = (float64(a[0][0]*a[2][2]) - float64(a[0][2]*a[2][0])) / det
	b[1][2] = (float64(a[0][2]*a[1][0]) - float64(a[0][0]*a[1][2])) / det
	b[2][0] = c2 / det
	b[2][1] = (float64(a[0][1]*a[2][0]) - float64(a[0][0]*a[2][1])) / det
	b[2][2] = (float64(a[0][0]*a[1][1]) - float64(a[0][1]*a[1][0])) / det
	return b, true
}

// xyY2XYZ is cmsxyY2XYZ with Y = 1.
func xyY2XYZ(x, y float64) vec3 {
	return vec3{x / y, 1, (1 - x - y) / y}
}

// bradford is _cmsAdaptationMatrix with LittleCMS's Bradford cone matrix:
// the chromatic adaptation from white from to white to.
func bradford(from, to vec3) mat3 {
	chad := mat3{
		{0.8951, 0.2664, -0.1614},
		{-0.7502, 1.7135, 0.0367},
		{0.0389, -0.0685, 1.0296},
	}
	inv, _ := chad.inverse()
	src, dst := chad.eval(from), chad.eval(to)
	cone := mat3{{dst[0] / src[0], 0, 0}, {0, dst[1] / src[1], 0}, {0, 0, dst[2] / src[2]}}
	tmp := cone.mul(&chad)
	return inv.mul(&tmp)
}

// rgbToXYZD50 is _cmsBuildRGB2XYZtransferMatrix: the colorant matrix of
// primaries under white, adapted to D50 (_cmsAdaptMatrixToD50).
func rgbToXYZD50(white [2]float64, primaries [3][2]float64) mat3 {
	xn, yn := white[0], white[1]
	xr, yr := primaries[0][0], primaries[0][1]
	xg, yg := primaries[1][0], primaries[1][1]
	xb, yb := primaries[2][0], primaries[2][1]
	p := mat3{{xr, xg, xb}, {yr, yg, yb}, {1 - xr - yr, 1 - xg - yg, 1 - xb - yb}}
	inv, _ := p.inverse()
	coef := inv.eval(vec3{xn / yn, 1.0, (1.0 - xn - yn) / yn})
	r := mat3{
		{coef[0] * xr, coef[1] * xg, coef[2] * xb},
		{coef[0] * yr, coef[1] * yg, coef[2] * yb},
		{coef[0] * (1.0 - xr - yr), coef[1] * (1.0 - xg - yg), coef[2] * (1.0 - xb - yb)},
	}
	adapt := bradford(xyY2XYZ(xn, yn), d50)
	return adapt.mul(&r)
}

// srgbColorants returns the colorant matrix of LittleCMS's built-in sRGB
// profile (cmsCreate_sRGBProfile: Rec. 709 primaries, D65 white adapted to
// D50 with Bradford), unquantised, as the profile holds it in memory.
var srgbColorants = sync.OnceValue(func() mat3 {
	return rgbToXYZD50([2]float64{0.3127, 0.3290}, [3][2]float64{{0.64, 0.33}, {0.30, 0.60}, {0.15, 0.06}})
})

// srgbParams are the parameters of sRGB's transfer function as LittleCMS
// builds it (Build_sRGBGamma, parametric type 4).
var srgbParams = [7]float64{2.4, 1. / 1.055, 0.055 / 1.055, 1. / 12.92, 0.04045}

// srgbEncode is the inverse of sRGB's transfer function as LittleCMS
// evaluates it (parametric type -4), in double precision.
func srgbEncode(lin float64) float64 { return evalParametric(-4, &srgbParams, lin) }

// srgbDecode is sRGB's transfer function (parametric type 4).
func srgbDecode(v float64) float64 { return evalParametric(4, &srgbParams, v) }

// xyz2Lab and lab2XYZ are cmsXYZ2Lab and cmsLab2XYZ against D50.
func xyz2Lab(xyz vec3) vec3 {
	f := func(t float64) float64 {
		const limit = (24.0 / 116.0) * (24.0 / 116.0) * (24.0 / 116.0)
		if t <= limit {
			return (841.0/108.0)*t + (16.0 / 116.0)
		}
		return math.Pow(t, 1.0/3.0)
	}
	fx, fy, fz := f(xyz[0]/d50[0]), f(xyz[1]/d50[1]), f(xyz[2]/d50[2])
	return vec3{116.0*fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)}
}

func lab2XYZ(lab vec3) vec3 {
	f1 := func(t float64) float64 {
		const limit = 24.0 / 116.0
		if t <= limit {
			return (108.0 / 841.0) * (t - (16.0 / 116.0))
		}
		return t * t * t
	}
	y := (lab[0] + 16.0) / 116.0
	x := y + 0.002*lab[1]
	z := y - 0.005*lab[2]
	return vec3{f1(x) * d50[0], f1(y) * d50[1], f1(z) * d50[2]}
}
