package imgproc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"time"

	"golang.org/x/image/webp"
)

// An animated WebP is a RIFF container: a VP8X chunk with the animation
// flag and the canvas size, an ANIM chunk (background colour, loop count),
// then one ANMF chunk a frame: its offset (in pixels, even), size,
// duration, blending and disposal methods, and the frame's own image
// chunks (ALPH and VP8, or VP8L) as a still WebP holds them.
//
// golang.org/x/image/webp reads still images only. The demuxing and the
// compositing below are libwebp's WebPAnimDecoder's (anim_decode.c), so
// that frames come out as Pillow and browsers, which use libwebp, show
// them; each frame's image is decoded as a still WebP is (decodeWebPStill).

// webpAnim is the container of an animated WebP, its frames not decoded.
type webpAnim struct {
	width, height int
	loops         int // 0: forever
	icc           []byte
	frames        []webpFrame
}

// webpFrame is one ANMF chunk.
type webpFrame struct {
	rect     image.Rectangle // on the canvas
	duration time.Duration
	blend    bool // alpha-blend onto the canvas (else replace the rectangle)
	dispose  bool // clear the rectangle to transparent after showing the frame
	data     []byte
}

// isAnimatedWebP reports whether data is an extended WebP with the
// animation flag.
func isAnimatedWebP(data []byte) bool {
	return len(data) >= 30 && string(data[12:16]) == "VP8X" && data[20]&0x02 != 0
}

// webpChunks calls fn on each chunk of a RIFF WebP's body in order, with
// its four-character type and payload, until fn returns false. It returns
// an error if a chunk runs past the data.
func webpChunks(body []byte, fn func(typ string, payload []byte) bool) error {
	for len(body) > 0 {
		if len(body) < 8 {
			return fmt.Errorf("%d stray bytes after the last chunk: %w", len(body), io.ErrUnexpectedEOF)
		}
		typ, n := string(body[:4]), binary.LittleEndian.Uint32(body[4:8])
		if uint64(n) > uint64(len(body)-8) {
			return fmt.Errorf("%q chunk of %d bytes, %d left: %w", typ, n, len(body)-8, io.ErrUnexpectedEOF)
		}
		if !fn(typ, body[8:8+n]) {
			return nil
		}
		body = body[8+n:]
		if n%2 == 1 && len(body) > 0 {
			body = body[1:]
		}
	}
	return nil
}

// parseWebPAnim reads the container of an animated WebP without decoding a
// frame. It returns an error for a malformed container (no ANIM chunk, a
// frame outside the canvas, no frame), wrapping io.ErrUnexpectedEOF if a
// chunk is cut short.
func parseWebPAnim(data []byte) (*webpAnim, error) {
	if !isAnimatedWebP(data) {
		return nil, errors.New("not an animated WebP")
	}
	size := int(binary.LittleEndian.Uint32(data[4:8])) + 8
	switch {
	case size < 30:
		return nil, fmt.Errorf("RIFF size %d", size-8)
	case size < len(data):
		data = data[:size] // what follows the RIFF is not the image's
	}
	a := &webpAnim{width: int(le24(data[24:])) + 1, height: int(le24(data[27:])) + 1}
	canvas := image.Rect(0, 0, a.width, a.height)
	var err error
	seenANIM := false
	walkErr := webpChunks(data[12:], func(typ string, p []byte) bool {
		switch typ {
		case "ICCP":
			a.icc = p
		case "ANIM":
			if len(p) < 6 {
				err = fmt.Errorf("ANIM chunk of %d bytes", len(p))
				return false
			}
			a.loops, seenANIM = int(binary.LittleEndian.Uint16(p[4:6])), true
		case "ANMF":
			if len(p) < 16 {
				err = fmt.Errorf("ANMF chunk of %d bytes", len(p))
				return false
			}
			x, y := 2*int(le24(p[0:])), 2*int(le24(p[3:]))
			f := webpFrame{
				rect:     image.Rect(x, y, x+int(le24(p[6:]))+1, y+int(le24(p[9:]))+1),
				duration: time.Duration(le24(p[12:])) * time.Millisecond,
				blend:    p[15]&0x02 == 0,
				dispose:  p[15]&0x01 != 0,
				data:     p[16:],
			}
			if !f.rect.In(canvas) {
				err = fmt.Errorf("frame %d at %v is outside the %dx%d canvas", len(a.frames)+1, f.rect, a.width, a.height)
				return false
			}
			a.frames = append(a.frames, f)
		}
		return true
	})
	switch {
	case err != nil:
		return nil, err
	case walkErr != nil: // libwebp keeps the whole frames of a cut file; fanout refuses it
		return nil, walkErr
	case !seenANIM:
		return nil, errors.New("animated WebP without an ANIM chunk")
	case len(a.frames) == 0:
		return nil, errors.New("animated WebP without a frame")
	}
	return a, nil
}

