package batch

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"strings"
	"time"

	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/parallel"
)

// TaskName is the name the image task is registered under.
const TaskName = "fanout.image"

// Job is the input of the image task: one image's bytes and what to do
// with them. It crosses process and machine boundaries, so it holds only
// data.
//
// A reference job (Output set) carries no bytes: the task fetches Source
// (an http(s) or object-store URL) itself and writes the result as Key in
// the store location Output, and its [Output] carries only the outcome.
type Job struct {
	Source          string            // where the bytes came from, for messages; of a reference job, what to fetch
	Data            []byte            // the encoded image, in any supported format; empty in a reference job
	Output          string            // reference job: the URL of the store location the result is written to (store.Parse)
	Key             string            // reference job: the result's key in Output
	Fetch           FetchOptions      // reference job: how Source is fetched (the submitter's download settings)
	Ops             string            // operation list, as parsed by imgproc.ParseOps
	Format          imgproc.Format    // output format; empty means the input's own
	Quality         int               // JPEG or WebP quality; 0 means the format's default
	Lossless        bool              // WebP: lossless
	FirstFrame      bool              // an animation keeps only its first frame
	KeepEXIF        bool              // write the source's EXIF (orientation reset)
	KeepMetadata    bool              // write the source's EXIF, XMP and IPTC (orientation reset)
	DropICC         bool              // leave the ICC profile out
	SRGB            bool              // convert to sRGB through the ICC profile, before the operations
	Background      *color.NRGBA      // what transparency is flattened on for JPEG; nil: white
	MaxPixels       int64             // pixel budget; 0 means imgproc.DefaultMaxPixels
	KeepOrientation bool              // leave pixels as stored, ignoring EXIF orientation
	JPEG            imgproc.JPEGCodec // JPEG codec to decode and encode with
}

// Output is the result of the image task: the encoded output and what it
// took to make it.
type Output struct {
	Data          []byte         // the encoded output image
	InFormat      imgproc.Format // the input's sniffed format
	Format        imgproc.Format // the output's format
	Width, Height int            // the output's size in pixels
	InWidth       int            // the input's width in pixels, upright
	InHeight      int            // the input's height in pixels, upright
	Codec         string         // the decoder that read the input
	Path          string         // how the pixels went: the decode's scale and what the operations ran on (see Process)
	Decode        time.Duration  // time spent decoding
	Process       time.Duration  // time spent in the operations
	Encode        time.Duration  // time spent encoding

	// Of a reference job, whose Data stays empty: the sizes of the
	// source and of the output written, and the time spent fetching and
	// writing them.
	BytesIn, BytesOut int64
	Fetch, Write      time.Duration
}

// Limits are what a task allows any job, whatever the job asks: a worker
// serving other people's jobs sets them, so that no submitter can make it
// allocate more. A zero field means no limit of its own (the job's holds,
// as for a program's own worker processes).
type Limits struct {
	// MaxPixels caps the job's pixel budget (Job.MaxPixels above it, or
	// no limit, is taken down to it).
	MaxPixels int64
	// MaxInput caps the bytes of Job.Data, MaxOutput those of the encoded
	// result.
	MaxInput, MaxOutput int64
}

// ErrJobTooLarge is wrapped by the permanent error of a job whose input
// or output is over the task's [Limits].
var ErrJobTooLarge = errors.New("over the worker's limit")

// Register adds the image task to r under [TaskName] and returns its handle.
// A program registers it once, in the registry it gives to its executor's
// backend and to its workers. The task holds every job to lim.
func Register(r *parallel.Registry, lim Limits) *parallel.Task[Job, Output] {
	return RegisterWith(r, lim, Process)
}

