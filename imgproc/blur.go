package imgproc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"math"
)

// AlphaMode says how a blur treats the colour of translucent pixels.
type AlphaMode int

const (
	// AlphaPremultiplied weights colour by opacity before blurring, so fully
	// transparent pixels (whatever colour they store) do not bleed into their
	// neighbours: no dark halos around cut-outs. It is the default.
	AlphaPremultiplied AlphaMode = iota
	// AlphaStraight blurs the four channels of non-premultiplied RGBA
	// independently, exactly as Pillow's filters do on an "RGBA" image.
	AlphaStraight
)

// String returns "premultiplied" or "straight".
func (m AlphaMode) String() string {
	switch m {
	case AlphaPremultiplied:
		return "premultiplied"
	case AlphaStraight:
		return "straight"
	}
	return fmt.Sprintf("AlphaMode(%d)", int(m))
}

// BlurOptions adjusts [GaussianBlur], [BoxBlur] and [UnsharpMask]. A nil
// *BlurOptions means the zero value: premultiplied alpha.
type BlurOptions struct {
	// Alpha chooses how translucent pixels are blurred; images without
	// transparency give the same result in every mode.
	Alpha AlphaMode
}

// MaxSigma is the largest blur radius accepted by [GaussianBlur], [BoxBlur]
// and [UnsharpMask]. Beyond it the 24-bit fixed-point weights lose all
// precision.
const MaxSigma = 100000

func checkRadius(name string, v float64, zeroOK bool) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("imgproc: %s must be a finite number, not %v", name, v)
	case v < 0 || (v == 0 && !zeroOK):
		if zeroOK {
			return fmt.Errorf("imgproc: %s must be >= 0, not %v", name, v)
		}
		return fmt.Errorf("imgproc: %s must be > 0, not %v", name, v)
	case v > MaxSigma:
		return fmt.Errorf("imgproc: %s must be <= %d, not %v", name, MaxSigma, v)
	}
	return nil
}

// GaussianBlur returns img blurred like Pillow's ImageFilter.GaussianBlur(sigma):
// three passes of an extended box filter whose variance is sigma², in 24-bit
// fixed point with Pillow's rounding, edge pixels replicated. On 8-bit RGB,
// RGBA (with [AlphaStraight]) and grey input the result is bit-exact with
// Pillow. The cost per pixel does not depend on sigma.
//
// The result's type follows the input: a *image.YCbCr comes back as a
// *image.YCbCr (luma blurred at sigma, chroma at sigma divided by its
// subsampling factor, so no colour conversion happens either way; 47 to
// 65 dB from Pillow's blur of the RGB decoding on the test photos) unless
// its colours go far outside the RGB gamut (see maxPlanesClipEnergy),
// where blurring before the clipping would differ from Pillow by more:
// it is then converted as libjpeg converts it and blurred as RGB; a
// *image.Gray as a *image.Gray, anything else as a
// *image.NRGBA (16-bit images are reduced to 8 bits per sample, as Pillow
// does). The result has its own pixels and the bounds of img. When sigma is
// 2 or more, 4:4:4, 4:2:2 and 4:4:0 chroma is first averaged down to 4:2:0:
// such a blur leaves no chroma detail finer than two pixels, JPEG encoders
// write 4:2:0 anyway, and it halves the work.
//
// GaussianBlur returns an error, and no image, when sigma is not a finite
// number in (0, [MaxSigma]]. It is safe to call concurrently. Besides the
// result it allocates a planar copy of the samples (for images other than
// *image.YCbCr and *image.Gray) or 4:2:0 chroma planes (when it reduces
// chroma); the kernel's scratch buffers come from a pool.
func GaussianBlur(img image.Image, sigma float64, opts *BlurOptions) (image.Image, error) {
	return gaussianBlur(img, sigma, opts, nil)
}

