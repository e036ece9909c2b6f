package imgproc

import (
	"image"
	"image/color"
)

// copyRows copies h rows of n bytes between buffers with the given strides.
func copyRows(dst []byte, dstStride int, src []byte, srcStride, n, h int) {
	for y := 0; y < h; y++ {
		copy(dst[y*dstStride:y*dstStride+n], src[y*srcStride:y*srcStride+n])
	}
}

// toNRGBA returns a new *image.NRGBA with img's bounds and pixels, 8 bits per
// sample, straight (non-premultiplied) alpha.
func toNRGBA(img image.Image) *image.NRGBA {
	r := img.Bounds()
	out := image.NewNRGBA(r)
	w, h := r.Dx(), r.Dy()
	if w == 0 || h == 0 {
		return out
	}
	switch m := img.(type) {
	case *image.NRGBA:
		copyRows(out.Pix, out.Stride, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, 4*w, h)
		return out
	case *image.RGBA:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):][:4*w]
			dst := out.Pix[y*out.Stride:][:4*w]
			for i := 0; i+3 < len(src); i += 4 {
				a := uint32(src[i+3])
				switch a {
				case 255:
					copy(dst[i:i+4], src[i:i+4])
				case 0:
				default:
					dst[i] = byte((uint32(src[i])*255 + a/2) / a)
					dst[i+1] = byte((uint32(src[i+1])*255 + a/2) / a)
					dst[i+2] = byte((uint32(src[i+2])*255 + a/2) / a)
					dst[i+3] = byte(a)
				}
			}
		}
		return out
	case *image.Gray:
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):][:w]
			dst := out.Pix[y*out.Stride:][:4*w]
			for x, v := range src {
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = v, v, v, 255
			}
		}
		return out
	case *image.YCbCr:
		if _, _, ok := chromaFactors(m.SubsampleRatio); ok && r.Min == (image.Point{}) {
			// As libjpeg converts them, and so as Pillow and viewers show
			// a JPEG of these planes.
			jpegRGBInto(out.Pix, out.Stride, m)
			return out
		}
		for y := 0; y < h; y++ {
			dst := out.Pix[y*out.Stride:][:4*w]
			for x := 0; x < w; x++ {
				yi := m.YOffset(r.Min.X+x, r.Min.Y+y)
				ci := m.COffset(r.Min.X+x, r.Min.Y+y)
				cr, cg, cb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = cr, cg, cb, 255
			}
		}
		return out
	case *image.CMYK: // Pillow's formula, as Decode converts CMYK
		rgb := pillowCMYKToRGB(m)
		copyRows(out.Pix, out.Stride, rgb.Pix, rgb.Stride, 4*w, h)
		return out
	case *image.Paletted:
		pal := make([]color.NRGBA, len(m.Palette))
		for i, c := range m.Palette {
			pal[i] = color.NRGBAModel.Convert(c).(color.NRGBA)
		}
		for y := 0; y < h; y++ {
			src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):][:w]
			dst := out.Pix[y*out.Stride:][:4*w]
			for x, v := range src {
				var c color.NRGBA
				if int(v) < len(pal) {
					c = pal[v]
				}
				dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = c.R, c.G, c.B, c.A
			}
		}
		return out
	}
	for y := 0; y < h; y++ {
		dst := out.Pix[y*out.Stride:][:4*w]
		for x := 0; x < w; x++ {
			c := color.NRGBAModel.Convert(img.At(r.Min.X+x, r.Min.Y+y)).(color.NRGBA)
			dst[4*x], dst[4*x+1], dst[4*x+2], dst[4*x+3] = c.R, c.G, c.B, c.A
		}
	}
	return out
}

// toGray returns a new *image.Gray with the 8-bit luma of a 16-bit grey
// image, rounded to nearest.
func toGray(m *image.Gray16) *image.Gray {
	r := m.Rect
	out := image.NewGray(r)
	for y := 0; y < r.Dy(); y++ {
		src := m.Pix[m.PixOffset(r.Min.X, r.Min.Y+y):][:2*r.Dx()]
		dst := out.Pix[y*out.Stride:][:r.Dx()]
		for x := range dst {
			v := uint32(src[2*x])<<8 | uint32(src[2*x+1])
			dst[x] = byte((v*255 + 32767) / 65535)
		}
	}
	return out
}

// luma is Pillow's RGB to "L" conversion (ITU-R 601-2 weights, 16-bit fixed
// point, rounded).
func luma(r, g, b byte) byte {
	return byte((uint32(r)*19595 + uint32(g)*38470 + uint32(b)*7471 + 0x8000) >> 16)
}

// Grayscale returns img in shades of grey, computed like Pillow's
// convert("L"): L = (299 R + 587 G + 114 B) / 1000 in 16-bit fixed point.
// A *image.YCbCr gives its luma plane as it is (the same weights), a *image.Gray
// a copy; both return a *image.Gray, as does any opaque image. An image with
// transparency returns a *image.NRGBA whose colour is grey and whose alpha is
// kept. Grayscale is safe to call concurrently.
func Grayscale(img image.Image) image.Image {
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	switch m := img.(type) {
	case *image.YCbCr:
		out := image.NewGray(r)
		copyRows(out.Pix, out.Stride, m.Y[m.YOffset(r.Min.X, r.Min.Y):], m.YStride, w, h)
		return out
	case *image.Gray:
		out := image.NewGray(r)
		copyRows(out.Pix, out.Stride, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, w, h)
		return out
	case *image.Gray16:
		return toGray(m)
	}
	n := toNRGBA(img)
	if !n.Opaque() {
		for i := 0; i+3 < len(n.Pix); i += 4 {
			l := luma(n.Pix[i], n.Pix[i+1], n.Pix[i+2])
			n.Pix[i], n.Pix[i+1], n.Pix[i+2] = l, l, l
		}
		return n
	}
	out := image.NewGray(r)
	for y := 0; y < h; y++ {
		src := n.Pix[y*n.Stride:][:4*w]
		dst := out.Pix[y*out.Stride:][:w]
		for x := range dst {
			dst[x] = luma(src[4*x], src[4*x+1], src[4*x+2])
		}
	}
	return out
}
