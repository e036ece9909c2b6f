package turbojpeg

import (
	"errors"
	"fmt"
	"image"
	"runtime"
	"unsafe"
)

// checkEncode validates what every encoder shares.
func checkEncode(r image.Rectangle, quality int) error {
	if quality < 1 || quality > 100 {
		return fmt.Errorf("turbojpeg: encode: quality %d outside 1 to 100", quality)
	}
	if r.Empty() {
		return errors.New("turbojpeg: encode: empty image")
	}
	if r.Dx() > maxDim || r.Dy() > maxDim {
		return fmt.Errorf("turbojpeg: encode: %dx%d image exceeds the JPEG limit of %d pixels a side", r.Dx(), r.Dy(), maxDim)
	}
	return nil
}

// EncodeYCbCr compresses img's planes into a baseline JPEG at the given
// quality (1 to 100, scaled as libjpeg, Pillow and image/jpeg scale it),
// keeping img's chroma subsampling and converting no colour. Sub-images are
// taken as they are: the planes are read in place from Rect.Min with their
// strides. A sub-image whose origin is not aligned to the chroma
// subsampling, or whose planes end before TurboJPEG's padded plane size, is
// first copied into aligned planes (each chroma sample taken from the pixel
// at its top-left corner).
//
// The 4:1:0 ratio gives an error wrapping [ErrUnsupported]. EncodeYCbCr uses
// the accurate integer DCT, as libjpeg's defaults (and so Pillow) do. It
// returns a new slice the caller owns and is safe for concurrent use.
func (l *Lib) EncodeYCbCr(img *image.YCbCr, quality int) ([]byte, error) {
	r := img.Rect
	if err := checkEncode(r, quality); err != nil {
		return nil, err
	}
	ss, ok := subsamplingOf(img.SubsampleRatio)
	if !ok {
		return nil, fmt.Errorf("turbojpeg: encode: chroma subsampling %v: %w", img.SubsampleRatio, ErrUnsupported)
	}
	hf, vf := ss.factors()
	w, ht := r.Dx(), r.Dy()
	pw, ph := roundUp(w, hf), roundUp(ht, vf)
	cw, ch := pw/hf, ph/vf

	yOff, cOff := img.YOffset(r.Min.X, r.Min.Y), img.COffset(r.Min.X, r.Min.Y)
	if r.Min.X%hf != 0 || r.Min.Y%vf != 0 ||
		!planeFits(img.Y, yOff, img.YStride, pw, ph) ||
		!planeFits(img.Cb, cOff, img.CStride, cw, ch) ||
		!planeFits(img.Cr, cOff, img.CStride, cw, ch) {
		img = alignedCopy(img, ss)
		yOff, cOff = 0, 0
	}

	planes := [3]*byte{&img.Y[yOff], &img.Cb[cOff], &img.Cr[cOff]}
	strides := [3]int32{int32(img.YStride), int32(img.CStride), int32(img.CStride)}
	var pin runtime.Pinner
	pin.Pin(planes[0])
	pin.Pin(planes[1])
	pin.Pin(planes[2])
	defer pin.Unpin()

	return l.compress(func(h uintptr, out **byte, size *culong) int32 {
		rc := l.fn.compressFromYUVPlanes(h, &planes[0], int32(w), &strides[0], int32(ht), int32(ss), out, size, int32(quality), flagAccurateDCT)
		runtime.KeepAlive(img)
		return rc
	})
}

// planeFits reports whether a plane of pw x ph samples starting at off with
// rows stride apart lies inside p. Rows may overlap (stride < pw) because
// TurboJPEG only reads them.
func planeFits(p []byte, off, stride, pw, ph int) bool {
	return off >= 0 && stride > 0 && off+(ph-1)*stride+pw <= len(p)
}

// alignedCopy copies img into new planes padded to TurboJPEG's plane sizes,
// with the image's origin aligned to the chroma grid. Padding repeats the
// last column and row.
func alignedCopy(img *image.YCbCr, ss Subsampling) *image.YCbCr {
	r := img.Rect
	hf, vf := ss.factors()
	w, ht := r.Dx(), r.Dy()
	pw, ph := roundUp(w, hf), roundUp(ht, vf)
	cw, ch := pw/hf, ph/vf
	dst := &image.YCbCr{
		Y:              make([]byte, pw*ph),
		Cb:             make([]byte, cw*ch),
		Cr:             make([]byte, cw*ch),
		YStride:        pw,
		CStride:        cw,
		SubsampleRatio: img.SubsampleRatio,
		Rect:           image.Rect(0, 0, w, ht),
	}
	for y := range ph {
		sy := r.Min.Y + min(y, ht-1)
		row := dst.Y[y*pw : (y+1)*pw]
		src := img.Y[img.YOffset(r.Min.X, sy):]
		copy(row, src[:w])
		for x := w; x < pw; x++ {
			row[x] = row[w-1]
		}
	}
	for cy := range ch {
		sy := r.Min.Y + min(cy*vf, ht-1)
		for cx := range cw {
			sx := r.Min.X + min(cx*hf, w-1)
			ci := img.COffset(sx, sy)
			dst.Cb[cy*cw+cx] = img.Cb[ci]
			dst.Cr[cy*cw+cx] = img.Cr[ci]
		}
	}
	return dst
}

