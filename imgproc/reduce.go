package imgproc

import (
	"errors"
	"fmt"
	"image"
)

// reduceMultiplier is Pillow's division_UINT32(n, 8): the fixed-point
// reciprocal of a block of n samples, computed in single precision as
// Pillow computes it, so that the rounding is the same.
func reduceMultiplier(n int) uint32 {
	return uint32(float32(1<<32) / float32(256*n))
}

// reducePlane shrinks the box r of src (bpp bytes per pixel, 1 or 4, rows
// stride bytes apart) by integer factors fx and fy, each output sample the
// average of an fx×fy block, as Pillow's Image.reduce does with its
// rounding: blocks cut by the box's right or bottom edge average the
// samples they have. It returns the pixels, ceil(r.Dx()/fx) by
// ceil(r.Dy()/fy), rows packed.
func reducePlane(src []byte, stride, bpp, fx, fy int, r image.Rectangle) (out []byte, w, h int) {
	w, h = (r.Dx()+fx-1)/fx, (r.Dy()+fy-1)/fy
	n := w * bpp
	out = make([]byte, n*h)
	sums := make([]uint32, n)
	for y := range h {
		y0 := r.Min.Y + y*fy
		y1 := min(y0+fy, r.Max.Y)
		clear(sums)
		for sy := y0; sy < y1; sy++ {
			row := src[sy*stride+r.Min.X*bpp : sy*stride+r.Max.X*bpp]
			if bpp == 1 {
				for x := range w {
					var s uint32
					for _, v := range row[x*fx : min((x+1)*fx, len(row))] {
						s += uint32(v)
					}
					sums[x] += s
				}
				continue
			}
			for x := range w {
				var s0, s1, s2, s3 uint32
				blk := row[x*fx*4 : min((x+1)*fx*4, len(row))]
				for i := 0; i+3 < len(blk); i += 4 {
					s0 += uint32(blk[i])
					s1 += uint32(blk[i+1])
					s2 += uint32(blk[i+2])
					s3 += uint32(blk[i+3])
				}
				s := sums[4*x : 4*x+4 : 4*x+4]
				s[0] += s0
				s[1] += s1
				s[2] += s2
				s[3] += s3
			}
		}
		dst := out[y*n : (y+1)*n]
		rows := y1 - y0
		full := uint32(fx * rows)
		mul, amend := reduceMultiplier(int(full)), full/2
		for x := range w {
			cols := min(fx, r.Dx()-x*fx)
			m, a := mul, amend
			if cols != fx {
				area := cols * rows
				m, a = reduceMultiplier(area), uint32(area/2)
			}
			for c := range bpp {
				dst[x*bpp+c] = byte(((sums[x*bpp+c] + a) * m) >> 24)
			}
		}
	}
	return out, w, h
}

// Reduce returns img shrunk by the integer factors fx and fy, each output
// pixel the average of an fx×fy block of source pixels, as Pillow's
// Image.reduce((fx, fy)) computes it (bit-exact on grey, RGB and RGBA;
// RGBA is averaged premultiplied, as Pillow does); blocks cut by the right
// or bottom edge average the pixels they have. The output is
// ceil(width/fx)×ceil(height/fy). Types are as for [Resize]: a *image.YCbCr
// stays one, its planes reduced by the same factors. Factors under 1 are
// an error.
func Reduce(img image.Image, fx, fy int) (image.Image, error) {
	if fx < 1 || fy < 1 {
		return nil, fmt.Errorf("imgproc: reduce: factors %dx%d (want 1 or more)", fx, fy)
	}
	if img == nil || img.Bounds().Empty() {
		return nil, errors.New("imgproc: reduce: empty image")
	}
	return reduceImage(img, fx, fy), nil
}

// reduceImage reduces img by fx×fy (one factor for both when fy is
// omitted), keeping its type as resizeImage does.
func reduceImage(img image.Image, f ...int) image.Image {
	fx, fy := f[0], f[0]
	if len(f) > 1 {
		fy = f[1]
	}
	b := img.Bounds()
	r := image.Rect(0, 0, b.Dx(), b.Dy())
	switch m := img.(type) {
	case *image.Gray:
		pix, w, h := reducePlane(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 1, fx, fy, r)
		return &image.Gray{Pix: pix, Stride: w, Rect: image.Rect(0, 0, w, h)}
	case *image.YCbCr:
		if cx, cy, ok := chromaFactors(m.SubsampleRatio); ok && m.Rect.Min == (image.Point{}) {
			return reduceYCbCr(m, cx, cy, fx, fy)
		}
	case *image.RGBA:
		if m.Opaque() {
			pix, w, h := reducePlane(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, 4, fx, fy, r)
			opaque(pix)
			return &image.NRGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
		}
	}
	_, hasAlpha := img.(*image.NRGBA)
	n := toNRGBA(img)
	premul := hasAlpha || !n.Opaque()
	if premul {
		pillowPremultiply(n.Pix)
	}
	pix, w, h := reducePlane(n.Pix, n.Stride, 4, fx, fy, r)
	if premul {
		pillowUnpremultiply(pix)
	} else {
		opaque(pix)
	}
	return &image.NRGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}
}

// reduceYCbCr reduces the planes of m (chroma subsampled cx×cy) by fx×fy.
// The chroma planes are reduced by the same factors and then cut or
// padded (last sample repeated) to the size the smaller luma needs.
func reduceYCbCr(m *image.YCbCr, cx, cy, fx, fy int) *image.YCbCr {
	sw, sh := m.Rect.Dx(), m.Rect.Dy()
	y, w, h := reducePlane(m.Y, m.YStride, 1, fx, fy, image.Rect(0, 0, sw, sh))
	out := &image.YCbCr{Y: y, YStride: w, SubsampleRatio: m.SubsampleRatio, Rect: image.Rect(0, 0, w, h)}
	cw, ch := (w+cx-1)/cx, (h+cy-1)/cy
	scw, sch := (sw+cx-1)/cx, (sh+cy-1)/cy
	fit := func(p []byte) []byte {
		src, rw, rh := reducePlane(p, m.CStride, 1, fx, fy, image.Rect(0, 0, scw, sch))
		if rw == cw && rh == ch {
			return src
		}
		dst := make([]byte, cw*ch)
		for y := range ch {
			row := src[min(y, rh-1)*rw:][:rw]
			d := dst[y*cw:][:cw]
			n := copy(d, row)
			for x := n; x < cw; x++ {
				d[x] = row[rw-1]
			}
		}
		return dst
	}
	out.Cb, out.Cr, out.CStride = fit(m.Cb), fit(m.Cr), cw
	return out
}
