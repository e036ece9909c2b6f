package imgproc

import (
	"context"
	"fmt"
	"image"
	"strconv"
	"strings"
)

// Op is one image operation of an operation list, as parsed by [ParseOps].
// The zero Op is invalid. Ops are small values, safe to copy and to apply
// concurrently.
type Op struct {
	name string
	f    [3]float64 // numeric parameters, meaning depends on name
	i    [4]int
	flag bool // blur, boxblur: straight alpha
	rs   resizeSpec
}

// Ops is an operation list, applied in order.
type Ops []Op

// opsSyntax sums up the operation syntax for error messages.
const opsSyntax = "blur=SIGMA, boxblur=RADIUS, sharpen[=RADIUS[:PERCENT[:THRESHOLD]]], resize=GEOMETRY[:FIT][:GRAVITY][:FILTER][:only-shrink], thumbnail=WxH[:FILTER], crop=WxH+X+Y, rotate=90|180|270, fliph, flipv, grayscale"

// OpsHelp describes, for a terminal, the operations [ParseOps] reads and
// the syntax of resize: plain text whose lines are shorter than 100
// columns and, but for blank ones, indented by two spaces, ending in a
// newline, to print under a heading of a command's help.
const OpsHelp = `  blur=SIGMA[:straight]        Gaussian blur, as Pillow's GaussianBlur; alpha premultiplied
                               unless :straight
  boxblur=RADIUS[:straight]    box blur, as Pillow's BoxBlur
  sharpen[=RADIUS[:PERCENT[:THRESHOLD]]]
                               unsharp mask, as Pillow's UnsharpMask (default 2:150:3)
  resize=GEOMETRY[:OPTION]...  resize, as Pillow's resize (see below)
  thumbnail=SIZE[:FILTER]      Pillow's thumbnail(): fit inside SIZE (W, Wx, xH or WxH),
                               aspect ratio kept, never enlarging
  crop=WxH+X+Y                 keep the WxH rectangle whose top left corner is at X,Y
  rotate=90|180|270            rotate clockwise (any multiple of 90)
  fliph, flipv                 mirror left to right, top to bottom
  grayscale                    shades of grey
  Names are case-insensitive; gray and grey stand for grayscale, thumb for thumbnail,
  unsharp for sharpen.

  A resize GEOMETRY is ImageMagick's:
    W or Wx      width W, the height keeping the aspect ratio
    xH           height H, the width keeping the aspect ratio
    WxH          width W and height H (how the picture meets them: the fit below)
    P%           both sides scaled by P per cent (0 < P <= 10000)
  followed, optionally, by > (only shrink) or ! (fill). Then OPTIONs, each after a colon,
  in any order:
    fill             exactly WxH, the aspect ratio not kept (the default)
    inside, contain  as large as fits inside WxH, the aspect ratio kept
    cover            covers WxH, the aspect ratio kept, then cropped to WxH
    GRAVITY          the part cover keeps: center (default), north, south, east, west,
                     northeast, northwest, southeast, southwest; or top, bottom, right, left
    FILTER           bicubic (default), lanczos, hamming, bilinear, box, nearest;
                     or cubic, linear, lanczos3
    only-shrink      leave a picture that fits inside the geometry as it is (as >)
    gap=N            Pillow's reducing_gap: shrink by whole factors first while N times the
                     output size remains (N from 1 to 1000; faster, nearly the same)
  inside and cover need both W and H; a GRAVITY needs cover; thumbnail takes only a FILTER.
  e.g. resize=1600x, resize=50%, resize=800x800>:inside, resize=400x400:cover:north:lanczos

  Shrink-on-load: when the list starts with a resize or thumbnail that makes a JPEG smaller,
  the JPEG is decoded at 1/2, 1/4 or 1/8 of its size, the most that keeps it at least the
  output size (resize; gap=N: N times) or twice it (thumbnail, as Pillow's draft()).
`

