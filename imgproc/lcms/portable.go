package lcms

import (
	"fmt"
	"math"
)

// portable is the process's cache of pure-Go transforms.
var portable = cache{max: cacheSize}

// Portable converts like [Lib.ToSRGB], in pure Go, for the profiles most
// images carry: matrix/TRC RGB profiles (colorants and three tone curves:
// Display P3, Adobe RGB, ProPhoto, camera and monitor profiles) and grey
// profiles with a tone curve, ICC versions 2 and 4, curves as gamma
// values, tables or parametric functions of any of the five ICC types. It
// reproduces what LittleCMS computes for them (the sRGB profile LittleCMS
// builds in, Bradford adaptation to D50, black point compensation where
// LittleCMS applies it at the perceptual intent), and for 8-bit RGB its
// matrix-shaper arithmetic, tables and 1.14 fixed point included, so that
// the result is LittleCMS's to within one level (see the package
// documentation for the measured differences). 16-bit and grey pixels are
// converted in double precision.
//
// A profile it cannot apply (LUT-based profiles with A2B tags, CMYK, Lab,
// RGB with a Lab connection space) gives an error wrapping
// [ErrUnsupported] that says to install LittleCMS; one that does not parse,
// or whose colour space does not match the pixels, an error wrapping
// [ErrProfile]. Transforms are cached as [Lib.ToSRGB] caches them, in a
// cache of the process's; Portable is safe for concurrent use.
func Portable(dst, src Pixels, width, height int, icc []byte, intent Intent) error {
	if err := check(dst, src, width, height); err != nil {
		return err
	}
	if intent != Perceptual && intent != RelativeColorimetric {
		return fmt.Errorf("lcms: rendering intent %v", intent)
	}
	key := newKey(icc, src.Format, dst.Format, intent, true)
	e, err := portable.acquire(key, func() (transformer, error) {
		return newPortable(icc, src.Format, intent)
	})
	if err != nil {
		return err
	}
	defer portable.release(e)
	e.xf.apply(dst, src, width, height)
	setAlpha(dst, src, width, height)
	return nil
}

// needLCMS is the advice of ErrUnsupported errors.
const needLCMS = "converting it needs LittleCMS (Debian, Ubuntu: apt install liblcms2-2; macOS: brew install little-cms2)"

func newPortable(icc []byte, in PixelFormat, intent Intent) (transformer, error) {
	p, err := ParseProfile(icc)
	if err != nil {
		return nil, err
	}
	if p.ColorSpace != in.space() {
		return nil, fmt.Errorf("%w: a %q profile for %v pixels", ErrProfile, p.ColorSpace, in)
	}
	if !p.MatrixShaper() {
		what := "a LUT-based"
		switch {
		case p.lut:
		case p.ColorSpace != "RGB " && p.ColorSpace != "GRAY":
			what = fmt.Sprintf("a %q", p.ColorSpace)
		case p.curves == nil:
			return nil, fmt.Errorf("%w: an %q profile without its colorant and curve tags", ErrProfile, p.ColorSpace)
		default:
			what = fmt.Sprintf("a %q profile with a %q connection space, a", p.ColorSpace, p.PCS)
		}
		return nil, fmt.Errorf("%w: %s profile (%q): %s", ErrUnsupported, what, p.Description, needLCMS)
	}
	lin, err := newLinear(p, intent)
	if err != nil {
		return nil, err
	}
	if in == RGBA8 && lin.bpc && p.ColorSpace == "RGB " {
		return newPrelin8(p.curves, lin), nil
	}
	if in == RGBA8 && !lin.bpc {
		res := lin.encodedMatrix()
		if isFloatIdentity(&res) {
			return newJoinedCurves8(p.curves), nil
		}
		return newMatShaper8(p.curves, &res), nil
	}
	return newPrecise(p, lin, in), nil
}

// linear is the part of a transform between the tone curves: device
// linear values to linear sRGB, m·v + off.
type linear struct {
	m    mat3 // device linear to sRGB linear; for grey, column 0 only
	off  vec3
	bpc  bool // black point compensation applies: m and off include it
	in   mat3 // the input colorants (grey: D50 in column 0)
	srgb mat3 // inverse of sRGB's colorants

	bpcM   mat3 // black point compensation in XYZ, when bpc
	bpcOff vec3
}