// gaussianBlur is GaussianBlur, stopping early with stop's error.
func gaussianBlur(img image.Image, sigma float64, opts *BlurOptions, stop stopFunc) (image.Image, error) {
	if err := checkRadius("sigma", sigma, false); err != nil {
		return nil, err
	}
	return blurImage(img, opts, func(sx, sy float64) (box, box, int) {
		bx := newBox(gaussianBoxRadius(float32(sx), 3))
		by := newBox(gaussianBoxRadius(float32(sy), 3))
		return bx, by, 3
	}, sigma, sigma >= 2, stop)
}

// BoxBlur returns img blurred like Pillow's ImageFilter.BoxBlur(radius): one
// pass of an extended box filter covering radius pixels on each side, the
// fractional part weighting the two outermost pixels. Radius 0 copies the
// image. Result types, exactness and errors are as for [GaussianBlur].
func BoxBlur(img image.Image, radius float64, opts *BlurOptions) (image.Image, error) {
	return boxBlur(img, radius, opts, nil)
}

// boxBlur is BoxBlur, stopping early with stop's error.
func boxBlur(img image.Image, radius float64, opts *BlurOptions, stop stopFunc) (image.Image, error) {
	if err := checkRadius("radius", radius, true); err != nil {
		return nil, err
	}
	return blurImage(img, opts, func(rx, ry float64) (box, box, int) {
		return newBox(float32(rx)), newBox(float32(ry)), 1
	}, radius, false, stop)
}

// maxPlanesClipEnergy is the most clipping (clipEnergy) for which a
// YCbCr picture is blurred as planes. Photos measure 0 to 2.5, their blur
// 47.5 to 65 dB from Pillow's; small pictures of saturated colours 3.5 to
// 40, down to 37 dB as planes, so they take the RGB path.
const maxPlanesClipEnergy = 3

// kernelFunc returns the horizontal and vertical boxes and the number of
// passes for a plane blurred at radius (x, y).
type kernelFunc func(x, y float64) (bx, by box, passes int)

// blurImage blurs img with the boxes kern gives, checking stop between
// the passes of each plane (see blurPlane).
func blurImage(img image.Image, opts *BlurOptions, kern kernelFunc, radius float64, reduceChroma bool, stop stopFunc) (image.Image, error) {
	var o BlurOptions
	if opts != nil {
		o = *opts
	}
	if o.Alpha != AlphaPremultiplied && o.Alpha != AlphaStraight {
		return nil, fmt.Errorf("imgproc: unknown alpha mode %d", int(o.Alpha))
	}
	if img == nil {
		return nil, errors.New("imgproc: nil image")
	}
	switch m := img.(type) {
	case *image.YCbCr:
		if fx, fy, ok := chromaFactors(m.SubsampleRatio); ok && m.Rect.Min == (image.Point{}) {
			if clipEnergy(m) <= maxPlanesClipEnergy {
				return blurYCbCr(m, kern, radius, fx, fy, reduceChroma, stop)
			}
			// Colours far outside the RGB gamut: blur them after the
			// clipping, as Pillow does, on libjpeg's RGB.
			return blurImage(jpegRGB(m), opts, kern, radius, reduceChroma, stop)
		}
	case *image.Gray:
		out := image.NewGray(m.Rect)
		src := plane{pix: m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], w: m.Rect.Dx(), h: m.Rect.Dy(), stride: m.Stride}
		if src.w > 0 && src.h > 0 {
			bx, by, n := kern(radius, radius)
			if err := blurPlane(plane{pix: out.Pix, w: src.w, h: src.h, stride: out.Stride}, src, bx, by, n, stop); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *image.Gray16:
		return blurImage(toGray(m), opts, kern, radius, reduceChroma, stop)
	}
	var n *image.NRGBA
	premul := false
	if m, ok := img.(*image.RGBA); ok && o.Alpha == AlphaPremultiplied && !m.Opaque() {
		// Already premultiplied: blur the samples as they are.
		n = &image.NRGBA{Pix: make([]byte, 4*m.Rect.Dx()*m.Rect.Dy()), Stride: 4 * m.Rect.Dx(), Rect: m.Rect}
		copyRows(n.Pix, n.Stride, m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], m.Stride, 4*m.Rect.Dx(), m.Rect.Dy())
		premul = true
	} else {
		n = toNRGBA(img)
	}
	channels := 4
	if n.Opaque() {
		channels = 3
	} else if o.Alpha == AlphaPremultiplied && !premul {
		premultiply(n)
		premul = true
	}
	w, h := n.Rect.Dx(), n.Rect.Dy()
	if w == 0 || h == 0 {
		return n, nil
	}
	bx, by, passes := kern(radius, radius)
	planes := deinterleave(n, channels)
	for _, p := range planes {
		if err := blurPlane(p, p, bx, by, passes, stop); err != nil {
			return nil, err
		}
	}
	interleave(n, planes)
	if premul {
		unpremultiply(n)
	}
	return n, nil
}

