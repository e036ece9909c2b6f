package libtiff

import (
	"encoding/binary"
	"math"
)

// PhotometricICCLab is the PhotometricInterpretation of L*a*b* stored as
// ICC profiles store it: a* and b* unsigned, offset by half their range.
const PhotometricICCLab = 9

// labToRGB converts the L*a*b* samples that decodeSamples placed in pix
// (L, a, b in the R, G, B channels: 8 bits each, or 16 bits big-endian
// when deep) to sRGB in place. L* is 0 to 100 over the sample's range; a*
// and b* are signed (CIELab) or offset by half the range (ICCLab), in
// units of 1 (8 bits) or 1/256 (16 bits).
//
// The white point is D50, as Adobe's TIFF technical note 4 and ICC
// profiles have it, and the colours are adapted to sRGB's D65 with the
// Bradford transform: LittleCMS's conversion, which Pillow uses for
// convert("RGB") of its "LAB" images.
func labToRGB(pix []byte, deep, icc bool) {
	step := 4
	if deep {
		step = 8
	}
	be := binary.BigEndian
	for i := 0; i+step <= len(pix); i += step {
		var l, a, b float64
		if deep {
			l = float64(be.Uint16(pix[i:])) * 100 / 65535
			if icc {
				a = (float64(be.Uint16(pix[i+2:])) - 32768) / 256
				b = (float64(be.Uint16(pix[i+4:])) - 32768) / 256
			} else {
				a = float64(int16(be.Uint16(pix[i+2:]))) / 256
				b = float64(int16(be.Uint16(pix[i+4:]))) / 256
			}
		} else {
			l = float64(pix[i]) * 100 / 255
			if icc {
				a, b = float64(pix[i+1])-128, float64(pix[i+2])-128
			} else {
				a, b = float64(int8(pix[i+1])), float64(int8(pix[i+2]))
			}
		}
		r, g, bl := labToSRGB(l, a, b)
		if deep {
			be.PutUint16(pix[i:], unit16(r))
			be.PutUint16(pix[i+2:], unit16(g))
			be.PutUint16(pix[i+4:], unit16(bl))
		} else {
			pix[i], pix[i+1], pix[i+2] = unit8(r), unit8(g), unit8(bl)
		}
	}
}

// labToSRGB converts CIE L*a*b* (D50) to gamma-encoded sRGB, 0 to 1
// before clipping.
func labToSRGB(l, a, b float64) (float64, float64, float64) {
	fy := (l + 16) / 116
	fx, fz := fy+a/500, fy-b/200
	finv := func(t float64) float64 {
		if t > 6.0/29 {
			return t * t * t
		}
		return 3 * (6.0 / 29) * (6.0 / 29) * (t - 4.0/29)
	}
	x, y, z := 0.9642*finv(fx), finv(fy), 0.8249*finv(fz)
	// XYZ (D50) to linear sRGB, Bradford-adapted (the inverse of the
	// D50 matrix of the ICC sRGB profile).
	r := 3.1338561*x - 1.6168667*y - 0.4906146*z
	g := -0.9787684*x + 1.9161415*y + 0.0334540*z
	bl := 0.0719453*x - 0.2289914*y + 1.4052427*z
	return gammaSRGB(r), gammaSRGB(g), gammaSRGB(bl)
}

func gammaSRGB(v float64) float64 {
	if v <= 0.0031308 {
		return 12.92 * v
	}
	return 1.055*math.Pow(v, 1/2.4) - 0.055
}

func unit8(v float64) byte {
	return byte(math.Round(min(max(v, 0), 1) * 255))
}

func unit16(v float64) uint16 {
	return uint16(math.Round(min(max(v, 0), 1) * 65535))
}