func le24(b []byte) uint32 { return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 }

func put24(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }

// decodeWebPStill decodes a still WebP to what libwebp gives: lossy
// pictures through its own YUV conversion (vp8ToRGB), a lossless picture
// without an alpha flag as opaque RGB.
func decodeWebPStill(data []byte) (image.Image, error) {
	img, err := webp.Decode(bytes.NewReader(data))
	switch m := img.(type) {
	case *image.YCbCr: // lossy: limited-range planes, see vp8ToRGB
		img = vp8ToRGB(m, nil, 0)
	case *image.NYCbCrA:
		img = vp8ToRGB(&m.YCbCr, m.A, m.AStride)
	case *image.NRGBA:
		if !webpHasAlpha(data) {
			img = opaqueRGBA(m) // what libwebp and Pillow make of it: RGB
		}
	}
	return img, err
}

// frameImage decodes the image of frame f: its chunks wrapped as a still
// WebP of the frame's size.
func (f *webpFrame) image() (image.Image, error) {
	alpha := false
	if err := webpChunks(f.data, func(typ string, _ []byte) bool {
		alpha = alpha || typ == "ALPH"
		return true
	}); err != nil {
		return nil, err
	}
	still := make([]byte, 0, 30+len(f.data))
	still = append(still, "RIFF\x00\x00\x00\x00WEBP"...)
	if alpha { // ALPH needs the extended format
		var vp8x [18]byte
		copy(vp8x[:], "VP8X")
		binary.LittleEndian.PutUint32(vp8x[4:], 10)
		vp8x[8] = 0x10
		put24(vp8x[12:], f.rect.Dx()-1)
		put24(vp8x[15:], f.rect.Dy()-1)
		still = append(still, vp8x[:]...)
	}
	still = append(still, f.data...)
	binary.LittleEndian.PutUint32(still[4:], uint32(len(still)-8))
	img, err := decodeWebPStill(still)
	if err != nil {
		return nil, err
	}
	if img.Bounds().Size() != f.rect.Size() {
		return nil, fmt.Errorf("frame of %v holds a %v image", f.rect.Size(), img.Bounds().Size())
	}
	return img, nil
}

// decode decodes and composites the first limit frames of a (all if
// limit is 0), as libwebp's
// WebPAnimDecoder does in its non-premultiplied RGBA mode: the canvas
// starts transparent (the ANIM background colour is a hint that libwebp,
// and browsers, ignore); a key frame starts from a cleared canvas; a
// frame is decoded into its rectangle, then, if it blends, each of its
// pixels that is not opaque is blended over the previous canvas (except
// where the previous frame was just disposed of); after it is shown, a
// frame that disposes clears its rectangle.
func (a *webpAnim) decode(limit int) ([]*image.NRGBA, error) {
	n := len(a.frames)
	if limit > 0 {
		n = min(n, limit)
	}
	canvas := image.Rect(0, 0, a.width, a.height)
	prev := image.NewNRGBA(canvas) // the previous canvas, after its disposal
	out := make([]*image.NRGBA, 0, n)
	prevKey := false
	for i, f := range a.frames[:n] {
		img, err := f.image()
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", i+1, err)
		}
		src := toNRGBA(img)
		key := i == 0 ||
			(!webpFrameHasAlpha(img) || !f.blend) && f.rect == canvas ||
			a.frames[i-1].dispose && (a.frames[i-1].rect == canvas || prevKey)
		cur := image.NewNRGBA(canvas)
		if !key {
			copy(cur.Pix, prev.Pix)
		}
		for y := range f.rect.Dy() {
			row := src.Pix[y*src.Stride:][:4*f.rect.Dx()]
			copy(cur.Pix[cur.PixOffset(f.rect.Min.X, f.rect.Min.Y+y):], row)
		}
		if i > 0 && f.blend && !key {
			pr := a.frames[i-1]
			for y := f.rect.Min.Y; y < f.rect.Max.Y; y++ {
				for x := f.rect.Min.X; x < f.rect.Max.X; x++ {
					if pr.dispose && image.Pt(x, y).In(pr.rect) {
						continue // disposed of: nothing to blend with
					}
					o := cur.PixOffset(x, y)
					blendNonPremult(cur.Pix[o:o+4:o+4], prev.Pix[o:o+4:o+4])
				}
			}
		}
		out = append(out, cur)
		next := image.NewNRGBA(canvas)
		copy(next.Pix, cur.Pix)
		if f.dispose {
			for y := f.rect.Min.Y; y < f.rect.Max.Y; y++ {
				clear(next.Pix[next.PixOffset(f.rect.Min.X, y):][:4*f.rect.Dx()])
			}
		}
		prev, prevKey = next, key
	}
	return out, nil
}

