package imgproc

import (
	"errors"
	"fmt"
	"image"
	"math"
	"strconv"
	"strings"
)

// fit is how a resize to W×H treats the aspect ratio.
type fit int

const (
	fitFill   fit = iota // exactly W×H
	fitInside            // within W×H, aspect ratio kept
	fitCover             // covering W×H, aspect ratio kept, then cropped
)

// gravities are the positions cover can keep, with Pillow's centering
// (ImageOps.fit) of each: 0 keeps the left or top edge, 1 the other.
var gravities = []struct {
	names []string
	cx    float64
	cy    float64
}{
	{[]string{"center", "centre"}, 0.5, 0.5},
	{[]string{"north", "top", "n"}, 0.5, 0},
	{[]string{"south", "bottom", "s"}, 0.5, 1},
	{[]string{"east", "right", "e"}, 1, 0.5},
	{[]string{"west", "left", "w"}, 0, 0.5},
	{[]string{"northeast", "ne"}, 1, 0},
	{[]string{"northwest", "nw"}, 0, 0},
	{[]string{"southeast", "se"}, 1, 1},
	{[]string{"southwest", "sw"}, 0, 1},
}

// resizeSpec is a parsed resize or thumbnail operation.
type resizeSpec struct {
	thumb      bool    // Pillow's thumbnail: inside, never enlarge, reducing gap 2
	w, h       int     // the box; 0 is unbounded (thumbnail) or from the aspect ratio
	pct        float64 // > 0: scale both sides by pct per cent instead
	fit        fit
	gravity    int // index in gravities
	filter     Filter
	onlyShrink bool
	gap        float64 // reducing gap; 0: the default (none for resize)
}

// parseResize parses the value of a resize or thumbnail operation.
func parseResize(name, arg string) (resizeSpec, error) {
	rs := resizeSpec{thumb: name == "thumbnail"}
	geom, opts, hasOpts := strings.Cut(arg, ":")
	var fitSet, gravitySet bool
	if rs.thumb && strings.ContainsAny(geom, "!>") {
		return rs, fmt.Errorf("thumbnail takes WxH, Wx or xH, not %q (it keeps the aspect ratio and never enlarges)", geom)
	}
	switch {
	case strings.HasSuffix(geom, ">"):
		geom, rs.onlyShrink = geom[:len(geom)-1], true
	case strings.HasSuffix(geom, "!"):
		geom, rs.fit, fitSet = geom[:len(geom)-1], fitFill, true
	}
	if pct, ok := strings.CutSuffix(geom, "%"); ok && !rs.thumb {
		v, err := strconv.ParseFloat(pct, 64)
		if err != nil || !(v > 0 && v <= 10000) {
			return rs, fmt.Errorf("bad percentage %q (want a number in (0, 10000])", geom)
		}
		rs.pct = v
	} else {
		if !strings.ContainsAny(geom, "xX") {
			geom += "x" // ImageMagick: a number alone is the width
		}
		w, h, err := parseSize(geom)
		if err != nil {
			return rs, err
		}
		rs.w, rs.h = w, h
	}
	if !hasOpts {
		return rs, nil
	}
	for typed := range strings.SplitSeq(opts, ":") {
		o := strings.ToLower(strings.TrimSpace(typed))
		if o == "" {
			return rs, fmt.Errorf("empty option in %q", arg)
		}
		if f, err := ParseFilter(o); err == nil {
			rs.filter = f
			continue
		}
		if _, ok := strings.CutPrefix(o, "gap="); ok && !rs.thumb {
			g := strings.TrimSpace(typed)[len("gap="):]
			v, err := strconv.ParseFloat(g, 64)
			if err != nil || !(v >= 1 && v <= 1000) {
				return rs, fmt.Errorf("bad reducing gap %q (want a number from 1 to 1000)", g)
			}
			rs.gap = v
			continue
		}
		if rs.thumb {
			return rs, fmt.Errorf("unknown thumbnail option %q (want a filter: %s)", o, strings.Join(filterNames[:], ", "))
		}
		switch o {
		case "fill", "inside", "contain", "cover":
			if fitSet {
				return rs, fmt.Errorf("more than one fit in %q", arg)
			}
			rs.fit, fitSet = map[string]fit{"fill": fitFill, "inside": fitInside, "contain": fitInside, "cover": fitCover}[o], true
			continue
		case "only-shrink", "shrink-only", ">":
			rs.onlyShrink = true
			continue
		}
		g := gravityIndex(o)
		if g < 0 {
			return rs, fmt.Errorf("unknown resize option %q (want a fit: fill, inside, contain, cover; a gravity: center, north, south, east, west, northeast, northwest, southeast, southwest; a filter: %s; only-shrink; or gap=N)",
				o, strings.Join(filterNames[:], ", "))
		}
		rs.gravity, gravitySet = g, true
	}
	if gravitySet && rs.fit != fitCover {
		return rs, fmt.Errorf("a gravity needs the cover fit in %q", arg)
	}
	if rs.fit != fitFill && (rs.pct > 0 || rs.w == 0 || rs.h == 0) {
		return rs, fmt.Errorf("fit %s needs both a width and a height in %q", []string{"fill", "inside", "cover"}[rs.fit], arg)
	}
	return rs, nil
}

