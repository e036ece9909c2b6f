package imgproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"io"
	"runtime/debug"
)

// Animation is an animated picture as a viewer shows it: every frame
// composited on the full canvas by the format's disposal rules.
type Animation struct {
	// Frames are the frames as shown, each an *image.NRGBA of the canvas'
	// size (after [Ops.ApplyAnimation], whatever the operations make).
	Frames []image.Image
	// Delays are the frames' display times, in hundredths of a second
	// (GIF's unit).
	Delays []int
	// LoopCount is GIF's: 0 loops forever, -1 plays once, n plays n+1
	// times.
	LoopCount int
	// Palette is the colours the source was made of (its global colour
	// table, or its first frame's), which [EncodeAnimation] maps the
	// frames back to, so that the output keeps the source's look.
	Palette color.Palette
}

// DecodeAnimation decodes every frame of an animated GIF and composites
// each on the canvas as browsers do: the canvas starts transparent, a frame
// is drawn over what the previous ones left, then disposed of as it says
// (kept, cleared to transparent, or restored to what was there before it).
// The pixel budget (opts.MaxPixels, as for [Decode]) counts the frames
// times the canvas, checked from the headers before any frame is decoded,
// so a GIF of thousands of frames costs an error, not the memory. Other
// formats, and data that is no GIF, are an error wrapping ErrUnsupported or
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
	if f != GIF {
		return nil, fmt.Errorf("imgproc: decode animation: %w: %s (only GIF animations are read)", ErrUnsupported, f)
	}
	defer func() {
		if r := recover(); r != nil {
			a, err = nil, decodeFailure(f, ErrCorrupt, "", &DecoderPanicError{Value: r, Stack: debug.Stack()})
		}
	}()
	cfg, err := gif.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, decodeError(f, err, data)
	}
	budget := o.MaxPixels
	if budget == 0 {
		budget = DefaultMaxPixels
	}
	frames := gifFrames(data)
	if n := int64(frames) * int64(cfg.Width) * int64(cfg.Height); budget > 0 && n > budget {
		return nil, fmt.Errorf("%w: gif animation of %d frames of %dx%d is %d pixels, over the limit of %d pixels",
			ErrTooLarge, frames, cfg.Width, cfg.Height, n, budget)
	}
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		return nil, decodeError(f, err, data)
	}
	if len(g.Image) == 0 {
		return nil, decodeFailure(f, ErrCorrupt, "no frame", nil)
	}
	canvas := image.NewNRGBA(image.Rect(0, 0, g.Config.Width, g.Config.Height))
	a = &Animation{LoopCount: g.LoopCount, Palette: g.Image[0].Palette}
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
		draw.Draw(canvas, m.Rect, m, m.Rect.Min, draw.Over)
		frame := image.NewNRGBA(canvas.Rect)
		copy(frame.Pix, canvas.Pix)
		a.Frames = append(a.Frames, frame)
		delay := 0
		if i < len(g.Delay) {
			delay = g.Delay[i]
		}
		a.Delays = append(a.Delays, delay)
		switch disposal {
		case gif.DisposalBackground:
			draw.Draw(canvas, m.Rect.Intersect(canvas.Rect), image.Transparent, image.Point{}, draw.Src)
		case gif.DisposalPrevious:
			copy(canvas.Pix, saved)
		}
	}
	return a, nil
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
	out := &Animation{Delays: a.Delays, LoopCount: a.LoopCount, Palette: a.Palette}
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

// EncodeAnimation writes a as an animated GIF: every frame on the full
// canvas, its colours mapped to the animation's palette with
// Floyd-Steinberg dithering (the source's look is kept; colours an
// operation made are approximated by dithering), pixels more than half
// transparent written transparent, the delays and the loop count kept.
// Each frame replaces the previous one (disposal to background), so the
// result shows the same whichever way it was composited. It returns an
// error for an empty animation or frames of different sizes.
func EncodeAnimation(w io.Writer, a *Animation) error {
	if a == nil || len(a.Frames) == 0 {
		return errors.New("imgproc: encode animation: no frames")
	}
	r := a.Frames[0].Bounds()
	if r.Empty() {
		return errors.New("imgproc: encode animation: empty frames")
	}
	// The opaque colours to dither to, and a transparent index after them.
	var opaque color.Palette
	for _, c := range a.Palette {
		if _, _, _, al := c.RGBA(); al == 0xffff && len(opaque) < 255 {
			opaque = append(opaque, c)
		}
	}
	if len(opaque) == 0 {
		opaque = color.Palette{color.Black, color.White}
	}
	pal := append(append(color.Palette(nil), opaque...), color.NRGBA{})
	clear := uint8(len(pal) - 1)
	g := &gif.GIF{LoopCount: a.LoopCount, Config: image.Config{Width: r.Dx(), Height: r.Dy(), ColorModel: pal}}
	for i, f := range a.Frames {
		if f.Bounds().Size() != r.Size() {
			return fmt.Errorf("imgproc: encode animation: frame %d is %v, frame 0 %v", i, f.Bounds().Size(), r.Size())
		}
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
		delay := 0
		if i < len(a.Delays) {
			delay = a.Delays[i]
		}
		g.Delay = append(g.Delay, delay)
		g.Disposal = append(g.Disposal, gif.DisposalBackground)
	}
	if err := gif.EncodeAll(w, g); err != nil {
		return fmt.Errorf("imgproc: encode animation: %w", err)
	}
	return nil
}