// EncodeRGBA compresses img into a baseline 4:2:0 JPEG at the given quality
// (1 to 100). Alpha is ignored: the colour channels are encoded as stored,
// which for a premultiplied *image.RGBA that is not opaque means darkened
// colours, as image/jpeg does. Sub-images are read in place. It returns a new
// slice the caller owns and is safe for concurrent use.
func (l *Lib) EncodeRGBA(img *image.RGBA, quality int) ([]byte, error) {
	return l.encodePacked(img.Pix, img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y), img.Stride, img.Rect, 4, pfRGBX, Subsample420, quality)
}

// EncodeNRGBA is [Lib.EncodeRGBA] for non-premultiplied pixels; alpha is
// ignored, so transparent pixels keep their stored colour.
func (l *Lib) EncodeNRGBA(img *image.NRGBA, quality int) ([]byte, error) {
	return l.encodePacked(img.Pix, img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y), img.Stride, img.Rect, 4, pfRGBX, Subsample420, quality)
}

// EncodeGray compresses img into a greyscale baseline JPEG at the given
// quality (1 to 100). Sub-images are read in place. It returns a new slice
// the caller owns and is safe for concurrent use.
func (l *Lib) EncodeGray(img *image.Gray, quality int) ([]byte, error) {
	return l.encodePacked(img.Pix, img.PixOffset(img.Rect.Min.X, img.Rect.Min.Y), img.Stride, img.Rect, 1, pfGray, SubsampleGray, quality)
}

// Encode compresses img with the encoder for its concrete type:
// *image.YCbCr ([Lib.EncodeYCbCr]), *image.RGBA, *image.NRGBA or *image.Gray.
// Other types give an error wrapping [ErrUnsupported]; the caller converts
// them (to *image.RGBA, say) first.
func (l *Lib) Encode(img image.Image, quality int) ([]byte, error) {
	switch m := img.(type) {
	case *image.YCbCr:
		return l.EncodeYCbCr(m, quality)
	case *image.RGBA:
		return l.EncodeRGBA(m, quality)
	case *image.NRGBA:
		return l.EncodeNRGBA(m, quality)
	case *image.Gray:
		return l.EncodeGray(m, quality)
	}
	return nil, fmt.Errorf("turbojpeg: encode: image type %T: %w", img, ErrUnsupported)
}

func (l *Lib) encodePacked(pix []byte, off, stride int, r image.Rectangle, bpp int, pf int32, ss Subsampling, quality int) ([]byte, error) {
	if err := checkEncode(r, quality); err != nil {
		return nil, err
	}
	w, ht := r.Dx(), r.Dy()
	if !planeFits(pix, off, stride, w*bpp, ht) {
		return nil, fmt.Errorf("turbojpeg: encode: %dx%d pixels with stride %d do not fit a buffer of %d bytes", w, ht, stride, len(pix))
	}
	return l.compress(func(h uintptr, out **byte, size *culong) int32 {
		rc := l.fn.compress2(h, &pix[off], int32(w), int32(stride), int32(ht), pf, out, size, int32(ss), int32(quality), flagAccurateDCT)
		runtime.KeepAlive(pix)
		return rc
	})
}

// compress runs call with a pooled compressor handle; see compressWith.
func (l *Lib) compress(call func(h uintptr, out **byte, size *culong) int32) ([]byte, error) {
	h, err := l.enc.get()
	if err != nil {
		return nil, err
	}
	jpeg, err := l.compressWith(h, call)
	l.enc.put(h, err == nil)
	return jpeg, err
}

// compressWith runs call with the compressor handle h on a locked OS thread,
// copies the JPEG the library allocated into Go memory and frees the
// library's buffer.
func (l *Lib) compressWith(h uintptr, call func(h uintptr, out **byte, size *culong) int32) ([]byte, error) {
	var out *byte // set by the library to memory it allocated
	var size culong
	runtime.LockOSThread()
	rc := call(h, &out, &size)
	err := l.resultLocked(h, rc, nil, "encode")
	runtime.UnlockOSThread()
	var jpeg []byte
	if err == nil && out != nil {
		jpeg = make([]byte, size)
		copy(jpeg, unsafe.Slice(out, size))
	}
	if out != nil {
		l.fn.free(out)
	}
	if err == nil && jpeg == nil {
		err = errors.New("turbojpeg: encode: library returned no data")
	}
	return jpeg, err
}