// webpFrameHasAlpha reports whether a decoded frame has an alpha channel,
// as libwebp's demuxer's has_alpha does: an ALPH chunk, or a lossless
// image flagged with alpha.
func webpFrameHasAlpha(img image.Image) bool {
	_, ok := img.(*image.NRGBA)
	return ok
}

// blendNonPremult blends the straight-alpha pixel src over dst, in place,
// with libwebp's integer arithmetic (BlendPixelNonPremult): a transparent
// src leaves dst; an opaque one is not passed here.
func blendNonPremult(src, dst []byte) {
	sa := uint32(src[3])
	switch {
	case sa == 255:
		return
	case sa == 0:
		copy(src, dst)
		return
	}
	da := uint32(dst[3]) * (256 - sa) >> 8 & 0xff
	ba := (sa + da) & 0xff
	scale := uint32(1<<24) / ba
	for c := range 3 {
		src[c] = byte((uint32(src[c])*sa + uint32(dst[c])*da) * scale >> 24)
	}
	src[3] = byte(ba)
}

// decodeWebPAnimation decodes an animated WebP for [DecodeAnimation].
func decodeWebPAnimation(data []byte, budget int64) (*Animation, error) {
	wa, err := parseWebPAnim(data)
	if err != nil {
		return nil, decodeError(WebP, err, data)
	}
	if len(wa.frames) > MaxAnimationFrames {
		return nil, fmt.Errorf("%w: webp animation of %d frames, over the limit of %d frames", ErrTooLarge, len(wa.frames), MaxAnimationFrames)
	}
	if n := int64(len(wa.frames)) * int64(wa.width) * int64(wa.height); budget > 0 && n > budget {
		return nil, fmt.Errorf("%w: webp animation of %d frames of %dx%d is %d pixels, over the limit of %d pixels",
			ErrTooLarge, len(wa.frames), wa.width, wa.height, n, budget)
	}
	frames, err := wa.decode(0)
	if err != nil {
		return nil, decodeError(WebP, err, data)
	}
	a := &Animation{Loops: wa.loops, ICC: wa.icc}
	for i, f := range frames {
		a.Frames = append(a.Frames, f)
		a.Delays = append(a.Delays, wa.frames[i].duration)
	}
	return a, nil
}

// webpAnimFirst decodes the first frame of an animated WebP, on the full
// canvas, for [Decode], and counts the frames.
func webpAnimFirst(data []byte) (image.Image, int, error) {
	wa, err := parseWebPAnim(data)
	if err != nil {
		return nil, 0, err
	}
	frames, err := wa.decode(1)
	if err != nil {
		return nil, 0, err
	}
	return frames[0], len(wa.frames), nil
}

// maxWebPDuration is the longest frame duration an ANMF chunk holds, in
// milliseconds (24 bits).
const maxWebPDuration = 1<<24 - 1