// newLinear follows LittleCMS's DefaultICCintents for an input profile and
// its built-in sRGB: the input's colorants to XYZ (D50), black point
// compensation when the intent is perceptual (forced by the sRGB profile
// being version 4) and the black points differ, sRGB's inverse colorants.
func newLinear(p *Profile, intent Intent) (*linear, error) {
	l := &linear{}
	if p.ColorSpace == "GRAY" {
		l.in = mat3{{d50[0]}, {d50[1]}, {d50[2]}}
	} else {
		l.in = *p.colorants
	}
	s := srgbColorants()
	inv, ok := s.inverse()
	if !ok {
		panic("lcms: sRGB colorants singular")
	}
	l.srgb = inv
	m, off := mat3{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, vec3{}
	if intent == Perceptual {
		in, out := blackPoint(p), vec3{} // sRGB's black is XYZ 0
		if in != out {
			m, off = blackPointCompensation(in, out)
		}
	}
	if !isEmptyLayer(&m, &off) {
		l.bpc, l.bpcM, l.bpcOff = true, m, off
	} else {
		m, off = mat3{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, vec3{}
	}
	t := m.mul(&l.in)
	l.m = inv.mul(&t)
	l.off = inv.eval(off)
	if _, ok := l.in.inverse(); !ok && p.ColorSpace == "RGB " {
		return nil, fmt.Errorf("%w: singular colorant matrix", ErrProfile)
	}
	return l, nil
}

// encodedMatrix is the matrix LittleCMS's optimiser makes of the input's
// colorants and sRGB's inverse ones, each scaled for its encoding of XYZ
// in 1.15 fixed point (cmsio1.c, InpAdj and OutpAdj), multiplied by
// _MultiplyMatrix.
func (l *linear) encodedMatrix() mat3 {
	var m1, m2 mat3
	for i := range 3 {
		for j := range 3 {
			m1[i][j] = l.in[i][j] * (1.0 / maxEncodeableXYZ)
			m2[i][j] = l.srgb[i][j] * maxEncodeableXYZ
		}
	}
	return m2.mul(&m1)
}

// isFloatIdentity is LittleCMS's isFloatMatrixIdentity: every element
// within 1e-5 of the identity's. LittleCMS then drops the matrix.
func isFloatIdentity(m *mat3) bool {
	for i := range 3 {
		for j := range 3 {
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(m[i][j]-want) >= float64(float32(0.00001)) {
				return false
			}
		}
	}
	return true
}

// isEmptyLayer is LittleCMS's IsEmptyLayer: a conversion stage this close
// to the identity is left out.
func isEmptyLayer(m *mat3, off *vec3) bool {
	diff := 0.0
	for i := range 3 {
		for j := range 3 {
			want := 0.0
			if i == j {
				want = 1
			}
			diff += math.Abs(m[i][j] - want)
		}
	}
	for i := range 3 {
		diff += math.Abs(off[i])
	}
	return diff < 0.002
}

// blackPoint is cmsDetectBlackPoint for a matrix/TRC profile: its darkest
// colour (all channels 0) in XYZ, made neutral and kept at L* 50 or
// under.
func blackPoint(p *Profile) vec3 {
	var lin vec3
	for i, c := range p.curves {
		lin[i] = c.eval(0)
	}
	var xyz vec3
	if p.ColorSpace == "GRAY" {
		y := lin[0]
		if p.PCS == "Lab " {
			xyz = lab2XYZ(vec3{y * 100, 0, 0})
		} else {
			xyz = vec3{y * d50[0], y * d50[1], y * d50[2]}
		}
	} else {
		xyz = p.colorants.eval(lin)
	}
	lab := xyz2Lab(xyz)
	lab[1], lab[2] = 0, 0
	lab[0] = min(lab[0], 50)
	return lab2XYZ(lab)
}

// blackPointCompensation is LittleCMS's ComputeBlackPointCompensation: a
// per-channel scaling in XYZ that maps black in to black out and keeps D50.
func blackPointCompensation(in, out vec3) (mat3, vec3) {
	var m mat3
	var off vec3
	for i := range 3 {
		t := in[i] - d50[i]
		m[i][i] = (out[i] - d50[i]) / t
		off[i] = -d50[i] * (out[i] - in[i]) / t
	}
	return m, off
}

// matShaper8 is LittleCMS's 8-bit matrix-shaper (cmsopt.c,
// OptimizeMatrixShaper): input curves tabulated to 1.14 fixed point, the
// matrix in 1.14 fixed point, and sRGB's inverse curve tabulated at 16385
// points, each entry already the 8-bit result.
type matShaper8 struct {
	shaper1 [3][256]int32
	mat     [3][3]int32
	shaper2 [3][16385]uint8
}

// fixed14 is DOUBLE_TO_1FIXED14.
func fixed14(x float64) int32 { return int32(math.Floor(x*16384.0 + 0.5)) }

// srgbShaper2 is FillSecondShaper for sRGB's inverse curve and 8-bit
// output, the same for every transform.
var srgbShaper2 = func() *[16385]uint8 {
	var t [16385]uint8
	for i := range t {
		r := float32(float64(i) / 16384.0)
		v := float32(evalParametric(-4, &srgbParams, float64(r)))
		v = min(max(v, 0), 1)
		w := quickSaturateWord(float64(v) * 65535.0)
		t[i] = from16To8(w)
	}
	return &t
}()

// from16To8 is FROM_16_TO_8: w/257 rounded.
func from16To8(w uint16) uint8 { return uint8((uint32(w)*65281 + 8388608) >> 24) }

func newMatShaper8(curves []*curve, res *mat3) *matShaper8 {
	t := &matShaper8{}
	for c := range 3 {
		for i := range 256 {
			r := float32(float64(i) / 255.0)
			y := curves[c].evalFloat32(r)
			if float64(y) < 131072.0 {
				t.shaper1[c][i] = fixed14(float64(y))
			} else {
				t.shaper1[c][i] = 0x7fffffff
			}
		}
		t.shaper2[c] = *srgbShaper2
		for j := range 3 {
			t.mat[c][j] = fixed14(res[c][j])
		}
	}
	return t
}

func (t *matShaper8) apply(dst, src Pixels, width, height int) {
	s1r, s1g, s1b := &t.shaper1[0], &t.shaper1[1], &t.shaper1[2]
	s2r, s2g, s2b := &t.shaper2[0], &t.shaper2[1], &t.shaper2[2]
	m := &t.mat
	clip := func(l int32) int32 { return min(max(l, 0), 16384) }
	for y := range height {
		in := src.Pix[y*src.Stride:][:4*width]
		out := dst.Pix[y*dst.Stride:][:4*width]
		for x := 0; x < len(in); x += 4 {
			r, g, b := s1r[in[x]], s1g[in[x+1]], s1b[in[x+2]]
			l1 := (m[0][0]*r + m[0][1]*g + m[0][2]*b + 0x2000) >> 14
			l2 := (m[1][0]*r + m[1][1]*g + m[1][2]*b + 0x2000) >> 14
			l3 := (m[2][0]*r + m[2][1]*g + m[2][2]*b + 0x2000) >> 14
			out[x], out[x+1], out[x+2] = s2r[clip(l1)], s2g[clip(l2)], s2b[clip(l3)]
		}
	}
}

func (t *matShaper8) free() {}

// joinedCurves8 is what LittleCMS makes of a transform whose matrix is the
// identity (an sRGB-like profile): each channel's input curve and sRGB's
// inverse joined into one 4096-point table, evaluated in single precision
// (OptimizeByJoiningCurves), then sampled at the 256 8-bit values; nil
// when the joined curves are the identity, as LittleCMS finds them to
// within 15/65535.
type joinedCurves8 struct {
	lut *[3][256]uint8
}

func newJoinedCurves8(curves []*curve) *joinedCurves8 {
	const points = 4096
	var tables [3][points]uint16
	linear := true
	for c := range 3 {
		for i := range points {
			in := float32(float64(i) / (points - 1))
			lin := curves[c].evalFloat32(in)
			out := float32(evalParametric(-4, &srgbParams, float64(lin)))
			tables[c][i] = quickSaturateWord(float64(out) * 65535.0)
			// cmsIsToneCurveLinear: _cmsQuantizeVal(i, points).
			q := uint16(math.Floor(float64(i)*65535.0/(points-1) + 0.5))
			if d := int(tables[c][i]) - int(q); d > 0x0f || d < -0x0f {
				linear = false
			}
		}
	}
	if linear {
		return &joinedCurves8{}
	}
	lut := new([3][256]uint8)
	for c := range 3 {
		for j := range 256 {
			lut[c][j] = from16To8(lerp16(tables[c][:], uint16(j)<<8|uint16(j)))
		}
	}
	return &joinedCurves8{lut: lut}
}

func (t *joinedCurves8) apply(dst, src Pixels, width, height int) {
	for y := range height {
		in := src.Pix[y*src.Stride:][:4*width]
		out := dst.Pix[y*dst.Stride:][:4*width]
		if t.lut == nil {
			copy(out, in)
			continue
		}
		for x := 0; x < len(in); x += 4 {
			out[x], out[x+1], out[x+2] = t.lut[0][in[x]], t.lut[1][in[x+1]], t.lut[2][in[x+2]]
		}
	}
}

func (t *joinedCurves8) free() {}

// precise converts in double precision: the input curves tabulated at
// every input value, the matrix (and black point compensation's offset),
// and sRGB's inverse curve interpolated linearly in a table of 65537
// points (within 0.005 of a 16-bit level of the function). It gives
// LittleCMS's unoptimised result (single precision) to within a 16-bit
// level.
type precise struct {
	in      PixelFormat
	curves  [][]float64 // per channel, at every input value
	m       mat3
	off     vec3
	encode  *[encodePoints + 1]float64
	channel int // 1 for grey, 3 for RGB
}

const encodePoints = 65536

var srgbEncodeTable = func() *[encodePoints + 1]float64 {
	var t [encodePoints + 1]float64
	for i := range t {
		t[i] = srgbEncode(float64(i) / encodePoints)
	}
	return &t
}()

func newPrecise(p *Profile, l *linear, in PixelFormat) *precise {
	t := &precise{in: in, m: l.m, off: l.off, encode: srgbEncodeTable, channel: len(p.curves)}
	n := 256
	if in.wide() {
		n = 65536
	}
	for _, c := range p.curves {
		tab := make([]float64, n)
		for i := range tab {
			v := c.eval(float64(i) / float64(n-1))
			if c.typ == 0 {
				// A table is interpolated in 16 bits, as LittleCMS does
				// (within 12 16-bit levels of interpolating in double,
				// where sRGB's curve is steepest).
				v = float64(lerp16(c.table, uint16(i*65535/(n-1)))) / 65535
			}
			if p.ColorSpace == "GRAY" && p.PCS == "Lab " {
				v = lab2XYZ(vec3{v * 100, 0, 0})[1]
			}
			tab[i] = v
		}
		t.curves = append(t.curves, tab)
	}
	return t
}

// encodeAt returns sRGB's encoding of the linear value lin, clipped to
// 0..1.
func (t *precise) encodeAt(lin float64) float64 {
	if !(lin > 0) {
		return 0
	}
	if lin >= 1 {
		return 1
	}
	pos := lin * encodePoints
	i := int(pos)
	f := pos - float64(i)
	return t.encode[i] + (t.encode[i+1]-t.encode[i])*f
}

func (t *precise) pixel(v0, v1, v2 int) (r, g, b float64) {
	var lin vec3
	if t.channel == 1 {
		y := t.curves[0][v0]
		lin = vec3{
			t.m[0][0]*y + t.off[0],
			t.m[1][0]*y + t.off[1],
			t.m[2][0]*y + t.off[2],
		}
	} else {
		lin = t.m.eval(vec3{t.curves[0][v0], t.curves[1][v1], t.curves[2][v2]})
		lin[0] += t.off[0]
		lin[1] += t.off[1]
		lin[2] += t.off[2]
	}
	return t.encodeAt(lin[0]), t.encodeAt(lin[1]), t.encodeAt(lin[2])
}

func (t *precise) apply(dst, src Pixels, width, height int) {
	n := src.Format.bytesPerPixel()
	for y := range height {
		in := src.Pix[y*src.Stride:][:n*width]
		out := dst.Pix[y*dst.Stride:]
		for x := range width {
			var v [3]int
			switch t.in {
			case RGBA8:
				v = [3]int{int(in[4*x]), int(in[4*x+1]), int(in[4*x+2])}
			case Gray8:
				v[0] = int(in[x])
			case RGBA16:
				p := in[8*x:]
				v = [3]int{int(p[0])<<8 | int(p[1]), int(p[2])<<8 | int(p[3]), int(p[4])<<8 | int(p[5])}
			case Gray16:
				v[0] = int(in[2*x])<<8 | int(in[2*x+1])
			}
			r, g, b := t.pixel(v[0], v[1], v[2])
			if dst.Format == RGBA8 {
				o := out[4*x:]
				o[0], o[1], o[2] = uint8(r*255+0.5), uint8(g*255+0.5), uint8(b*255+0.5)
			} else {
				o := out[8*x:]
				r16, g16, b16 := uint16(r*65535+0.5), uint16(g*65535+0.5), uint16(b*65535+0.5)
				o[0], o[1], o[2], o[3], o[4], o[5] = uint8(r16>>8), uint8(r16), uint8(g16>>8), uint8(g16), uint8(b16>>8), uint8(b16)
			}
		}
	}
}

func (t *precise) free() {}