// chromaFactors returns the horizontal and vertical chroma subsampling
// factors of r.
func chromaFactors(r image.YCbCrSubsampleRatio) (fx, fy int, ok bool) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return 1, 1, true
	case image.YCbCrSubsampleRatio422:
		return 2, 1, true
	case image.YCbCrSubsampleRatio420:
		return 2, 2, true
	case image.YCbCrSubsampleRatio440:
		return 1, 2, true
	case image.YCbCrSubsampleRatio411:
		return 4, 1, true
	case image.YCbCrSubsampleRatio410:
		return 4, 2, true
	}
	return 0, 0, false
}

func blurYCbCr(m *image.YCbCr, kern kernelFunc, radius float64, fx, fy int, reduce bool, stop stopFunc) (*image.YCbCr, error) {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	src := m
	if reduce && (fx == 1 || fy == 1) && fx <= 2 && fy <= 2 && w > 1 && h > 1 {
		src = to420(m, fx, fy)
		fx, fy = 2, 2
	}
	out := image.NewYCbCr(m.Rect, src.SubsampleRatio)
	if w == 0 || h == 0 {
		return out, nil
	}
	cw, ch := out.CStride, len(out.Cb)/out.CStride
	bx, by, n := kern(radius, radius)
	if err := blurPlane(plane{pix: out.Y, w: w, h: h, stride: out.YStride}, plane{pix: m.Y, w: w, h: h, stride: m.YStride}, bx, by, n, stop); err != nil {
		return nil, err
	}
	cbx, cby, _ := kern(radius/float64(fx), radius/float64(fy))
	if err := blurPlane(plane{pix: out.Cb, w: cw, h: ch, stride: out.CStride}, plane{pix: src.Cb, w: cw, h: ch, stride: src.CStride}, cbx, cby, n, stop); err != nil {
		return nil, err
	}
	if err := blurPlane(plane{pix: out.Cr, w: cw, h: ch, stride: out.CStride}, plane{pix: src.Cr, w: cw, h: ch, stride: src.CStride}, cbx, cby, n, stop); err != nil {
		return nil, err
	}
	return out, nil
}

// to420 returns an image sharing m's luma whose chroma planes are m's
// (subsampled by fx×fy, each 1 or 2) averaged down to 4:2:0, edge samples
// replicated.
func to420(m *image.YCbCr, fx, fy int) *image.YCbCr {
	out := image.NewYCbCr(m.Rect, image.YCbCrSubsampleRatio420)
	out.Y, out.YStride = m.Y, m.YStride
	sw := (m.Rect.Dx() + fx - 1) / fx // source chroma size
	sh := (m.Rect.Dy() + fy - 1) / fy
	dw, dh := out.CStride, len(out.Cb)/out.CStride
	kx, ky := 2/fx, 2/fy // source samples per output sample
	for _, p := range [][2][]byte{{out.Cb, m.Cb}, {out.Cr, m.Cr}} {
		dst, src := p[0], p[1]
		for y := 0; y < dh; y++ {
			r0 := src[min(y*ky, sh-1)*m.CStride:][:sw]
			r1 := src[min(y*ky+ky-1, sh-1)*m.CStride:][:sw]
			d := dst[y*out.CStride:][:dw]
			for x := range d {
				x0, x1 := min(x*kx, sw-1), min(x*kx+kx-1, sw-1)
				d[x] = byte((uint32(r0[x0]) + uint32(r0[x1]) + uint32(r1[x0]) + uint32(r1[x1]) + 2) >> 2)
			}
		}
	}
	return out
}