func gravityIndex(s string) int {
	for i, g := range gravities {
		for _, n := range g.names {
			if n == s {
				return i
			}
		}
	}
	return -1
}

// String returns the value in the syntax parseResize reads.
func (rs resizeSpec) String() string {
	var s string
	if rs.pct > 0 {
		s = strconv.FormatFloat(rs.pct, 'g', -1, 64) + "%"
	} else {
		if rs.w > 0 {
			s = strconv.Itoa(rs.w)
		}
		s += "x"
		if rs.h > 0 {
			s += strconv.Itoa(rs.h)
		}
	}
	if rs.onlyShrink {
		s += ">"
	}
	if rs.fit != fitFill {
		s += ":" + []string{"fill", "inside", "cover"}[rs.fit]
	}
	if rs.fit == fitCover && rs.gravity != 0 {
		s += ":" + gravities[rs.gravity].names[0]
	}
	if rs.filter != Bicubic {
		s += ":" + rs.filter.String()
	}
	if rs.gap > 0 {
		s += ":gap=" + strconv.FormatFloat(rs.gap, 'g', -1, 64)
	}
	return s
}

// plan returns the output size and the source box of the operation on a
// picture of fullW×fullH pixels; skip reports that the picture is left as
// it is (a thumbnail or only-shrink resize of a picture that already
// fits).
func (rs resizeSpec) plan(fullW, fullH int) (w, h int, box [4]float64, skip bool, err error) {
	box = [4]float64{0, 0, float64(fullW), float64(fullH)}
	fw, fh := float64(fullW), float64(fullH)
	switch {
	case rs.thumb:
		w, h, ok := thumbnailSize(fullW, fullH, rs.w, rs.h)
		return w, h, box, !ok, nil
	case rs.pct > 0:
		if rs.onlyShrink && rs.pct >= 100 {
			return fullW, fullH, box, true, nil
		}
		w = max(1, int(fw*rs.pct/100+0.5))
		h = max(1, int(fh*rs.pct/100+0.5))
	default:
		if rs.onlyShrink && (rs.w == 0 || fullW <= rs.w) && (rs.h == 0 || fullH <= rs.h) {
			return fullW, fullH, box, true, nil
		}
		w, h = rs.w, rs.h
		switch {
		case w == 0:
			w = max(1, int(fw*float64(h)/fh+0.5))
		case h == 0:
			h = max(1, int(fh*float64(w)/fw+0.5))
		case rs.fit == fitInside:
			w, h = fitSize(fullW, fullH, w, h)
		case rs.fit == fitCover:
			box = coverBox(fw, fh, w, h, gravities[rs.gravity].cx, gravities[rs.gravity].cy)
		}
	}
	if w > MaxDimension || h > MaxDimension {
		return 0, 0, box, false, fmt.Errorf("%dx%d is over the %d-pixel limit", w, h, MaxDimension)
	}
	return w, h, box, false, nil
}

