package imgproc

import (
	"fmt"
	"image"
	"slices"
)

// Orientation is an EXIF orientation: how the stored pixels must be turned
// to appear upright. The values are those of EXIF tag 0x0112.
type Orientation int

// The eight EXIF orientations. The comment says what brings the stored
// pixels upright.
const (
	OrientNormal     Orientation = 1 // nothing
	OrientFlipH      Orientation = 2 // mirror left to right
	OrientRotate180  Orientation = 3 // rotate 180°
	OrientFlipV      Orientation = 4 // mirror top to bottom
	OrientTranspose  Orientation = 5 // mirror across the top-left to bottom-right diagonal
	OrientRotate90   Orientation = 6 // rotate 90° clockwise
	OrientTransverse Orientation = 7 // mirror across the top-right to bottom-left diagonal
	OrientRotate270  Orientation = 8 // rotate 270° clockwise (90° counter-clockwise)
)

// Valid reports whether o is one of the eight EXIF orientations.
func (o Orientation) Valid() bool { return o >= OrientNormal && o <= OrientRotate270 }

// swapsAxes reports whether o exchanges width and height.
func (o Orientation) swapsAxes() bool { return o >= OrientTranspose && o <= OrientRotate270 }

// source returns the stored pixel that lands at (dx, dy) of the upright
// image, for a stored image of w×h pixels.
func (o Orientation) source(dx, dy, w, h int) (sx, sy int) {
	switch o {
	case OrientFlipH:
		return w - 1 - dx, dy
	case OrientRotate180:
		return w - 1 - dx, h - 1 - dy
	case OrientFlipV:
		return dx, h - 1 - dy
	case OrientTranspose:
		return dy, dx
	case OrientRotate90:
		return dy, h - 1 - dx
	case OrientTransverse:
		return w - 1 - dy, h - 1 - dx
	case OrientRotate270:
		return w - 1 - dy, dx
	}
	return dx, dy
}

// transformPlane writes to dst the image o makes of the w×h plane src of
// bpp-byte pixels.
func transformPlane(dst []byte, dstStride int, src []byte, srcStride, w, h, bpp int, o Orientation) {
	dw, dh := w, h
	if o.swapsAxes() {
		dw, dh = h, w
	}
	for dy := 0; dy < dh; dy++ {
		row := dst[dy*dstStride : dy*dstStride+dw*bpp]
		switch bpp {
		case 1:
			for dx := range row {
				sx, sy := o.source(dx, dy, w, h)
				row[dx] = src[sy*srcStride+sx]
			}
		default:
			for dx := 0; dx < dw; dx++ {
				sx, sy := o.source(dx, dy, w, h)
				copy(row[dx*bpp:dx*bpp+bpp], src[sy*srcStride+sx*bpp:])
			}
		}
	}
}

