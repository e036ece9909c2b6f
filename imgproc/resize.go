package imgproc

import (
	"errors"
	"fmt"
	"image"
	"math"
)

// MaxDimension bounds the width and height [Resize] will produce, so that a
// typo in an operation list cannot ask for terabytes.
const MaxDimension = 1 << 16

// ResizeOptions adjusts [Resize] and [Thumbnail]. A nil *ResizeOptions
// means the zero value.
type ResizeOptions struct {
	// Filter is the resampling filter; the zero value is Bicubic, Pillow's
	// default.
	Filter Filter
	// Box is the region of the source to scale, as left, top, right,
	// bottom in the source's pixel coordinates counted from its top-left
	// corner; it may be fractional (Pillow's box argument). All zero
	// means the whole image.
	Box [4]float64
	// ReducingGap, when at least 1, makes a downscale first shrink the
	// image by integer factors (as [Reduce]) while it stays at least
	// ReducingGap times the output size, then resample: Pillow's
	// reducing_gap, much faster for large factors and, from 3 up, hard
	// to tell from the plain resample. Zero means the function's default:
	// none for Resize, 2 for Thumbnail (Pillow's defaults); a negative
	// value means none.
	ReducingGap float64
	// MaxPixels is the budget of the output: a resize to more pixels than
	// both MaxPixels and its input has fails with an error wrapping
	// [ErrTooLarge]. Zero means DefaultMaxPixels; negative, no limit.
	MaxPixels int64
}

func (o *ResizeOptions) orZero() ResizeOptions {
	if o == nil {
		return ResizeOptions{}
	}
	return *o
}

// Resize returns img scaled to width×height pixels, bit-exact with
// Pillow's Image.resize((width, height), filter, box, reducing_gap) on 8-bit
// grey, RGB and RGBA images: the same kernels, the same separable two-pass
// convolution in 22-bit fixed point, the same rounding and edges. When
// width or height is 0 it is computed from the other to keep the aspect
// ratio of the box (rounded, at least 1).
//
// The result's type follows the input's: *image.Gray for grey images
// (Pillow's "L"); *image.NRGBA for images with an alpha channel
// (*image.NRGBA input, or translucent *image.RGBA), resampled premultiplied
// as Pillow resamples "RGBA" (and, as Pillow does, without the reducing
// step); *image.NRGBA, opaque, for other colour images (Pillow's "RGB").
// Paletted images are resampled as RGBA (Pillow would fall back to
// nearest-neighbour on the palette indices). A *image.YCbCr, as JPEGs
// decode, is resampled plane by plane and stays a *image.YCbCr with its
// chroma subsampling: 1.5 samples per pixel instead of 4 for 4:2:0 and no
// colour conversion either way, within 45 dB of resampling the RGB image
// (the tests measure it).
//
// It is an error for both sizes to be 0, for either to be negative or over
// [MaxDimension], for img to be empty, for the box to be empty or outside
// the image, or for the filter to be unknown. It is also an error,
// wrapping [ErrTooLarge], for the output to have more pixels than both the
// budget (opts.MaxPixels) and img itself, however large the sizes asked
// for: a typo in a size costs an error, not the memory of the process.
// Resize is safe for concurrent use; img is not modified.
func Resize(img image.Image, width, height int, opts *ResizeOptions) (image.Image, error) {
	o := opts.orZero()
	if o.ReducingGap == 0 {
		o.ReducingGap = -1
	}
	if err := checkResize(img, &o); err != nil {
		return nil, fmt.Errorf("imgproc: resize: %w", err)
	}
	box := o.Box
	if width < 0 || height < 0 || (width == 0 && height == 0) || width > MaxDimension || height > MaxDimension {
		return nil, fmt.Errorf("imgproc: resize: invalid size %dx%d", width, height)
	}
	bw, bh := box[2]-box[0], box[3]-box[1]
	if width == 0 {
		width = max(1, int(bw*float64(height)/bh+0.5))
	}
	if height == 0 {
		height = max(1, int(bh*float64(width)/bw+0.5))
	}
	if width > MaxDimension || height > MaxDimension {
		return nil, fmt.Errorf("imgproc: resize: %dx%d is over the %d-pixel limit", width, height, MaxDimension)
	}
	if err := checkBudget(img, width, height, o.MaxPixels); err != nil {
		return nil, fmt.Errorf("imgproc: resize: %w", err)
	}
	return resizeImage(img, width, height, box, o.Filter, o.ReducingGap, false, nil)
}