// fitSize is the size of a w×h picture scaled to fit inside maxW×maxH,
// enlarged or not, rounded as Pillow's thumbnail rounds.
func fitSize(w, h, maxW, maxH int) (int, int) {
	aspect := float64(w) / float64(h)
	// thumbnailSize never enlarges; a picture that fits is scaled as if it
	// were larger by the same factor it falls short.
	if tw, th, ok := thumbnailSize(w, h, maxW, maxH); ok {
		return tw, th
	}
	x, y := float64(maxW), float64(maxH)
	if x/y >= aspect {
		return max(1, int(math.Round(y*aspect))), maxH
	}
	return maxW, max(1, int(math.Round(x/aspect)))
}

// coverBox is the source box of Pillow's ImageOps.fit(image, (w, h),
// centering=(cx, cy)) on a fw×fh picture: the largest region of the
// output's aspect ratio, placed by the centering.
func coverBox(fw, fh float64, w, h int, cx, cy float64) [4]float64 {
	live := fw / fh
	out := float64(w) / float64(h)
	cw, ch := fw, fh
	switch {
	case live == out:
	case live >= out:
		cw = out * fh
	default:
		ch = fw / out
	}
	left := (fw - cw) * cx
	top := (fh - ch) * cy
	return [4]float64{left, top, left + cw, top + ch}
}

// apply runs the operation on img, which is a picture of fullW×fullH
// pixels decoded at 1/scale of its size (scale 1: img is the whole
// picture).
func (rs resizeSpec) apply(img image.Image, fullW, fullH, scale int, env applyEnv) (image.Image, error) {
	if img.Bounds().Empty() {
		return nil, errors.New("empty image")
	}
	w, h, box, skip, err := rs.plan(fullW, fullH)
	if err != nil {
		return nil, err
	}
	if skip {
		return img, nil
	}
	if n, limit := int64(w)*int64(h), max(env.budget, int64(fullW)*int64(fullH)); env.budget > 0 && n > limit {
		return nil, fmt.Errorf("%w: %dx%d is %d pixels, over the limit of %d", ErrTooLarge, w, h, n, limit)
	}
	if scale > 1 {
		b := img.Bounds()
		for i := range box {
			box[i] /= float64(scale)
		}
		box[2], box[3] = min(box[2], float64(b.Dx())), min(box[3], float64(b.Dy()))
	}
	gap := rs.gap
	switch {
	case rs.thumb:
		gap = 2
	case gap == 0:
		gap = -1
	}
	return resizeImage(img, w, h, box, rs.filter, gap, env.yuv420, env.stop)
}

// draftRequest is the size, at least, a picture of fullW×fullH pixels
// must decode at for the operation: its draft gap times what it makes of
// the picture. A thumbnail asks for twice its size, as Pillow's
// thumbnail asks draft() for (its reducing gap of 2); a resize for its
// size (the gap= option's value if set), as sharp and libvips do, since
// the DCT scaling filters well (45 to 54 dB from the full decode's result
// on the W-thumb photos, about the gap between bicubic and Lanczos). ok is
// false when the operation does not shrink.
func (rs resizeSpec) draftRequest(fullW, fullH int) (reqW, reqH float64, ok bool) {
	w, h, box, skip, err := rs.plan(fullW, fullH)
	if err != nil || skip || rs.filter == Nearest {
		return 0, 0, false
	}
	gap := rs.gap
	switch {
	case rs.thumb:
		gap = 2
	case gap == 0:
		gap = 1
	}
	reqW = float64(w) * gap * float64(fullW) / (box[2] - box[0])
	reqH = float64(h) * gap * float64(fullH) / (box[3] - box[1])
	return reqW, reqH, reqW < float64(fullW) || reqH < float64(fullH)
}