// deinterleave copies the first channels (3 or 4) channels of n into
// separate planes.
func deinterleave(n *image.NRGBA, channels int) []plane {
	w, h := n.Rect.Dx(), n.Rect.Dy()
	buf := make([]byte, w*h*channels)
	planes := make([]plane, channels)
	for c := range planes {
		planes[c] = plane{pix: buf[c*w*h : (c+1)*w*h], w: w, h: h, stride: w}
	}
	for y := 0; y < h; y++ {
		row := n.Pix[y*n.Stride : y*n.Stride+4*w]
		r, g, b := planes[0].row(y), planes[1].row(y), planes[2].row(y)
		g, b = g[:len(r)], b[:len(r)]
		if channels == 4 {
			a := planes[3].row(y)[:len(r)]
			for x := range r {
				v := binary.LittleEndian.Uint32(row[4*x:])
				r[x], g[x], b[x], a[x] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
			}
			continue
		}
		for x := range r {
			v := binary.LittleEndian.Uint32(row[4*x:])
			r[x], g[x], b[x] = byte(v), byte(v>>8), byte(v>>16)
		}
	}
	return planes
}

// interleave copies 3 or 4 planes back into the first channels of n.
func interleave(n *image.NRGBA, planes []plane) {
	w, h := n.Rect.Dx(), n.Rect.Dy()
	for y := 0; y < h; y++ {
		row := n.Pix[y*n.Stride : y*n.Stride+4*w]
		r, g, b := planes[0].row(y), planes[1].row(y), planes[2].row(y)
		g, b = g[:len(r)], b[:len(r)]
		if len(planes) == 4 {
			a := planes[3].row(y)[:len(r)]
			for x := range r {
				binary.LittleEndian.PutUint32(row[4*x:], uint32(r[x])|uint32(g[x])<<8|uint32(b[x])<<16|uint32(a[x])<<24)
			}
			continue
		}
		for x := range r {
			binary.LittleEndian.PutUint32(row[4*x:], uint32(r[x])|uint32(g[x])<<8|uint32(b[x])<<16|uint32(row[4*x+3])<<24)
		}
	}
}

// premultiply turns n's straight colour into premultiplied colour in place,
// rounding like Pillow's RGBA to RGBa conversion.
func premultiply(n *image.NRGBA) {
	w, h := n.Rect.Dx(), n.Rect.Dy()
	for y := 0; y < h; y++ {
		row := n.Pix[y*n.Stride : y*n.Stride+4*w]
		for i := 0; i+3 < len(row); i += 4 {
			a := uint32(row[i+3])
			if a == 255 {
				continue
			}
			row[i] = mulDiv255(uint32(row[i]), a)
			row[i+1] = mulDiv255(uint32(row[i+1]), a)
			row[i+2] = mulDiv255(uint32(row[i+2]), a)
		}
	}
}

func mulDiv255(v, a uint32) byte {
	t := v*a + 128
	return byte((t + t>>8) >> 8)
}

// unpremultiply turns n's premultiplied colour back into straight colour in
// place.
func unpremultiply(n *image.NRGBA) {
	w, h := n.Rect.Dx(), n.Rect.Dy()
	for y := 0; y < h; y++ {
		row := n.Pix[y*n.Stride : y*n.Stride+4*w]
		for i := 0; i+3 < len(row); i += 4 {
			a := uint32(row[i+3])
			switch a {
			case 255:
				continue
			case 0:
				row[i], row[i+1], row[i+2] = 0, 0, 0
				continue
			}
			row[i] = byte(min(255, (uint32(row[i])*255+a/2)/a))
			row[i+1] = byte(min(255, (uint32(row[i+1])*255+a/2)/a))
			row[i+2] = byte(min(255, (uint32(row[i+2])*255+a/2)/a))
		}
	}
}
