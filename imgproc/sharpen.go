package imgproc

import (
	"fmt"
	"image"
)

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
	return unsharpMask(img, radius, percent, threshold, nil)
}

// unsharpMask is UnsharpMask, stopping early with stop's error.
func unsharpMask(img image.Image, radius float64, percent, threshold int, stop stopFunc) (image.Image, error) {
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
		blurred, err = gaussianBlur(g, radius, nil, stop)
	default:
		n := toNRGBA(img)
		orig = n.Pix
		blurred, err = gaussianBlur(n, radius, &BlurOptions{Alpha: AlphaStraight}, stop)
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
