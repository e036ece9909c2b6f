package imgproc

import (
	"fmt"
	"image"

	"golang.org/x/image/draw"
)

// MaxDimension bounds the width and height [Resize] will produce, so that a
// typo in an operation list cannot ask for terabytes.
const MaxDimension = 1 << 16

// Resize returns img scaled to width×height pixels with Catmull-Rom
// (bicubic) resampling, which is sharp and free of Lanczos' ringing. When
// width or height is 0 it is computed from the other to keep the aspect
// ratio (rounded, at least 1). Colour images come back as *image.RGBA
// (premultiplied, so edges of transparent areas do not darken), grey ones
// as *image.Gray. It is an error for both sizes to be 0, for either to be
// negative or over [MaxDimension], or for img to be empty. It is also an
// error, wrapping [ErrTooLarge], for the output to have more pixels than
// both [DefaultMaxPixels] and img itself, however large the sizes asked
// for: a typo in a size costs an error, not the memory of the process
// ([Ops.ApplyLimited] sets another budget).
func Resize(img image.Image, width, height int) (image.Image, error) {
	return resize(img, width, height, DefaultMaxPixels)
}

// resize is Resize with the pixel budget budget; a negative budget means
// none.
func resize(img image.Image, width, height int, budget int64) (image.Image, error) {
	b := img.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("imgproc: resize: empty image")
	}
	if width < 0 || height < 0 || (width == 0 && height == 0) || width > MaxDimension || height > MaxDimension {
		return nil, fmt.Errorf("imgproc: resize: invalid size %dx%d", width, height)
	}
	if width == 0 {
		width = max(1, int(float64(b.Dx())*float64(height)/float64(b.Dy())+0.5))
	}
	if height == 0 {
		height = max(1, int(float64(b.Dy())*float64(width)/float64(b.Dx())+0.5))
	}
	if width > MaxDimension || height > MaxDimension {
		return nil, fmt.Errorf("imgproc: resize: %dx%d is over the %d-pixel limit", width, height, MaxDimension)
	}
	if n, limit := int64(width)*int64(height), max(budget, int64(b.Dx())*int64(b.Dy())); budget >= 0 && n > limit {
		return nil, fmt.Errorf("%w: resize to %dx%d is %d pixels, over the limit of %d",
			ErrTooLarge, width, height, n, limit)
	}
	dst := image.NewRGBA(image.Rect(0, 0, width, height))
	src := img
	if p, ok := img.(*image.Paletted); ok {
		src = toNRGBA(p)
	}
	draw.CatmullRom.Scale(dst, dst.Rect, src, b, draw.Src, nil)
	switch img.(type) {
	case *image.Gray, *image.Gray16:
		g := image.NewGray(dst.Rect)
		for i := range g.Pix {
			g.Pix[i] = dst.Pix[4*i]
		}
		return g, nil
	}
	return dst, nil
}

// Thumbnail returns img scaled down to fit inside maxWidth×maxHeight with
// its aspect ratio kept, like Pillow's Image.thumbnail; an image that
// already fits is never enlarged but copied as by [Orient] with
// OrientNormal (so a *image.YCbCr stays one, and a *image.Paletted becomes
// a *image.NRGBA). A zero bound means no limit in that direction. Scaled
// results have the types of [Resize]; errors are as for Resize.
func Thumbnail(img image.Image, maxWidth, maxHeight int) (image.Image, error) {
	if maxWidth < 0 || maxHeight < 0 || (maxWidth == 0 && maxHeight == 0) {
		return nil, fmt.Errorf("imgproc: thumbnail: invalid bounds %dx%d", maxWidth, maxHeight)
	}
	b := img.Bounds()
	if b.Empty() {
		return nil, fmt.Errorf("imgproc: thumbnail: empty image")
	}
	w, h := b.Dx(), b.Dy()
	if (maxWidth == 0 || w <= maxWidth) && (maxHeight == 0 || h <= maxHeight) {
		return Orient(img, OrientNormal)
	}
	scale := 1.0
	if maxWidth > 0 {
		scale = min(scale, float64(maxWidth)/float64(w))
	}
	if maxHeight > 0 {
		scale = min(scale, float64(maxHeight)/float64(h))
	}
	nw := max(1, int(float64(w)*scale+0.5))
	nh := max(1, int(float64(h)*scale+0.5))
	return Resize(img, nw, nh)
}

// UnsharpMask returns img sharpened like Pillow's
// ImageFilter.UnsharpMask(radius, percent, threshold): each sample differing
// from its Gaussian blur (sigma radius, see [GaussianBlur]) by more than
// threshold moves away from it by percent per cent of the difference. All
// channels, alpha included, are treated independently, as in Pillow, which
// makes the result bit-exact with Pillow on 8-bit RGB, RGBA and grey input.
// Grey images come back as *image.Gray, others as *image.NRGBA. Pillow's
// defaults are radius 2, percent 150, threshold 3. A non-positive radius,
// a negative percent or threshold is an error.
func UnsharpMask(img image.Image, radius float64, percent, threshold int) (image.Image, error) {
	if err := checkRadius("radius", radius, false); err != nil {
		return nil, err
	}
	if percent < 0 || threshold < 0 {
		return nil, fmt.Errorf("imgproc: unsharp mask: percent and threshold must be >= 0, not %d and %d", percent, threshold)
	}
	var orig []byte
	var blurred image.Image
	var err error
	switch m := img.(type) {
	case *image.Gray:
		g := image.NewGray(m.Rect)
		copyRows(g.Pix, g.Stride, m.Pix[m.PixOffset(m.Rect.Min.X, m.Rect.Min.Y):], m.Stride, m.Rect.Dx(), m.Rect.Dy())
		orig = g.Pix
		blurred, err = GaussianBlur(g, radius, nil)
	default:
		n := toNRGBA(img)
		orig = n.Pix
		blurred, err = GaussianBlur(n, radius, &BlurOptions{Alpha: AlphaStraight})
	}
	if err != nil {
		return nil, err
	}
	var out []byte
	switch m := blurred.(type) {
	case *image.Gray:
		out = m.Pix
	case *image.NRGBA:
		out = m.Pix
	}
	// A difference of at least 1 moved by 25600 per cent or more saturates
	// at 0 or 255, and no difference exceeds 255, so clamping keeps every
	// result while diff*p stays far from int32 overflow.
	p := int32(min(percent, 1<<16))
	th := int32(min(threshold, 255))
	for i, v := range orig {
		diff := int32(v) - int32(out[i])
		if diff > th || -diff > th {
			out[i] = byte(min(255, max(0, int32(v)+diff*p/100)))
		} else {
			out[i] = v
		}
	}
	return blurred, nil
}