// Orient returns img turned by o, as a new image whose bounds start at
// (0, 0). *image.YCbCr (when its chroma grid allows it), *image.Gray,
// *image.RGBA, *image.NRGBA, *image.Paletted, *image.CMYK and the 16-bit
// *image.Gray16, *image.NRGBA64 and *image.RGBA64 keep their type (and
// precision); other images become *image.NRGBA. An invalid o is an
// error.
func Orient(img image.Image, o Orientation) (image.Image, error) {
	if !o.Valid() {
		return nil, fmt.Errorf("imgproc: invalid orientation %d", int(o))
	}
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	dr := image.Rect(0, 0, w, h)
	if o.swapsAxes() {
		dr = image.Rect(0, 0, h, w)
	}
	switch m := img.(type) {
	case *image.YCbCr:
		ratio, ok := orientedRatio(m.SubsampleRatio, o)
		fx, fy, _ := chromaFactors(m.SubsampleRatio)
		if ok && r.Min.X%fx == 0 && r.Min.Y%fy == 0 && w%fx == 0 && h%fy == 0 {
			out := image.NewYCbCr(dr, ratio)
			transformPlane(out.Y, out.YStride, m.Y[m.YOffset(r.Min.X, r.Min.Y):], m.YStride, w, h, 1, o)
			ci := m.COffset(r.Min.X, r.Min.Y)
			transformPlane(out.Cb, out.CStride, m.Cb[ci:], m.CStride, w/fx, h/fy, 1, o)
			transformPlane(out.Cr, out.CStride, m.Cr[ci:], m.CStride, w/fx, h/fy, 1, o)
			return out, nil
		}
	case *image.Gray:
		out := image.NewGray(dr)
		transformPlane(out.Pix, out.Stride, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, w, h, 1, o)
		return out, nil
	case *image.RGBA:
		out := image.NewRGBA(dr)
		transformPlane(out.Pix, out.Stride, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, w, h, 4, o)
		return out, nil
	case *image.NRGBA:
		out := image.NewNRGBA(dr)
		transformPlane(out.Pix, out.Stride, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, w, h, 4, o)
		return out, nil
	case *image.Gray16: // 16-bit images keep their precision
		out := image.NewGray16(dr)
		transformPlane(out.Pix, out.Stride, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, w, h, 2, o)
		return out, nil
	case *image.NRGBA64:
		out := image.NewNRGBA64(dr)
		transformPlane(out.Pix, out.Stride, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, w, h, 8, o)
		return out, nil
	case *image.RGBA64:
		out := image.NewRGBA64(dr)
		transformPlane(out.Pix, out.Stride, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, w, h, 8, o)
		return out, nil
	case *image.CMYK:
		out := image.NewCMYK(dr)
		transformPlane(out.Pix, out.Stride, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, w, h, 4, o)
		return out, nil
	case *image.Paletted:
		out := image.NewPaletted(dr, slices.Clone(m.Palette))
		transformPlane(out.Pix, out.Stride, m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride, w, h, 1, o)
		return out, nil
	}
	n := toNRGBA(img)
	out := image.NewNRGBA(dr)
	transformPlane(out.Pix, out.Stride, n.Pix, n.Stride, w, h, 4, o)
	return out, nil
}

// orientedRatio returns the chroma subsampling of a YCbCr image turned by o.
func orientedRatio(r image.YCbCrSubsampleRatio, o Orientation) (image.YCbCrSubsampleRatio, bool) {
	if !o.swapsAxes() {
		return r, true
	}
	switch r {
	case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420:
		return r, true
	case image.YCbCrSubsampleRatio422:
		return image.YCbCrSubsampleRatio440, true
	case image.YCbCrSubsampleRatio440:
		return image.YCbCrSubsampleRatio422, true
	}
	return r, false
}

// Rotate returns img rotated clockwise by degrees, which must be 0, 90, 180
// or 270 (or the same angles negative, counter-clockwise). Types are kept as
// by [Orient].
func Rotate(img image.Image, degrees int) (image.Image, error) {
	switch ((degrees % 360) + 360) % 360 {
	case 0:
		return Orient(img, OrientNormal)
	case 90:
		return Orient(img, OrientRotate90)
	case 180:
		return Orient(img, OrientRotate180)
	case 270:
		return Orient(img, OrientRotate270)
	}
	return nil, fmt.Errorf("imgproc: rotation must be a multiple of 90 degrees, not %d", degrees)
}

// FlipH returns img mirrored left to right. Types are kept as by [Orient].
func FlipH(img image.Image) image.Image {
	out, _ := Orient(img, OrientFlipH)
	return out
}

// FlipV returns img mirrored top to bottom. Types are kept as by [Orient].
func FlipV(img image.Image) image.Image {
	out, _ := Orient(img, OrientFlipV)
	return out
}

// Crop returns a copy of the part of img inside r (in img's coordinates),
// with bounds starting at (0, 0). A *image.YCbCr stays one when r's corner
// falls on its chroma grid; other types are kept as by [Orient]. It is an
// error for r to be empty or to leave img's bounds.
func Crop(img image.Image, r image.Rectangle) (image.Image, error) {
	b := img.Bounds()
	if r.Empty() || !r.In(b) {
		return nil, fmt.Errorf("imgproc: crop rectangle %v is empty or outside the image bounds %v", r, b)
	}
	type subImager interface {
		SubImage(image.Rectangle) image.Image
	}
	if s, ok := img.(subImager); ok {
		return Orient(s.SubImage(r), OrientNormal)
	}
	n := toNRGBA(img)
	return Orient(n.SubImage(r), OrientNormal)
}
