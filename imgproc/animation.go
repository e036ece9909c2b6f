package imgproc

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"io"
	"time"

	"github.com/soniakeys/quant/median"
)

// Animation is an animated picture as a viewer shows it: every frame
// composited on the full canvas by the format's disposal rules.
type Animation struct {
	// Frames are the frames as shown, each an *image.NRGBA of the canvas'
	// size (after [Ops.ApplyAnimation], whatever the operations make).
	Frames []image.Image
	// Delays are the frames' display times: GIF's hundredths of a second
	// or WebP's milliseconds.
	Delays []time.Duration
	// Loops is how many times the animation plays; 0 means forever.
	Loops int
	// Palette is the colours a GIF source was made of (its global colour
	// table, or its first frame's), which [EncodeAnimation] maps the
	// frames back to when it writes a GIF, so that the output keeps the
	// source's look. Nil for a WebP source: a palette is then made from
	// the frames.
	Palette color.Palette
	// ICC is a WebP source's colour profile, or nil.
	ICC []byte
}

// MaxAnimationFrames is the most frames [DecodeAnimation] reads, whatever
// the pixel budget: a GIF of a million 1×1 frames is tiny in pixels but
// not in the work and the memory of its frame records.
const MaxAnimationFrames = 100_000

// DecodeAnimation decodes every frame of an animated GIF or WebP and
// composites each on the canvas as browsers do. GIF: the canvas starts
// transparent, a frame is drawn over what the previous ones left, then
// disposed of as it says (kept, cleared to transparent, or restored to
// what was there before it). WebP: as libwebp's WebPAnimDecoder, and so
// Pillow, composites them (a frame blended over the canvas or replacing
// its rectangle, then kept or cleared), bit for bit. The pixel budget
// (opts.MaxPixels, as for [Decode]) counts the frames times the canvas,
// checked from the headers before any frame is decoded, so an animation
// of thousands of frames costs an error, not the memory. A still image
// decodes as an animation of one frame. Formats other than GIF and WebP,
// and data that is no image, are an error wrapping ErrUnsupported or
// ErrFormat. Errors of the frames' data are classified as Decode's are.
func DecodeAnimation(data []byte, opts *DecodeOptions) (a *Animation, err error) {
	var o DecodeOptions
	if opts != nil {
		o = *opts
	}
	f, err := Sniff(data)
	if err != nil {
		return nil, err
	}
	if f != GIF && f != WebP {
		return nil, fmt.Errorf("imgproc: decode animation: %w: %s (GIF and WebP animations are read)", ErrUnsupported, f)
	}
	defer func() {
		if r := recover(); r != nil {
			a, err = nil, decoderPanic(f, r)
		}
	}()
	budget := o.MaxPixels
	if budget == 0 {
		budget = DefaultMaxPixels
	}
	if f == WebP {
		if !isAnimatedWebP(data) {
			return stillAnimation(data, &o)
		}
		return decodeWebPAnimation(data, budget)
	}
	cfg, err := gif.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, decodeError(f, err, data)
	}
	frames := gifFrames(data)
	if frames > MaxAnimationFrames {
		return nil, fmt.Errorf("%w: gif animation of %d frames, over the limit of %d frames", ErrTooLarge, frames, MaxAnimationFrames)
	}
	if n := int64(frames) * int64(cfg.Width) * int64(cfg.Height); budget > 0 && n > budget {
		return nil, fmt.Errorf("%w: gif animation of %d frames of %dx%d is %d pixels, over the limit of %d pixels",
			ErrTooLarge, frames, cfg.Width, cfg.Height, n, budget)
	}
	norm, err := gifNormalize(data)
	if err != nil {
		return nil, decodeError(f, err, data)
	}
	g, err := gif.DecodeAll(bytes.NewReader(norm))
	if err != nil {
		return nil, decodeError(f, err, data)
	}
	if len(g.Image) == 0 {
		return nil, decodeFailure(f, ErrCorrupt, "no frame", nil)
	}
	canvas := image.NewNRGBA(image.Rect(0, 0, g.Config.Width, g.Config.Height))
	a = &Animation{Palette: g.Image[0].Palette}
	switch {
	case g.LoopCount < 0: // no NETSCAPE extension: once
		a.Loops = 1
	case g.LoopCount > 0: // repeats after the first showing
		a.Loops = g.LoopCount + 1
	}
	if p, ok := g.Config.ColorModel.(color.Palette); ok && len(p) > 0 {
		a.Palette = p
	}
	for i, m := range g.Image {
		var saved []byte
		disposal := byte(0)
		if i < len(g.Disposal) {
			disposal = g.Disposal[i]
		}
		if disposal == gif.DisposalPrevious {
			saved = append([]byte(nil), canvas.Pix...)
		}
		drawPaletted(canvas, m)
		frame := image.NewNRGBA(canvas.Rect)
		copy(frame.Pix, canvas.Pix)
		a.Frames = append(a.Frames, frame)
		delay := 0
		if i < len(g.Delay) {
			delay = g.Delay[i]
		}
		a.Delays = append(a.Delays, time.Duration(delay)*10*time.Millisecond)
		switch disposal {
		case gif.DisposalBackground:
			draw.Draw(canvas, m.Rect.Intersect(canvas.Rect), image.Transparent, image.Point{}, draw.Src)
		case gif.DisposalPrevious:
			copy(canvas.Pix, saved)
		}
	}
	return a, nil
}