// ParseOps parses a comma-separated operation list such as
// "blur=15,resize=800x,grayscale". [OpsHelp] lists the operations and
// their syntax; names are case-insensitive, and "gray" and "grey" are
// accepted for grayscale, "thumb" for thumbnail, "unsharp" for sharpen.
// Parameters are checked here, so that a bad list fails before any image
// is read; the error names the offending token. The empty string is the
// empty list. [Ops.String] gives back a list that parses to the same
// operations.
//
// Each operation does what a function of the package does: blur is
// [GaussianBlur], boxblur [BoxBlur], sharpen [UnsharpMask], resize
// [Resize] (with the fit cover, Pillow's ImageOps.fit: a crop then a
// resize), thumbnail [Thumbnail] with Pillow's default reducing gap of 2,
// crop [Crop] (X and Y from the image's top left corner), rotate [Rotate],
// fliph [FlipH], flipv [FlipV] and grayscale [Grayscale].
func ParseOps(s string) (Ops, error) {
	var ops Ops
	if strings.TrimSpace(s) == "" {
		return ops, nil
	}
	for tok := range strings.SplitSeq(s, ",") {
		op, err := parseOp(strings.TrimSpace(tok))
		if err != nil {
			return nil, fmt.Errorf("imgproc: operation %q: %w", strings.TrimSpace(tok), err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func parseOp(tok string) (Op, error) {
	name, arg, hasArg := strings.Cut(tok, "=")
	name = strings.ToLower(strings.TrimSpace(name))
	arg = strings.TrimSpace(arg)
	switch name {
	case "gray", "grey":
		name = "grayscale"
	case "thumb":
		name = "thumbnail"
	case "unsharp":
		name = "sharpen"
	}
	op := Op{name: name}
	needArg := func() error {
		if !hasArg || arg == "" {
			return fmt.Errorf("missing value (syntax: %s)", opsSyntax)
		}
		return nil
	}
	noArg := func() error {
		if hasArg {
			return fmt.Errorf("%s takes no value", name)
		}
		return nil
	}
	switch name {
	case "":
		return op, fmt.Errorf("empty operation (syntax: %s)", opsSyntax)
	case "blur", "boxblur":
		if err := needArg(); err != nil {
			return op, err
		}
		num, mode, hasMode := strings.Cut(arg, ":")
		if hasMode {
			if mode != "straight" {
				return op, fmt.Errorf("unknown alpha mode %q (want straight)", mode)
			}
			op.flag = true
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return op, fmt.Errorf("bad number %q", num)
		}
		what := "sigma"
		if name == "boxblur" {
			what = "radius"
		}
		if err := checkRadius(what, v, name == "boxblur"); err != nil {
			return op, unprefix(err)
		}
		op.f[0] = v
	case "sharpen":
		op.f[0], op.i[0], op.i[1] = 2, 150, 3
		if hasArg {
			parts := strings.Split(arg, ":")
			if len(parts) > 3 {
				return op, fmt.Errorf("want RADIUS[:PERCENT[:THRESHOLD]], not %q", arg)
			}
			v, err := strconv.ParseFloat(parts[0], 64)
			if err != nil {
				return op, fmt.Errorf("bad radius %q", parts[0])
			}
			if err := checkRadius("radius", v, false); err != nil {
				return op, unprefix(err)
			}
			op.f[0] = v
			for k, p := range parts[1:] {
				n, err := strconv.Atoi(p)
				if err != nil || n < 0 {
					return op, fmt.Errorf("bad %s %q (want an integer >= 0)", []string{"percent", "threshold"}[k], p)
				}
				op.i[k] = n
			}
		}
	case "resize", "thumbnail":
		if err := needArg(); err != nil {
			return op, err
		}
		rs, err := parseResize(name, arg)
		if err != nil {
			return op, err
		}
		op.rs = rs
	case "crop":
		if err := needArg(); err != nil {
			return op, err
		}
		size, rest, ok := strings.Cut(arg, "+")
		xs, ys, ok2 := strings.Cut(rest, "+")
		if !ok || !ok2 {
			return op, fmt.Errorf("want WxH+X+Y, not %q", arg)
		}
		w, h, err := parseSize(size)
		if err != nil {
			return op, err
		}
		x, errX := strconv.Atoi(xs)
		y, errY := strconv.Atoi(ys)
		if w == 0 || h == 0 || errX != nil || errY != nil || x < 0 || y < 0 {
			return op, fmt.Errorf("want WxH+X+Y with positive sizes, not %q", arg)
		}
		op.i = [4]int{w, h, x, y}
	case "rotate":
		if err := needArg(); err != nil {
			return op, err
		}
		d, err := strconv.Atoi(arg)
		if err != nil || d%90 != 0 {
			return op, fmt.Errorf("rotation must be a multiple of 90 degrees, not %q", arg)
		}
		op.i[0] = ((d % 360) + 360) % 360
	case "fliph", "flipv", "grayscale":
		if err := noArg(); err != nil {
			return op, err
		}
	default:
		return op, fmt.Errorf("unknown operation %q (known: %s)", name, opsSyntax)
	}
	return op, nil
}

// unprefix drops the package prefix of an error from a checker, for use
// inside a message that already has one.
func unprefix(err error) error {
	return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "imgproc: "))
}

// parseSize parses WxH, Wx or xH (a missing side is 0).
func parseSize(s string) (w, h int, err error) {
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	if !ok || (ws == "" && hs == "") {
		return 0, 0, fmt.Errorf("want WxH, Wx or xH, not %q", s)
	}
	for _, p := range []struct {
		s string
		v *int
	}{{ws, &w}, {hs, &h}} {
		if p.s == "" {
			continue
		}
		n, err := strconv.Atoi(p.s)
		if err != nil || n <= 0 || n > MaxDimension {
			return 0, 0, fmt.Errorf("bad size %q in %q (want 1 to %d)", p.s, s, MaxDimension)
		}
		*p.v = n
	}
	return w, h, nil
}

// String returns the operation in the syntax ParseOps reads.
func (op Op) String() string {
	num := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	switch op.name {
	case "blur", "boxblur":
		s := op.name + "=" + num(op.f[0])
		if op.flag {
			s += ":straight"
		}
		return s
	case "sharpen":
		return fmt.Sprintf("sharpen=%s:%d:%d", num(op.f[0]), op.i[0], op.i[1])
	case "resize", "thumbnail":
		return op.name + "=" + op.rs.String()
	case "crop":
		return fmt.Sprintf("crop=%dx%d+%d+%d", op.i[0], op.i[1], op.i[2], op.i[3])
	case "rotate":
		return "rotate=" + strconv.Itoa(op.i[0])
	}
	return op.name
}

// String returns the list in the syntax ParseOps reads, comma-separated.
func (ops Ops) String() string {
	parts := make([]string, len(ops))
	for i, op := range ops {
		parts[i] = op.String()
	}
	return strings.Join(parts, ",")
}

// Apply runs op on img and returns the new image; img is not modified.
// It returns an error for the zero Op or when the operation fails (a crop
// outside the image, for example); the error names the operation.
func (op Op) Apply(img image.Image) (image.Image, error) {
	return op.applyNamed(img, applyEnv{budget: DefaultMaxPixels})
}

// applyNamed is apply with the checks and the error naming of Apply.
func (op Op) applyNamed(img image.Image, env applyEnv) (image.Image, error) {
	if op.name == "" {
		return nil, fmt.Errorf("imgproc: apply: the zero Op is no operation (operations come from ParseOps)")
	}
	out, err := op.apply(img, env)
	if err != nil {
		return nil, &opError{op, err}
	}
	return out, nil
}

// opError is an error of one operation: its message names the operation,
// and it wraps the cause, so that errors.Is(err, ErrTooLarge) still holds.
type opError struct {
	op  Op
	err error
}

func (e *opError) Error() string {
	return "imgproc: " + e.op.String() + ": " + strings.TrimPrefix(e.err.Error(), "imgproc: ")
}

func (e *opError) Unwrap() error { return e.err }

// applyEnv is what the operations of a list know of their surroundings:
// the pixel budget of a resize (see ApplyOptions.MaxPixels; never 0 here),
// whether the result will be written with 4:2:0 chroma, and when to stop
// (the context's cancellation, checked inside the long loops).
type applyEnv struct {
	budget int64
	yuv420 bool
	stop   stopFunc
}

// apply runs op on img in env (see
// resize).
func (op Op) apply(img image.Image, env applyEnv) (image.Image, error) {
	alpha := &BlurOptions{}
	if op.flag {
		alpha.Alpha = AlphaStraight
	}
	switch op.name {
	case "blur":
		return gaussianBlur(img, op.f[0], alpha, env.stop)
	case "boxblur":
		return boxBlur(img, op.f[0], alpha, env.stop)
	case "sharpen":
		return unsharpMask(img, op.f[0], op.i[0], op.i[1], env.stop)
	case "resize", "thumbnail":
		b := img.Bounds()
		return op.rs.apply(img, b.Dx(), b.Dy(), 1, env)
	case "crop":
		origin := img.Bounds().Min
		r := image.Rect(op.i[2], op.i[3], op.i[2]+op.i[0], op.i[3]+op.i[1]).Add(origin)
		return Crop(img, r)
	case "rotate":
		return Rotate(img, op.i[0])
	case "fliph":
		return FlipH(img), nil
	case "flipv":
		return FlipV(img), nil
	case "grayscale":
		return Grayscale(img), nil
	}
	return nil, fmt.Errorf("invalid operation")
}

// Apply runs the operations in order on img and returns the result, which
// is img itself for an empty list. ctx is checked before each operation
// and inside the long ones (blurs and sharpening every strip of 128
// columns, resizes every 64 rows: a few milliseconds apart on a large
// photo); a cancelled ctx returns an error wrapping ctx.Err(). A resize
// may not make more pixels than [DefaultMaxPixels] (or than its input
// has).
func (ops Ops) Apply(ctx context.Context, img image.Image) (image.Image, error) {
	return ops.ApplyPicture(ctx, &Picture{Image: img}, nil)
}

// ApplyLimited is [Ops.Apply] with a pixel budget for what the operations
// make: a resize to more pixels than both maxPixels and its input fails
// with an error wrapping [ErrTooLarge]. As in [DecodeOptions], zero means
// DefaultMaxPixels and a negative value means no limit.
func (ops Ops) ApplyLimited(ctx context.Context, img image.Image, maxPixels int64) (image.Image, error) {
	return ops.ApplyPicture(ctx, &Picture{Image: img}, &ApplyOptions{MaxPixels: maxPixels})
}

// ApplyOptions adjusts [Ops.ApplyPicture]. A nil *ApplyOptions means the
// zero value.
type ApplyOptions struct {
	// MaxPixels is the pixel budget of what the operations make, as for
	// [Ops.ApplyLimited]: zero means DefaultMaxPixels, negative no limit.
	MaxPixels int64
	// Output is the format the result will be encoded in, if known. For
	// JPEG, which is written with 4:2:0 chroma, a resize of YCbCr planes
	// makes 4:2:0 chroma directly; otherwise it makes full-resolution
	// chroma (the colour detail an RGB resize keeps), which costs more.
	Output Format
}

// DraftScale returns the scale, 1, 2, 4 or 8, at which a JPEG of
// width×height pixels (upright) may be decoded for the list, as Pillow's
// Image.draft chooses it for thumbnail(): when the list starts with a
// resize or thumbnail that shrinks the picture, the largest scale that
// keeps the decoded image at least its reducing gap (2 unless gap= sets
// it) times the size the operation makes. Otherwise it returns 1. Give it
// to [DecodeOptions].Draft, and apply the list with [Ops.ApplyPicture].
func (ops Ops) DraftScale(width, height int) int {
	if len(ops) == 0 || (ops[0].name != "resize" && ops[0].name != "thumbnail") || width <= 0 || height <= 0 {
		return 1
	}
	reqW, reqH, ok := ops[0].rs.draftRequest(width, height)
	if !ok {
		return 1
	}
	return draftScale(width, height, reqW, reqH)
}

// ApplyPicture runs the operations on pic.Image as [Ops.ApplyLimited]
// does, with the options opts, knowing that a picture decoded at reduced
// scale (pic.Scale > 1, see [DecodeOptions].Draft) stands for its full
// pic.Width×pic.Height: the first operation, a resize or thumbnail,
// computes its size from the full picture and reads the whole reduced
// image, so that the result has the size of the full decode and nearly its
// pixels (Pillow's thumbnail does the same after draft()). pic is not
// modified.
func (ops Ops) ApplyPicture(ctx context.Context, pic *Picture, opts *ApplyOptions) (image.Image, error) {
	var o ApplyOptions
	if opts != nil {
		o = *opts
	}
	env := applyEnv{budget: o.MaxPixels, yuv420: o.Output == JPEG, stop: ctx.Err}
	if env.budget == 0 {
		env.budget = DefaultMaxPixels
	}
	img := pic.Image
	for i, op := range ops {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("imgproc: %s: %w", op, err)
		}
		var err error
		if i == 0 && pic.Scale > 1 && (op.name == "resize" || op.name == "thumbnail") {
			img, err = op.rs.apply(img, pic.Width, pic.Height, pic.Scale, env)
			if err != nil {
				err = &opError{op, err}
			}
		} else {
			img, err = op.applyNamed(img, env)
		}
		if err != nil {
			return nil, err
		}
	}
	return img, nil
}