// checkResize checks img and o, and fills in a zero box.
func checkResize(img image.Image, o *ResizeOptions) error {
	if img == nil {
		return errors.New("nil image")
	}
	b := img.Bounds()
	if b.Empty() {
		return errors.New("empty image")
	}
	if !o.Filter.valid() {
		return fmt.Errorf("unknown filter %d", int(o.Filter))
	}
	if o.Box == ([4]float64{}) {
		o.Box = [4]float64{0, 0, float64(b.Dx()), float64(b.Dy())}
	}
	x0, y0, x1, y1 := o.Box[0], o.Box[1], o.Box[2], o.Box[3]
	if !(x0 >= 0 && y0 >= 0 && x1 <= float64(b.Dx()) && y1 <= float64(b.Dy()) && x1 > x0 && y1 > y0) {
		return fmt.Errorf("box %v is empty or outside the %dx%d image", o.Box, b.Dx(), b.Dy())
	}
	if o.ReducingGap > 0 && o.ReducingGap < 1 {
		return fmt.Errorf("reducing gap %v is under 1", o.ReducingGap)
	}
	return nil
}

// checkBudget returns an error wrapping ErrTooLarge if a w×h output is over
// both the budget (0: DefaultMaxPixels, negative: none) and img's size.
func checkBudget(img image.Image, w, h int, budget int64) error {
	if budget == 0 {
		budget = DefaultMaxPixels
	}
	b := img.Bounds()
	if n, limit := int64(w)*int64(h), max(budget, int64(b.Dx())*int64(b.Dy())); budget > 0 && n > limit {
		return fmt.Errorf("%w: %dx%d is %d pixels, over the limit of %d", ErrTooLarge, w, h, n, limit)
	}
	return nil
}

// resizeImage resizes img, checked, to w×h from box with filter f; gap is
// the reducing gap (< 1: none); yuv420 makes YCbCr output 4:2:0 (see
// resizeYCbCr).
func resizeImage(img image.Image, w, h int, box [4]float64, f Filter, gap float64, yuv420 bool, stop stopFunc) (image.Image, error) {
	b := img.Bounds()
	if w == b.Dx() && h == b.Dy() && box == [4]float64{0, 0, float64(w), float64(h)} {
		// Pillow copies the image: no premultiplication round trip. The
		// nearest-neighbour path copies too.
		f, gap = Nearest, -1
	}
	switch m := img.(type) {
	case *image.Gray:
		pix, err := resizePlane(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, b.Dx(), b.Dy(), 1, w, h, box, f, gap, stop)
		if err != nil {
			return nil, err
		}
		return &image.Gray{Pix: pix, Stride: w, Rect: image.Rect(0, 0, w, h)}, nil
	case *image.Gray16:
		return resizeImage(toGray(m), w, h, box, f, gap, yuv420, stop)
	case *image.YCbCr:
		if fx, fy, ok := chromaFactors(m.SubsampleRatio); ok && m.Rect.Min == (image.Point{}) {
			return resizeYCbCr(m, fx, fy, w, h, box, f, gap, yuv420, stop)
		}
	case *image.RGBA:
		if m.Opaque() {
			pix, err := resizePlane(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, b.Dx(), b.Dy(), 4, w, h, box, f, gap, stop)
			if err != nil {
				return nil, err
			}
			opaque(pix)
			return &image.NRGBA{Pix: pix, Stride: 4 * w, Rect: image.Rect(0, 0, w, h)}, nil
		}
	}
	_, hasAlpha := img.(*image.NRGBA)
	n := toNRGBA(img)
	var err error
	if !hasAlpha && n.Opaque() {
		// Pillow's "RGB": the fourth byte takes part and comes out 255.
		if n.Pix, err = resizePlane(n.Pix, n.Stride, b.Dx(), b.Dy(), 4, w, h, box, f, gap, stop); err != nil {
			return nil, err
		}
		opaque(n.Pix)
	} else if f == Nearest {
		if n.Pix, err = resizePlane(n.Pix, n.Stride, b.Dx(), b.Dy(), 4, w, h, box, f, gap, stop); err != nil {
			return nil, err
		}
	} else {
		// Pillow resizes "RGBA" as "RGBa", premultiplied, and drops the
		// reducing gap on the way.
		pillowPremultiply(n.Pix)
		if n.Pix, err = resizePlane(n.Pix, n.Stride, b.Dx(), b.Dy(), 4, w, h, box, f, -1, stop); err != nil {
			return nil, err
		}
		pillowUnpremultiply(n.Pix)
	}
	n.Stride, n.Rect = 4*w, image.Rect(0, 0, w, h)
	return n, nil
}