// encodeWebPAnimation writes a as an animated WebP, every frame encoded by
// the still encoder (encodeWebP's: the system's libwebp or its WebAssembly
// build) lossy at quality or lossless. The first frame covers the canvas.
// Each later one is stored, as libwebp's WebPAnimEncoder stores it, as
// the rectangle where it differs from what is shown before it (its origin
// moved to even coordinates, as the format requires), without disposal;
// when the frame is opaque there, it is blended, and the pixels that have
// not changed are written transparent, which costs almost nothing to
// store. Lossless, "not changed" means the same bytes; lossy, within
// WebPAnimEncoder's tolerance for the quality (31 levels at quality 0, 1
// at 100). Unlike WebPAnimEncoder, which compares with the previous
// source frame, the comparison is with the pixels last written at each
// place, so that slow changes cannot drift past the tolerance.
func encodeWebPAnimation(a *Animation, quality int, lossless bool, icc []byte) ([]byte, error) {
	r := a.Frames[0].Bounds()
	w, h := r.Dx(), r.Dy()
	if w > webpMaxSide || h > webpMaxSide {
		return nil, fmt.Errorf("%dx%d is over WebP's limit of %d pixels a side", w, h, webpMaxSide)
	}
	alpha := false
	frames := make([]*image.NRGBA, len(a.Frames))
	for i, f := range a.Frames {
		n := toNRGBA(f)
		if n.Rect.Min != (image.Point{}) {
			c := image.NewNRGBA(image.Rect(0, 0, w, h))
			copy(c.Pix, n.Pix)
			n = c
		}
		frames[i] = n
		alpha = alpha || !n.Opaque()
	}
	tol := 0
	if !lossless {
		tol = webpMaxDiff(quality)
	}
	out := []byte("RIFF\x00\x00\x00\x00WEBP")
	var vp8x [18]byte
	copy(vp8x[:], "VP8X")
	binary.LittleEndian.PutUint32(vp8x[4:], 10)
	vp8x[8] = 0x02 // animation
	if alpha {
		vp8x[8] |= 0x10
	}
	if len(icc) > 0 {
		vp8x[8] |= 0x20
	}
	put24(vp8x[12:], w-1)
	put24(vp8x[15:], h-1)
	out = append(out, vp8x[:]...)
	if len(icc) > 0 {
		out = appendChunk(out, "ICCP", icc)
	}
	var anim [6]byte // background: transparent; loop count
	binary.LittleEndian.PutUint16(anim[4:], uint16(min(max(a.Loops, 0), 0xffff)))
	out = appendChunk(out, "ANIM", anim[:])
	shown := image.NewNRGBA(image.Rect(0, 0, w, h)) // the pixels last written
	for i, f := range frames {
		rect, blend := f.Rect, false
		var sub *image.NRGBA
		if i == 0 {
			sub = f
		} else {
			rect = changed(shown, f, tol)
			rect.Min.X, rect.Min.Y = rect.Min.X&^1, rect.Min.Y&^1
			sub = f.SubImage(rect).(*image.NRGBA)
			if blend = sub.Opaque(); blend {
				sub = keepChanged(shown, sub, tol)
			}
		}
		for y := rect.Min.Y; y < rect.Max.Y; y++ { // what the decoder will show, to within the codec's loss
			src, dst := sub.Pix[sub.PixOffset(rect.Min.X, y):][:4*rect.Dx()], shown.Pix[shown.PixOffset(rect.Min.X, y):][:4*rect.Dx()]
			for x := 0; x < len(src); x += 4 {
				if !blend || src[x+3] != 0 {
					copy(dst[x:x+4], src[x:x+4])
				}
			}
		}
		var still image.Image = sub
		if sub.Opaque() {
			still = &image.RGBA{Pix: sub.Pix, Stride: sub.Stride, Rect: sub.Rect}
		}
		data, err := encodeWebPFrame(still, quality, lossless)
		if err != nil {
			return nil, fmt.Errorf("frame %d: %w", i+1, err)
		}
		ms := 0
		if i < len(a.Delays) {
			ms = int(min(max(a.Delays[i].Milliseconds(), 0), maxWebPDuration))
		}
		var hdr [16]byte
		put24(hdr[0:], rect.Min.X/2)
		put24(hdr[3:], rect.Min.Y/2)
		put24(hdr[6:], rect.Dx()-1)
		put24(hdr[9:], rect.Dy()-1)
		put24(hdr[12:], ms)
		if !blend {
			hdr[15] = 0x02 // do not blend; never dispose
		}
		out = appendChunk(out, "ANMF", append(hdr[:], data...))
	}
	binary.LittleEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out, nil
}