// RegisterWith is [Register] with run doing the work instead of
// [Process]: a worker that runs each job in a child process of its own
// passes a function that sends the job there. The limits are applied
// around run, in the calling process, so they hold whatever the child's
// own registry says.
//
// Reference jobs are fetched and written in the calling process too, so
// that run gets the bytes and returns them as for any job: sources with a
// download.Downloader set as the job's [FetchOptions] say, its size cap
// no larger than lim.MaxInput (object-store sources through store), and
// outputs through the store locations the jobs name, each opened once and
// kept open for the life of the process.
func RegisterWith(r *parallel.Registry, lim Limits, run func(context.Context, Job) (Output, error)) *parallel.Task[Job, Output] {
	if lim != (Limits{}) {
		process := run
		run = func(ctx context.Context, job Job) (Output, error) {
			if lim.MaxInput > 0 && int64(len(job.Data)) > lim.MaxInput {
				return Output{}, parallel.Permanent(fmt.Errorf("batch: input of %d bytes: %w of %d bytes", len(job.Data), ErrJobTooLarge, lim.MaxInput))
			}
			if lim.MaxPixels > 0 {
				if job.MaxPixels == 0 {
					job.MaxPixels = imgproc.DefaultMaxPixels
				}
				if job.MaxPixels < 0 || job.MaxPixels > lim.MaxPixels {
					job.MaxPixels = lim.MaxPixels
				}
			}
			out, err := process(ctx, job)
			if err == nil && lim.MaxOutput > 0 && int64(len(out.Data)) > lim.MaxOutput {
				return Output{}, parallel.Permanent(fmt.Errorf("batch: output of %d bytes: %w of %d bytes", len(out.Data), ErrJobTooLarge, lim.MaxOutput))
			}
			return out, err
		}
	}
	// Outermost, so that the limits hold the bytes of a reference job too.
	return parallel.Register(r, TaskName, parallel.Gob, withRefs(lim, run))
}

// Process decodes job.Data, applies job.Ops and encodes the result. A
// JPEG that the first operation shrinks is decoded smaller
// (imgproc.Ops.DraftScale). Output.Path says which path the pixels took,
// for example "1/2 scale, YCbCr 4:2:0 planes" or "RGB". Errors
// caused by the input (an unknown format, a corrupt or truncated file, an
// image over the pixel budget, a bad operation list) are marked
// [parallel.Permanent]: running them again cannot help. Process checks ctx
// between steps and between operations; a cancellation is returned as
// ctx's error, not marked permanent.
func Process(ctx context.Context, job Job) (Output, error) {
	ops, err := imgproc.ParseOps(job.Ops)
	if err != nil {
		return Output{}, parallel.Permanent(err)
	}
	t0 := time.Now()
	pic, err := imgproc.Decode(job.Data, &imgproc.DecodeOptions{
		MaxPixels:       job.MaxPixels,
		KeepOrientation: job.KeepOrientation,
		JPEG:            job.JPEG,
		Draft:           ops.DraftScale,
		// YCbCr planes pay off when they go back into a JPEG; for any
		// other output the pixels are libjpeg's RGB, Pillow's exactly.
		RGB:      job.Format != "" && job.Format != imgproc.JPEG,
		KeepCMYK: job.SRGB, // converted through its own profile below
	})
	if err != nil {
		return Output{}, parallel.Permanent(err)
	}
	if job.SRGB {
		if err := imgproc.ToSRGB(pic, nil); err != nil {
			return Output{}, parallel.Permanent(fmt.Errorf("batch: to sRGB: %w", err))
		}
	}
	t1 := time.Now()
	if err := ctx.Err(); err != nil {
		return Output{}, err
	}
	format := cmp.Or(job.Format, pic.Format)
	if pic.Frames > 1 && (format == imgproc.GIF || format == imgproc.WebP) && !job.FirstFrame {
		return processAnimation(ctx, job, ops, pic, t0)
	}
	img, err := ops.ApplyPicture(ctx, pic, &imgproc.ApplyOptions{MaxPixels: job.MaxPixels, Output: format})
	if err != nil {
		if ctx.Err() != nil {
			return Output{}, err // cancelled: nothing wrong with the input
		}
		return Output{}, parallel.Permanent(err)
	}
	t2 := time.Now()
	if err := ctx.Err(); err != nil {
		return Output{}, err
	}
	in, inw, inh := pic.Format, pic.Width, pic.Height
	pic.Image = img
	var buf bytes.Buffer
	buf.Grow(len(job.Data))
	if err := imgproc.Encode(&buf, pic, &imgproc.EncodeOptions{
		Format: job.Format, Quality: job.Quality, Lossless: job.Lossless, JPEG: job.JPEG,
		KeepEXIF: job.KeepEXIF || job.KeepMetadata, KeepXMP: job.KeepMetadata, KeepIPTC: job.KeepMetadata,
		DropICC: job.DropICC, Background: background(job.Background),
	}); err != nil {
		return Output{}, parallel.Permanent(err) // imgproc's error says it was the encoding
	}
	t3 := time.Now()
	b := img.Bounds()
	return Output{
		Data:     buf.Bytes(),
		InFormat: in,
		Format:   format,
		Width:    b.Dx(),
		Height:   b.Dy(),
		InWidth:  inw,
		InHeight: inh,
		Codec:    pic.Codec,
		Path:     pixelPath(pic, img),
		Decode:   t1.Sub(t0),
		Process:  t2.Sub(t1),
		Encode:   t3.Sub(t2),
	}, nil
}