// opaque sets every fourth byte of pix to 255.
func opaque(pix []byte) {
	for i := 3; i < len(pix); i += 4 {
		pix[i] = 255
	}
}

// pillowPremultiply is Pillow's RGBA to RGBa conversion, in place.
func pillowPremultiply(pix []byte) {
	for i := 0; i+3 < len(pix); i += 4 {
		if a := uint32(pix[i+3]); a != 255 {
			pix[i] = mulDiv255(uint32(pix[i]), a)
			pix[i+1] = mulDiv255(uint32(pix[i+1]), a)
			pix[i+2] = mulDiv255(uint32(pix[i+2]), a)
		}
	}
}

// pillowUnpremultiply is Pillow's RGBa to RGBA conversion, in place: it
// truncates where imgproc's blur rounds.
func pillowUnpremultiply(pix []byte) {
	for i := 0; i+3 < len(pix); i += 4 {
		if a := uint32(pix[i+3]); a != 255 && a != 0 {
			pix[i] = byte(min(255, 255*uint32(pix[i])/a))
			pix[i+1] = byte(min(255, 255*uint32(pix[i+1])/a))
			pix[i+2] = byte(min(255, 255*uint32(pix[i+2])/a))
		}
	}
}

// resizePlane resizes src, w×h pixels of bpp bytes (1 or 4) with rows
// stride bytes apart, to outW×outH pixels from box, as Pillow's
// Image.resize does (with reduce first when gap >= 1), and returns the
// pixels with rows packed.
func resizePlane(src []byte, stride, w, h, bpp, outW, outH int, box [4]float64, f Filter, gap float64, stop stopFunc) ([]byte, error) {
	if f == Nearest {
		return nearestPlane(src, stride, w, h, bpp, outW, outH, box), nil
	}
	if gap >= 1 {
		fx := max(1, int((box[2]-box[0])/float64(outW)/gap))
		fy := max(1, int((box[3]-box[1])/float64(outH)/gap))
		if fx > 1 || fy > 1 {
			if err := stop.check(); err != nil {
				return nil, err
			}
			rb := safeBox(w, h, outW, outH, box, f)
			pix, rw, rh := reducePlane(src, stride, bpp, fx, fy, rb)
			box = [4]float64{
				(box[0] - float64(rb.Min.X)) / float64(fx),
				(box[1] - float64(rb.Min.Y)) / float64(fy),
				(box[2] - float64(rb.Min.X)) / float64(fx),
				(box[3] - float64(rb.Min.Y)) / float64(fy),
			}
			src, stride, w, h = pix, rw*bpp, rw, rh
		}
	}
	b := [4]float32{float32(box[0]), float32(box[1]), float32(box[2]), float32(box[3])}
	if w == outW && h == outH && b == [4]float32{0, 0, float32(w), float32(h)} {
		out := make([]byte, outW*outH*bpp)
		copyRows(out, outW*bpp, src, stride, outW*bpp, outH)
		return out, nil
	}
	hx := pillowCoeffs(w, b[0], b[2], outW, f)
	vy := pillowCoeffs(h, b[1], b[3], outH, f)
	needH := outW != w || b[0] != 0 || b[2] != float32(outW)
	needV := outH != h || b[1] != 0 || b[3] != float32(outH)
	return resamplePlane(src, stride, bpp, &hx, &vy, needH, needV, stop)
}