// drawPaletted draws the GIF frame m over canvas, as draw.Draw with
// draw.Over does, without its per-pixel colour conversions: a GIF's
// colours are opaque, or transparent (its transparent index), so a pixel
// is replaced or left.
func drawPaletted(canvas *image.NRGBA, m *image.Paletted) {
	var lut [256][4]byte
	var opaque [256]bool
	for i, c := range m.Palette {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		lut[i], opaque[i] = [4]byte{n.R, n.G, n.B, n.A}, n.A == 255
		if n.A != 0 && n.A != 255 { // not a GIF's: take the general path
			draw.Draw(canvas, m.Rect, m, m.Rect.Min, draw.Over)
			return
		}
	}
	r := m.Rect.Intersect(canvas.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := m.Pix[m.PixOffset(r.Min.X, y):][:r.Dx()]
		dst := canvas.Pix[canvas.PixOffset(r.Min.X, y):][:4*r.Dx()]
		for x, i := range src {
			if opaque[i] {
				copy(dst[4*x:4*x+4], lut[i][:])
			}
		}
	}
}

// stillAnimation decodes a still image as an animation of one frame.
func stillAnimation(data []byte, o *DecodeOptions) (*Animation, error) {
	pic, err := Decode(data, o)
	if err != nil {
		return nil, err
	}
	return &Animation{Frames: []image.Image{toNRGBA(pic.Image)}, Delays: []time.Duration{0}, ICC: pic.ICC}, nil
}

// ApplyAnimation runs the operations on every frame of a, as
// [Ops.ApplyPicture] runs them on a still picture, and returns the
// animation of the results; a is not modified. The pixel budget
// (opts.MaxPixels) counts the output frames together. ctx is checked
// between frames and inside the operations, as by [Ops.Apply].
func (ops Ops) ApplyAnimation(ctx context.Context, a *Animation, opts *ApplyOptions) (*Animation, error) {
	var o ApplyOptions
	if opts != nil {
		o = *opts
	}
	budget := o.MaxPixels
	if budget == 0 {
		budget = DefaultMaxPixels
	}
	out := &Animation{Delays: a.Delays, Loops: a.Loops, Palette: a.Palette, ICC: a.ICC}
	var total int64
	for _, f := range a.Frames {
		img, err := ops.ApplyPicture(ctx, &Picture{Image: f}, &o)
		if err != nil {
			return nil, err
		}
		b := img.Bounds()
		if total += int64(b.Dx()) * int64(b.Dy()); budget > 0 && total > budget {
			return nil, fmt.Errorf("imgproc: %s: %w: %d frames of %dx%d are over the limit of %d pixels", ops, ErrTooLarge, len(a.Frames), b.Dx(), b.Dy(), budget)
		}
		out.Frames = append(out.Frames, img)
	}
	return out, nil
}