// encodeWebPFrame encodes img as a still WebP and returns its image
// chunks (ALPH and VP8, or VP8L), as an ANMF chunk holds them.
func encodeWebPFrame(img image.Image, quality int, lossless bool) ([]byte, error) {
	data, err := encodeWebPImage(img, quality, lossless)
	if err != nil {
		return nil, err
	}
	if len(data) < 20 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return nil, errors.New("the encoder returned no RIFF WebP data")
	}
	var frame []byte
	err = webpChunks(data[12:], func(typ string, p []byte) bool {
		switch typ {
		case "ALPH", "VP8 ", "VP8L":
			frame = appendChunk(frame, typ, p)
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("the encoder's output: %w", err)
	}
	return frame, nil
}

// appendChunk appends a RIFF chunk, padded to an even length.
func appendChunk(out []byte, typ string, p []byte) []byte {
	out = append(out, typ...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(p)))
	out = append(out, p...)
	if len(p)%2 == 1 {
		out = append(out, 0)
	}
	return out
}

// changed returns the smallest rectangle outside which cur and prev, of
// the same bounds at the origin, differ by at most tol in every channel;
// a 1×1 rectangle at the origin if they are that close everywhere (a
// frame must cover a pixel).
func changed(prev, cur *image.NRGBA, tol int) image.Rectangle {
	r := image.Rectangle{Min: cur.Rect.Max, Max: cur.Rect.Min}
	w := cur.Rect.Dx()
	for y := range cur.Rect.Dy() {
		a, b := prev.Pix[y*prev.Stride:][:4*w], cur.Pix[y*cur.Stride:][:4*w]
		if tol == 0 && bytes.Equal(a, b) {
			continue
		}
		x0 := 0
		for x0 < w && near(a[4*x0:4*x0+4], b[4*x0:4*x0+4], tol) {
			x0++
		}
		if x0 == w {
			continue
		}
		x1 := w
		for near(a[4*x1-4:4*x1], b[4*x1-4:4*x1], tol) {
			x1--
		}
		r.Min.X, r.Max.X = min(r.Min.X, x0), max(r.Max.X, x1)
		r.Min.Y, r.Max.Y = min(r.Min.Y, y), y+1
	}
	if r.Empty() {
		return image.Rect(0, 0, 1, 1)
	}
	return r
}

// near reports whether the pixels p and q differ by at most tol in every
// channel.
func near(p, q []byte, tol int) bool {
	for c := range 4 {
		if d := int(p[c]) - int(q[c]); d > tol || d < -tol {
			return false
		}
	}
	return true
}

// keepChanged returns a copy of the opaque sub-image sub in which the
// pixels within tol of shown's are transparent: blended, they leave what
// is shown.
func keepChanged(shown, sub *image.NRGBA, tol int) *image.NRGBA {
	out := image.NewNRGBA(sub.Rect)
	for y := sub.Rect.Min.Y; y < sub.Rect.Max.Y; y++ {
		src := sub.Pix[sub.PixOffset(sub.Rect.Min.X, y):][:4*sub.Rect.Dx()]
		ref := shown.Pix[shown.PixOffset(sub.Rect.Min.X, y):][:4*sub.Rect.Dx()]
		dst := out.Pix[out.PixOffset(sub.Rect.Min.X, y):][:4*sub.Rect.Dx()]
		for x := 0; x < len(src); x += 4 {
			if !near(src[x:x+4], ref[x:x+4], tol) {
				copy(dst[x:x+4], src[x:x+4])
			}
		}
	}
	return out
}

// webpMaxDiff is libwebp's WebPAnimEncoder's tolerance for a lossy
// quality (QualityToMaxDiff): how far a pixel may be from the one shown
// before it and still count as unchanged.
func webpMaxDiff(quality int) int {
	v := math.Sqrt(float64(quality) / 100)
	return int(31*(1-v) + v + 0.5)
}

// webpMaxSide is the largest width or height a WebP can have.
const webpMaxSide = 16383