// processAnimation is Process for an animated GIF or WebP written as an
// animated GIF or WebP: every frame, composited, goes through the
// operations.
func processAnimation(ctx context.Context, job Job, ops imgproc.Ops, pic *imgproc.Picture, t0 time.Time) (Output, error) {
	a, err := imgproc.DecodeAnimation(job.Data, &imgproc.DecodeOptions{MaxPixels: job.MaxPixels})
	if err != nil {
		return Output{}, parallel.Permanent(err)
	}
	if job.SRGB && a.ICC != nil {
		for i, f := range a.Frames {
			frame := &imgproc.Picture{Image: f, ICC: a.ICC, Oriented: true}
			if err := imgproc.ToSRGB(frame, nil); err != nil {
				return Output{}, parallel.Permanent(fmt.Errorf("batch: to sRGB: frame %d: %w", i+1, err))
			}
			a.Frames[i] = frame.Image
		}
		a.ICC = nil
	}
	t1 := time.Now()
	format := cmp.Or(job.Format, pic.Format)
	out, err := ops.ApplyAnimation(ctx, a, &imgproc.ApplyOptions{MaxPixels: job.MaxPixels, Output: format})
	if err != nil {
		if ctx.Err() != nil {
			return Output{}, err
		}
		return Output{}, parallel.Permanent(err)
	}
	t2 := time.Now()
	var buf bytes.Buffer
	if err := imgproc.EncodeAnimation(&buf, out, &imgproc.EncodeOptions{
		Format: format, Quality: job.Quality, Lossless: job.Lossless, DropICC: job.DropICC,
	}); err != nil {
		return Output{}, parallel.Permanent(err)
	}
	t3 := time.Now()
	b := out.Frames[0].Bounds()
	return Output{
		Data:     buf.Bytes(),
		InFormat: pic.Format,
		Format:   format,
		Width:    b.Dx(),
		Height:   b.Dy(),
		InWidth:  pic.Width,
		InHeight: pic.Height,
		Codec:    pic.Codec,
		Path:     fmt.Sprintf("animation, %d frames", len(out.Frames)),
		Decode:   t1.Sub(t0),
		Process:  t2.Sub(t1),
		Encode:   t3.Sub(t2),
	}, nil
}

// background is the flattening colour for imgproc, nil for its default.
func background(c *color.NRGBA) color.Color {
	if c == nil {
		return nil
	}
	return *c
}

// pixelPath describes how pic was decoded and what the operations made of it:
// the shrink-on-load scale, if any, and the pixels' representation.
func pixelPath(pic *imgproc.Picture, out image.Image) string {
	var kind string
	switch m := out.(type) {
	case *image.YCbCr:
		r := strings.TrimPrefix(m.SubsampleRatio.String(), "YCbCrSubsampleRatio") // "420"
		kind = "YCbCr " + strings.Join(strings.Split(r, ""), ":") + " planes"
	case *image.Gray:
		kind = "grey"
	case *image.NRGBA:
		kind = "RGBA"
		if m.Opaque() {
			kind = "RGB"
		}
	case *image.RGBA:
		kind = "RGBA"
		if m.Opaque() {
			kind = "RGB"
		}
	default:
		kind = fmt.Sprintf("%T", out)
	}
	if pic.Scale > 1 {
		return fmt.Sprintf("1/%d scale, %s", pic.Scale, kind)
	}
	return kind
}
