package report

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"

	"golang.org/x/image/draw"
)

// DefaultThumbnailSize is the longest side, in pixels, of a thumbnail made
// by [Thumbnail] when it is given no size.
const DefaultThumbnailSize = 200

// Thumbnail scales img down to fit in a size×size box (keeping its aspect
// ratio; an image already inside the box keeps its size) and encodes it as
// a JPEG at quality 80 (transparent parts on white), ready for [Recorder.Thumbnails]. A size of zero or
// less means [DefaultThumbnailSize].
//
// It samples only the thumbnail's pixels (bilinear approximation), so its
// cost depends on the thumbnail's size, not the source's: about a
// millisecond. It returns an error if img is empty.
func Thumbnail(img image.Image, size int) ([]byte, error) {
	if size <= 0 {
		size = DefaultThumbnailSize
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w <= 0 || h <= 0 {
		return nil, errors.New("report: thumbnail of an empty image")
	}
	if w > size || h > size {
		if w >= h {
			w, h = size, max(1, h*size/w)
		} else {
			w, h = max(1, w*size/h), size
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// JPEG has no alpha: show transparent parts on white, as viewers do.
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("report: encode thumbnail: %w", err)
	}
	return buf.Bytes(), nil
}