// EncodeAnimation writes a as an animated GIF or WebP (opts.Format; the
// empty Format means GIF), the delays and the loop count kept; GIF's
// delays are rounded to its hundredths of a second, WebP's to
// milliseconds. It returns an error for an empty animation, frames of
// different sizes, and, like [Encode], an error wrapping ErrUnsupported
// for another format.
//
// GIF: every frame on the full canvas, its colours mapped with
// Floyd-Steinberg dithering to the source's palette (a.Palette: the
// source's look is kept; colours an operation made are approximated by
// dithering) or, without one, to a median-cut palette of the frames;
// pixels more than half transparent are written transparent. Each frame
// replaces the previous one (disposal to background), so the result shows
// the same whichever way it is composited.
//
// WebP: lossy at opts.Quality (DefaultWebPQuality when 0) or, with
// opts.Lossless, lossless, with the encoder [Encode] uses for WebP; each
// frame after the first is stored as the rectangle where it differs from
// the one before it. a.ICC is kept unless opts.DropICC is set.
func EncodeAnimation(w io.Writer, a *Animation, opts *EncodeOptions) error {
	var o EncodeOptions
	if opts != nil {
		o = *opts
	}
	f := cmp.Or(o.Format, GIF)
	if a == nil || len(a.Frames) == 0 {
		return fmt.Errorf("imgproc: encode %s animation: no frames", f)
	}
	r := a.Frames[0].Bounds()
	if r.Empty() {
		return fmt.Errorf("imgproc: encode %s animation: empty frames", f)
	}
	for i, fr := range a.Frames {
		if fr.Bounds().Size() != r.Size() {
			return fmt.Errorf("imgproc: encode %s animation: frame %d is %v, frame 1 %v", f, i+1, fr.Bounds().Size(), r.Size())
		}
	}
	var data []byte
	var err error
	switch f {
	case GIF:
		data, err = encodeGIFAnimation(a)
	case WebP:
		q := cmp.Or(o.Quality, DefaultWebPQuality)
		if q < 1 || q > 100 {
			return fmt.Errorf("imgproc: quality must be between 1 and 100, not %d", q)
		}
		icc := a.ICC
		if o.DropICC {
			icc = nil
		}
		data, err = encodeWebPAnimation(a, q, o.Lossless, icc)
	default:
		return fmt.Errorf("imgproc: encode animation: %w: cannot write %s animations (GIF and WebP can hold them)", ErrUnsupported, f)
	}
	if err != nil {
		return fmt.Errorf("imgproc: encode %s animation: %w", f, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("imgproc: encode %s animation: write: %w", f, err)
	}
	return nil
}

// encodeGIFAnimation is EncodeAnimation for GIF.
func encodeGIFAnimation(a *Animation) ([]byte, error) {
	r := a.Frames[0].Bounds()
	// The opaque colours to dither to, and a transparent index after them.
	var opaque color.Palette
	for _, c := range a.Palette {
		if _, _, _, al := c.RGBA(); al == 0xffff && len(opaque) < 255 {
			opaque = append(opaque, c)
		}
	}
	if len(opaque) == 0 {
		opaque = framesPalette(a.Frames, 255)
	}
	pal := append(append(color.Palette(nil), opaque...), color.NRGBA{})
	clear := uint8(len(pal) - 1)
	g := &gif.GIF{Config: image.Config{Width: r.Dx(), Height: r.Dy(), ColorModel: pal}}
	switch {
	case a.Loops == 1:
		g.LoopCount = -1 // no NETSCAPE extension: once
	case a.Loops > 1:
		g.LoopCount = min(a.Loops-1, 0xffff)
	}
	for i, f := range a.Frames {
		n := toNRGBA(f)
		flat := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		copy(flat.Pix, n.Pix) // n has its own origin; the dithering wants opaque colours
		for k := 3; k < len(flat.Pix); k += 4 {
			flat.Pix[k] = 255
		}
		p := image.NewPaletted(flat.Rect, opaque)
		draw.FloydSteinberg.Draw(p, p.Rect, flat, image.Point{})
		p.Palette = pal
		for k, al := 0, 3; al < len(n.Pix); k, al = k+1, al+4 {
			if n.Pix[al] < 128 {
				p.Pix[k] = clear
			}
		}
		g.Image = append(g.Image, p)
		var delay time.Duration
		if i < len(a.Delays) {
			delay = a.Delays[i]
		}
		g.Delay = append(g.Delay, int(min(max((delay+5*time.Millisecond)/(10*time.Millisecond), 0), 0xffff)))
		g.Disposal = append(g.Disposal, gif.DisposalBackground)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// framesPalette returns at most n colours for the frames, by median cut
// over a sample of their opaque pixels (about a million in all).
func framesPalette(frames []image.Image, n int) color.Palette {
	r := frames[0].Bounds()
	per := max(r.Dx()*r.Dy(), 1)
	step := max(len(frames)*per/(1<<20), 1) // sample every step-th pixel
	sample := image.NewNRGBA(image.Rect(0, 0, len(frames)*per/step+1, 1))
	k := 0
	for _, f := range frames {
		m := toNRGBA(f)
		for i := 0; i < per; i += step {
			o := (i/r.Dx())*m.Stride + (i%r.Dx())*4
			if m.Pix[o+3] >= 128 && 4*k+4 <= len(sample.Pix) {
				copy(sample.Pix[4*k:], m.Pix[o:o+3])
				sample.Pix[4*k+3] = 255
				k++
			}
		}
	}
	if k == 0 {
		return color.Palette{color.Black, color.White}
	}
	sample.Rect.Max.X, sample.Pix = k, sample.Pix[:4*k]
	return median.Quantizer(n).Quantize(make(color.Palette, 0, n), sample)
}