// safeBox is Pillow's Image._get_safe_box: box widened by the filter's
// reach and rounded out to whole pixels, inside the w×h image.
func safeBox(w, h, outW, outH int, box [4]float64, f Filter) image.Rectangle {
	support := f.support() - 0.5
	sx := support * (box[2] - box[0]) / float64(outW)
	sy := support * (box[3] - box[1]) / float64(outH)
	return image.Rect(
		max(0, int(box[0]-sx)),
		max(0, int(box[1]-sy)),
		min(w, int(math.Ceil(box[2]+sx))),
		min(h, int(math.Ceil(box[3]+sy))),
	)
}

// nearestPlane is Pillow's nearest-neighbour resize (ImagingScaleAffine,
// with its accumulated source coordinates): pixels whose source falls
// outside the image are zero.
func nearestPlane(src []byte, stride, w, h, bpp, outW, outH int, box [4]float64) []byte {
	b := [4]float32{float32(box[0]), float32(box[1]), float32(box[2]), float32(box[3])}
	a0 := float64(b[2]-b[0]) / float64(outW)
	a4 := float64(b[3]-b[1]) / float64(outH)
	coord := func(v float64) int {
		if v < 0 {
			return -1
		}
		return int(v)
	}
	xs := make([]int, outW)
	xo := float64(b[0]) + float64(a0*0.5)
	for x := range xs {
		xs[x] = coord(xo)
		xo += a0
	}
	out := make([]byte, outW*outH*bpp)
	yo := float64(b[1]) + float64(a4*0.5)
	for y := range outH {
		yi := coord(yo)
		yo += a4
		if yi < 0 || yi >= h {
			continue
		}
		in := src[yi*stride:]
		row := out[y*outW*bpp:][:outW*bpp]
		for x, xi := range xs {
			if xi >= 0 && xi < w {
				copy(row[x*bpp:x*bpp+bpp], in[xi*bpp:xi*bpp+bpp])
			}
		}
	}
	return out
}

// resizeYCbCr resizes the planes of m (chroma subsampled fx×fy) to w×h
// from box: luma as resizePlane does, each chroma plane over the same
// region of the picture. The output's chroma has full resolution, as an
// RGB resize keeps it (the filter upsamples the source's chroma as
// libjpeg's upsampling would), or, with yuv420, 4:2:0 resolution, which is
// what a JPEG encoder writes: the filter then goes straight to it, at a
// quarter of the cost.
func resizeYCbCr(m *image.YCbCr, fx, fy, w, h int, box [4]float64, f Filter, gap float64, yuv420 bool, stop stopFunc) (*image.YCbCr, error) {
	sw, sh := m.Rect.Dx(), m.Rect.Dy()
	y, err := resizePlane(m.Y, m.YStride, sw, sh, 1, w, h, box, f, gap, stop)
	if err != nil {
		return nil, err
	}
	out := &image.YCbCr{
		Y:              y,
		YStride:        w,
		SubsampleRatio: m.SubsampleRatio,
		Rect:           image.Rect(0, 0, w, h),
	}
	ofx, ofy := 1, 1
	if yuv420 {
		ofx, ofy = 2, 2
		if fx <= 2 && fy <= 2 && (fx == 1 || fy == 1) {
			// Averaging the chroma 2×2 before the filter rather than
			// after, as the encoder would, gives nearly the same samples
			// (both are convolutions on aligned grids) for less work.
			m, fx, fy = to420(m, fx, fy), 2, 2
		}
	}
	scw, sch := (sw+fx-1)/fx, (sh+fy-1)/fy
	out.SubsampleRatio = subsampleRatio(ofx, ofy)
	cw, ch := (w+ofx-1)/ofx, (h+ofy-1)/ofy
	// Output chroma sample j covers output luma [j*ofx, (j+1)*ofx), which
	// is source luma box[0] + [j*ofx, (j+1)*ofx) * (box width / w), and
	// source chroma that divided by fx.
	sx := (box[2] - box[0]) / float64(w) * float64(ofx) / float64(fx)
	sy := (box[3] - box[1]) / float64(h) * float64(ofy) / float64(fy)
	cbox := [4]float64{box[0] / float64(fx), box[1] / float64(fy), 0, 0}
	cbox[2] = min(cbox[0]+float64(cw)*sx, float64(scw))
	cbox[3] = min(cbox[1]+float64(ch)*sy, float64(sch))
	if out.Cb, err = resizePlane(m.Cb, m.CStride, scw, sch, 1, cw, ch, cbox, f, gap, stop); err != nil {
		return nil, err
	}
	if out.Cr, err = resizePlane(m.Cr, m.CStride, scw, sch, 1, cw, ch, cbox, f, gap, stop); err != nil {
		return nil, err
	}
	out.CStride = cw
	return out, nil
}

// Thumbnail returns img scaled down to fit inside maxWidth×maxHeight with
// its aspect ratio kept, exactly as Pillow's Image.thumbnail((maxWidth,
// maxHeight), filter, reducing_gap) computes the size and the pixels
// (opts.ReducingGap 0 is Pillow's default, 2). An image that already fits
// is never enlarged but copied as by [Orient] with OrientNormal (so a
// *image.YCbCr stays one, and a *image.Paletted becomes a *image.NRGBA). A
// zero bound means no limit in that direction. opts.Box must be zero.
// Scaled results have the types of [Resize]; errors are as for Resize.
func Thumbnail(img image.Image, maxWidth, maxHeight int, opts *ResizeOptions) (image.Image, error) {
	if maxWidth < 0 || maxHeight < 0 || (maxWidth == 0 && maxHeight == 0) || maxWidth > MaxDimension || maxHeight > MaxDimension {
		return nil, fmt.Errorf("imgproc: thumbnail: invalid bounds %dx%d", maxWidth, maxHeight)
	}
	o := opts.orZero()
	if o.Box != ([4]float64{}) {
		return nil, errors.New("imgproc: thumbnail: a box is not supported")
	}
	if err := checkResize(img, &o); err != nil {
		return nil, fmt.Errorf("imgproc: thumbnail: %w", err)
	}
	b := img.Bounds()
	w, h, ok := thumbnailSize(b.Dx(), b.Dy(), maxWidth, maxHeight)
	if !ok {
		return Orient(img, OrientNormal)
	}
	if o.ReducingGap == 0 {
		o.ReducingGap = 2
	}
	return resizeImage(img, w, h, o.Box, o.Filter, o.ReducingGap, false, nil)
}

// thumbnailSize is the size Pillow's Image.thumbnail gives a w×h image
// fitted into maxW×maxH (0: unbounded), rounding each side to whichever
// of floor and ceiling keeps the aspect ratio closer; ok is false when
// the image already fits.
func thumbnailSize(w, h, maxW, maxH int) (tw, th int, ok bool) {
	x, y := float64(maxW), float64(maxH)
	if maxW == 0 {
		x = math.Inf(1)
	}
	if maxH == 0 {
		y = math.Inf(1)
	}
	if x >= float64(w) && y >= float64(h) {
		return w, h, false
	}
	aspect := float64(w) / float64(h)
	round := func(v float64, miss func(n float64) float64) int {
		lo, hi := math.Floor(v), math.Ceil(v)
		n := lo
		if miss(hi) < miss(lo) {
			n = hi
		}
		return max(int(n), 1)
	}
	if x/y >= aspect {
		return round(y*aspect, func(n float64) float64 { return math.Abs(aspect - n/y) }), int(y), true
	}
	return int(x), round(x/aspect, func(n float64) float64 {
		if n == 0 {
			return 0
		}
		return math.Abs(aspect - x/n)
	}), true
}

// draftScale is the JPEG scale Pillow's Image.draft picks for an image of
// w×h pixels asked to be at least reqW×reqH: the largest of 8, 4, 2 and
// 1 that divides neither side below the request.
func draftScale(w, h int, reqW, reqH float64) int {
	s := min(math.Floor(float64(w)/reqW), math.Floor(float64(h)/reqH))
	for _, sc := range []int{8, 4, 2} {
		if s >= float64(sc) {
			return sc
		}
	}
	return 1
}

// subsampleRatio is the YCbCr subsampling of chroma factors fx×fy, which
// chromaFactors returns for it.
func subsampleRatio(fx, fy int) image.YCbCrSubsampleRatio {
	for _, r := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		if x, y, _ := chromaFactors(r); x == fx && y == fy {
			return r
		}
	}
	panic(fmt.Sprintf("imgproc: no YCbCr subsampling of %dx%d", fx, fy))
}
