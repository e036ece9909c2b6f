package batch

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"image/color"
	"iter"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fanout-dev/fanout/download"
	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/report"
	"github.com/fanout-dev/fanout/store"
)

// Defaults of [Config].
const (
	DefaultDownloads = 96                 // downloads in flight
	DefaultName      = "processed_{name}" // the output name template
)

// ErrExists is the reason recorded for an item skipped because its output
// already exists (Config.SkipExisting).
var ErrExists = errors.New("output exists")

// Config configures [Run]. The zero Config processes nothing useful (no
// operations) but is valid: outputs go to the current folder, named
// processed_<name>, in the input's format.
type Config struct {
	// OutDir is the folder outputs are written to; it is created if
	// needed. Empty means the current folder.
	OutDir string

	// Out, if not nil, is the store location outputs are written to
	// instead of OutDir (file:///shared/out, s3://bucket/prefix, ...),
	// with the same names and folders, each object written atomically;
	// Config.SkipExisting asks the store. The caller opens it
	// (store.Open) and closes it after Run.
	Out *store.Bucket

	// Refs sends items as references when Out is set and the item's
	// source is an http(s) or object-store URL ([IsReference]): the task
	// carries the source's URL, Out's URL and the output's key instead of
	// the image, the machine that runs it fetches the source (with its
	// own download.Downloader: the same retries and limits) and writes
	// the output itself, and its result carries only the outcome. Set it
	// when Executor's work runs on machines that reach the sources and
	// Out (a cluster); the bytes then never pass through this process.
	// Other items, and every item when Out is nil, travel as bytes.
	Refs bool

	// RefFetch is how the task fetches the source of a reference job
	// (Refs): give it the settings of the Fetcher (retries, timeouts, size
	// cap), so that a worker fetches as this process would. Its zero
	// value means download.Downloader's defaults. The worker's own limits
	// cap it (see [FetchOptions]).
	RefFetch FetchOptions

	// Name is the output name template. {name} is the source's file name
	// (made safe and unique, with the extension of the output format),
	// {base} the same without extension, {ext} the extension without its
	// dot, and {n} the item's position in the batch, from 1 ({n:03}: zero
	// padded to 3 digits, so that names sort in order). A template that
	// gives no extension ("{base}", "{n}") gets the output format's. Empty
	// means [DefaultName]; see [CheckTemplate] for what is refused.
	Name string

	// Ops is the operation list applied to every image, parsed by
	// imgproc.ParseOps (for example from "blur=15"). Jobs carry its string
	// form.
	Ops imgproc.Ops

	// Format is the output format. Empty means the format named by the
	// source's extension when it can be written (JPEG, PNG, GIF, BMP,
	// TIFF, WebP, and AVIF where libheif has an AV1 encoder), and JPEG
	// otherwise (HEIC, a name without an image extension). The output name
	// always carries the extension of the format actually written.
	Format imgproc.Format

	// Quality is the JPEG or WebP quality; 0 means the format's default
	// (imgproc.DefaultQuality, imgproc.DefaultWebPQuality).
	Quality int
	// Lossless writes WebP losslessly.
	Lossless bool
	// Roots are folders whose images keep their place: a source
	// root/a/b/x.jpg is written to OutDir/a/b/ (made as needed), names
	// made unique within each folder. A root may also be an object-store
	// URL of a prefix (s3://bucket/photos, or s3://bucket for the whole
	// bucket): s3://bucket/photos/a/b/x.jpg is then written to a/b/ below
	// the output as well. Other sources go in the output folder itself.
	Roots []string

	// FirstFrame keeps only the first frame of an animated GIF or WebP.
	// By default an animation written as GIF or WebP keeps every frame,
	// each through the operations; written in another format it keeps
	// the first.
	FirstFrame bool
	// KeepEXIF writes each source's EXIF data to its output (orientation
	// reset to 1); by default EXIF, with its camera data and GPS position,
	// is dropped.
	KeepEXIF bool
	// KeepMetadata writes each source's EXIF, XMP and IPTC data to its
	// output where the output format holds them (EXIF and XMP
	// orientation reset); by default only the ICC profile is kept.
	KeepMetadata bool
	// DropICC leaves ICC profiles out of the outputs (kept by default).
	DropICC bool
	// SRGB converts each image with an ICC profile to sRGB, before the
	// operations, and writes it without a profile (imgproc.ToSRGB), as
	// browsers take untagged images to be sRGB. An image whose profile
	// cannot be converted fails.
	SRGB bool
	// Background is the colour transparency is flattened on for formats
	// without alpha (JPEG); nil means white.
	Background *color.NRGBA

	// JPEG chooses the JPEG codec; the zero value uses libjpeg-turbo when
	// the machine that runs the task has it.
	JPEG imgproc.JPEGCodec

	// MaxPixels is the per-image pixel budget, for the decoded image and
	// for what a resize makes of it; 0 means imgproc.DefaultMaxPixels.
	MaxPixels int64

	// KeepOrientation leaves pixels as stored instead of applying the
	// EXIF orientation.
	KeepOrientation bool

	// Downloads is the number of downloads in flight. Zero means
	// [DefaultDownloads]. It sets the MaxInFlight of the Downloader Run
	// makes when Fetcher is nil; either way it also bounds the items in
	// flight (Downloads + 2*Workers, which bounds memory), so with a
	// Fetcher set it to the Fetcher's MaxInFlight.
	Downloads int

	// Workers is the number of images processed at once. Zero means
	// runtime.GOMAXPROCS(0). With an Executor whose work runs elsewhere
	// (worker processes, a cluster), set it to the total concurrency
	// there.
	Workers int

	// SkipExisting skips a source whose output file already exists,
	// without downloading it, so that an interrupted batch can be resumed.
	SkipExisting bool

	// Fetcher brings the sources' bytes. Nil means a download.Downloader
	// with Downloads requests in flight, naming with Namer.
	Fetcher Fetcher

	// Namer reserves the output names. Nil means a new one. A
	// download.Downloader given as Fetcher names its results too: give
	// both the same Namer, so that each source is remembered once.
	Namer *download.Namer

	// Executor runs the image task. Nil means an in-process executor with
	// Workers workers, closed when Run returns. A given Executor is not
	// closed.
	Executor *parallel.Executor

	// Task is the image task as registered (see [Register]) in the
	// registry of Executor's backend. Nil means a task registered for
	// in-process use only.
	Task *parallel.Task[Job, Output]

	// Report says what the returned report keeps: by default the summary
	// and the failed items, so that memory does not grow with the batch.
	// OnItem sees every item either way.
	Report ReportConfig

	// Backend names where Executor runs the work, for the report:
	// "local" (the default), "isolate" or "nats".
	Backend string

	// OnItem, if not nil, is called once for each item when it ends, with
	// the item as the report records it (its Status: done, failed,
	// skipped, or unfinished when the batch stopped before it did) and the
	// counts so far. Calls are serialised, so it needs no locking, but it
	// should be quick: it holds up the next item to end.
	OnItem func(it report.Item, c Counts)

	// OnStart, if not nil, is called when an item starts (after its name is
	// reserved); calls are serialised with OnItem's.
	OnStart func(c Counts)
}

// ReportConfig says what the report of a batch keeps. Its settings
// (workers, downloads, operations, backend) come from the [Config].
type ReportConfig struct {
	// Full keeps every item with its timeline, for a report page
	// (report.Report.HTML); by default only the summary and the failed
	// items are kept (report.Config.SummaryOnly).
	Full bool
	// Thumbnails is how many items of a Full report get before/after
	// thumbnails: 0 means report's default (8), negative none.
	Thumbnails int
}

// Fetcher brings the bytes of a source (a URL, a file name): a
// download.Downloader does, with its limits and retries. Fetch must be
// safe for concurrent use; it fails with an error naming the source and
// the cause.
type Fetcher interface {
	Fetch(ctx context.Context, src string) (*download.Result, error)
}

// Counts are the batch's progress so far.
type Counts struct {
	Started, Done, Failed, Skipped int
	Queued                         int // handed to a detached cluster job (see parallel.ErrDetached)
	Abandoned                      int // stopped with the batch (Ctrl-C, a full output folder)
}

// InFlight is the number of items started and not yet ended.
func (c Counts) InFlight() int {
	return c.Started - c.Done - c.Failed - c.Skipped - c.Queued - c.Abandoned
}

// Run processes every source of srcs, in a streaming pipeline, and returns
// the report of the batch: the summary, and the items the Recorder keeps
// with their outcomes and timelines (by default the failed ones; see
// Config.Recorder). A source yielded with an error is recorded as a failed
// item.
//
// Run returns an error without a report when the batch cannot start at
// all (a bad operation list, an output folder that cannot be made), and one
// wrapping [ErrOutputFull] with the report when it stopped because the
// output folder took no more files (a full disk). Failed items do not make
// it return an error: they are in the report. When ctx is cancelled
// (Ctrl-C), Run stops taking new sources, abandons the items in flight
// (their outputs are not written: no partial file is left) and returns the
// report of what was done, with the cancelled items failed with ctx's error.
func Run(ctx context.Context, cfg Config, srcs iter.Seq2[string, error]) (*report.Report, error) {
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if err := CheckTemplate(cfg.Name); err != nil {
		return nil, err
	}
	format, err := OutputFormat(cfg.Name, cfg.Format)
	if err != nil {
		return nil, err
	}
	cfg.Format = format
	if cfg.OutDir == "" {
		cfg.OutDir = "."
	}
	var out outputs = folder(cfg.OutDir)
	if cfg.Out != nil {
		out = bucket{cfg.Out}
	}
	if err := out.prepare(ctx); err != nil {
		return nil, err
	}
	// Leftover temporary files of an interrupted run are never outputs;
	// each folder below is cleaned when the batch first writes there.
	if err := out.clean(ctx, ""); err != nil {
		return nil, err
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Downloads <= 0 {
		cfg.Downloads = DefaultDownloads
	}
	r := &runner{cfg: cfg, out: out, fetcher: cfg.Fetcher, ex: cfg.Executor, task: cfg.Task, namer: cfg.Namer}
	if r.namer == nil {
		r.namer = new(download.Namer)
	}
	if r.fetcher == nil {
		d := &download.Downloader{MaxInFlight: cfg.Downloads, Namer: r.namer}
		defer d.CloseIdleConnections()
		r.fetcher = d
	}
	if err := r.restoreClaims(ctx, r.namer, ""); err != nil {
		return nil, err
	}
	if r.ex == nil {
		r.ex = parallel.New(parallel.Config{Workers: cfg.Workers})
		defer r.ex.Close()
	}
	if r.task == nil {
		r.task = Register(new(parallel.Registry), Limits{})
	}
	thumbs := cfg.Report.Thumbnails
	if !cfg.Report.Full {
		thumbs = -1
	}
	r.rec = report.NewRecorder(report.Config{Thumbnails: thumbs, SummaryOnly: !cfg.Report.Full, Settings: report.Settings{
		Downloads: cfg.Downloads, Workers: cfg.Workers, Ops: cfg.Ops.String(), Backend: cmp.Or(cfg.Backend, "local"),
	}})
	r.lanes = make(chan int, cfg.Workers)
	for i := range cfg.Workers {
		r.lanes <- i
	}

	// inflight bounds the items between intake and their end: those
	// downloading, those waiting for a worker with their bytes in memory,
	// and those being processed. It is what bounds memory.
	inflight := make(chan struct{}, cfg.Downloads+2*cfg.Workers)
	ctx, r.stop = context.WithCancelCause(ctx)
	defer r.stop(nil)
	var wg sync.WaitGroup
	n := 0
	var urls, files bool // which kinds of source the batch has
	for src, err := range srcs {
		select {
		case inflight <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		idx := n
		n++
		id := r.rec.Begin(src)
		if isURLSource(src) {
			urls = true
		} else {
			files = true
		}
		var out string
		if err == nil {
			// Names are reserved in input order, so they do not depend
			// on which download finishes first.
			out, err = r.outputPath(ctx, idx, src)
		}
		r.started()
		wg.Go(func() {
			defer func() { <-inflight }()
			r.item(ctx, id, src, out, err)
		})
	}
	wg.Wait()
	r.saveClaims(context.WithoutCancel(ctx))
	rep := r.rec.Report()
	switch {
	case urls && files:
		rep.Settings.Fetching = report.FetchMixed
	case files:
		rep.Settings.Fetching = report.FetchFiles
	}
	if err := context.Cause(ctx); errors.Is(err, ErrOutputFull) {
		return rep, err
	}
	return rep, nil
}

// ErrOutputFull is wrapped by the error [Run] returns, with its report, when
// an output could not be written because the output folder's file system
// is full, over its quota or read-only: the batch stops rather than fetch
// and process items whose outputs could not be written either.
var ErrOutputFull = errors.New("batch: the output folder takes no more files")

// outputFull reports whether a write error means no later write to the
// same file system can succeed.
func outputFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EROFS)
}

// runner is the state of one Run.
type runner struct {
	cfg     Config
	out     outputs
	fetcher Fetcher
	ex      *parallel.Executor
	task    *parallel.Task[Job, Output]
	rec     *report.Recorder
	namer   *download.Namer
	namers  map[string]*download.Namer // by folder below OutDir (Config.Roots); used by the intake loop only
	lanes   chan int                   // free worker lanes: a lane is held while an item is processed
	stop    context.CancelCauseFunc    // stops the batch (a full output folder)

	mu     sync.Mutex // serialises the callbacks and guards counts
	counts Counts
}

// started counts an item in and tells Config.OnStart.
func (r *runner) started() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts.Started++
	if r.cfg.OnStart != nil {
		r.cfg.OnStart(r.counts)
	}
}

// item runs one source through the pipeline and records its outcome.
func (r *runner) item(ctx context.Context, id report.ItemID, src, out string, err error) {
	res := report.Result{Output: r.out.show(out)}
	if err == nil {
		if r.cfg.Refs && r.cfg.Out != nil && IsReference(src) {
			err = r.processRef(ctx, id, src, out, &res)
		} else {
			err = r.process(ctx, id, src, out, &res)
		}
	}
	var it report.Item
	switch {
	case errors.Is(err, ErrExists):
		res.Status, res.Err = report.StatusSkipped, err
		it = r.rec.Finish(id, res)
	case errors.Is(err, parallel.ErrDetached):
		res.Status, res.Err = report.StatusQueued, nil
		it = r.rec.Finish(id, res)
	case err != nil && ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.Cause(ctx))):
		// Stopped with the batch (Ctrl-C, a full output folder): not a
		// failure of the item. The report keeps it unfinished.
		it = r.rec.Item(id)
	case err != nil:
		res.Err, res.Output = err, ""
		it = r.rec.Finish(id, res)
	default:
		it = r.rec.Finish(id, res)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	switch it.Status {
	case report.StatusUnfinished:
		r.counts.Abandoned++
	case report.StatusSkipped:
		r.counts.Skipped++
	case report.StatusQueued:
		r.counts.Queued++
	case report.StatusFailed:
		r.counts.Failed++
	default:
		r.counts.Done++
	}
	if r.cfg.OnItem != nil {
		r.cfg.OnItem(it, r.counts)
	}
}

// process fetches, processes and writes one item. The output file is
// written atomically and only once everything before it succeeded.
func (r *runner) process(ctx context.Context, id report.ItemID, src, out string, res *report.Result) error {
	if err := r.skip(ctx, out); err != nil {
		return err
	}

	t0 := time.Now()
	fr, err := r.fetcher.Fetch(ctx, src)
	t1 := time.Now()
	if err != nil {
		r.rec.Phase(id, report.Downloading, t0, t1)
		return err
	}
	// Time spent waiting for a download slot is waiting, not downloading.
	tq := t0.Add(fr.Queued)
	if tq.After(t1) {
		tq = t1
	}
	r.rec.Phase(id, report.Waiting, t0, tq)
	r.rec.Phase(id, report.Downloading, tq, t1)
	res.BytesIn = int64(len(fr.Data))

	var lane int
	select {
	case lane = <-r.lanes:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	o, t3, err := r.compute(ctx, id, lane, src, res, ref{}, fr.Data, t1)
	// Writing is disk work, not CPU work: the lane goes to the next item
	// while this one is written (and fsynced).
	r.lanes <- lane
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	if err := r.out.write(ctx, out, o.Data); err != nil {
		if outputFull(err) {
			r.stop(fmt.Errorf("%w (%w): the batch stops", ErrOutputFull, err))
		}
		return err // "atomicfile: write <output>: <cause>", "store: write <URL>: <cause>"
	}
	r.rec.Phase(id, report.Writing, t3, time.Now())
	res.BytesOut = int64(len(o.Data))
	if r.rec.Sample(id) {
		r.rec.Thumbnails(id, thumbnail(fr.Data), thumbnail(o.Data))
	}
	return nil
}

// skip returns ErrExists when Config.SkipExisting is set and out exists.
func (r *runner) skip(ctx context.Context, out string) error {
	if !r.cfg.SkipExisting {
		return nil
	}
	ok, err := r.out.exists(ctx, out)
	switch {
	case err != nil:
		return err
	case ok:
		return ErrExists
	}
	return nil
}

// processRef sends one item as a reference job: the task fetches src and
// writes out itself, and only the outcome comes back.
func (r *runner) processRef(ctx context.Context, id report.ItemID, src, out string, res *report.Result) error {
	t0 := time.Now()
	if err := r.skip(ctx, out); err != nil {
		return err
	}
	var lane int
	select {
	case lane = <-r.lanes:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	defer func() { r.lanes <- lane }()
	o, _, err := r.compute(ctx, id, lane, src, res, ref{output: r.cfg.Out.Location().String(), key: out}, nil, t0)
	if err != nil {
		return err
	}
	res.BytesIn, res.BytesOut = o.BytesIn, o.BytesOut
	return nil
}

// ref is the output of a reference job: its store location's URL and key.
type ref struct{ output, key string }

// compute runs the image task on data (or, with a reference, on the
// source the task fetches), on the worker lane the caller holds, and
// records its phases. It returns the task's output and when it arrived.
func (r *runner) compute(ctx context.Context, id report.ItemID, lane int, src string, res *report.Result, to ref, data []byte, t1 time.Time) (Output, time.Time, error) {
	t2 := time.Now()
	r.rec.Phase(id, report.Waiting, t1, t2)
	r.rec.PinWorker(id, lane)

	job := Job{
		Source:          src,
		Data:            data,
		Output:          to.output,
		Key:             to.key,
		Ops:             r.cfg.Ops.String(),
		Format:          r.outFormat(src),
		Quality:         r.cfg.Quality,
		Lossless:        r.cfg.Lossless,
		FirstFrame:      r.cfg.FirstFrame,
		KeepEXIF:        r.cfg.KeepEXIF,
		KeepMetadata:    r.cfg.KeepMetadata,
		DropICC:         r.cfg.DropICC,
		SRGB:            r.cfg.SRGB,
		Background:      r.cfg.Background,
		MaxPixels:       r.cfg.MaxPixels,
		KeepOrientation: r.cfg.KeepOrientation,
		JPEG:            r.cfg.JPEG,
	}
	if to.output != "" {
		job.Fetch = r.cfg.RefFetch
	}
	o, err := parallel.Call(ctx, r.ex, r.task, job).Result(ctx)
	t3 := time.Now()
	if err != nil {
		r.rec.Phase(id, report.Processing, t2, t3)
		return Output{}, t3, err
	}
	// The phases are measured where the task ran; place them so that they
	// end when its result arrived. What is left of the span (queueing,
	// transport to a worker process or machine) counts as waiting. A
	// reference job also fetched its source first and wrote its output
	// last.
	wr := t3.Add(-o.Write)
	enc := wr.Add(-o.Encode)
	proc := enc.Add(-o.Process)
	dec := proc.Add(-o.Decode)
	fetch := dec.Add(-o.Fetch)
	if fetch.Before(t2) {
		fetch = t2
	}
	if dec.Before(fetch) {
		dec = fetch
	}
	r.rec.Phase(id, report.Waiting, t2, fetch)
	if o.Fetch > 0 {
		r.rec.Phase(id, report.Downloading, fetch, dec)
	}
	r.rec.Phase(id, report.Decoding, dec, proc)
	r.rec.Phase(id, report.Processing, proc, enc)
	r.rec.Phase(id, report.Encoding, enc, wr)
	if o.Write > 0 {
		r.rec.Phase(id, report.Writing, wr, t3)
	}
	res.Path = o.Path
	res.Width, res.Height = o.InWidth, o.InHeight
	res.OutWidth, res.OutHeight = o.Width, o.Height
	return o, t3, nil
}

// thumbnail returns a small JPEG of an encoded image, or nil if it cannot
// be made: thumbnails are decoration and never fail an item.
func thumbnail(data []byte) []byte {
	pic, err := imgproc.Decode(data, nil)
	if err != nil {
		return nil
	}
	b, err := report.Thumbnail(pic.Image, 0)
	if err != nil {
		return nil
	}
	return b
}

// outFormat returns the format the output of src is written in.
func (r *runner) outFormat(src string) imgproc.Format {
	if r.cfg.Format != "" {
		return r.cfg.Format
	}
	f, err := imgproc.FormatFromExt(sourcePath(src))
	switch {
	case err != nil:
		return imgproc.JPEG
	case f == imgproc.AVIF:
		if _, err := imgproc.AVIFInfo(); err != nil {
			return imgproc.JPEG // no encoder here
		}
	}
	return f
}

// outputPath reserves the output file name of the item at idx: in OutDir,
// or in the same place below it as src below one of Config.Roots.
func (r *runner) outputPath(ctx context.Context, idx int, src string) (string, error) {
	sub := r.subdir(src)
	namer := r.namer
	if sub != "" {
		if r.namers == nil {
			r.namers = map[string]*download.Namer{}
		}
		if namer = r.namers[sub]; namer == nil {
			namer = new(download.Namer)
			r.namers[sub] = namer
			// Best effort: a temporary file left here is ignored anyway.
			r.out.clean(ctx, sub)
			if err := r.restoreClaims(ctx, namer, sub); err != nil {
				return "", err
			}
		}
	}
	name := namer.Name(src, string(r.outFormat(src)))
	ext := filepath.Ext(name)
	tmpl := r.cfg.Name
	if filepath.Ext(placeholder.ReplaceAllString(tmpl, "x")) == "" && !strings.Contains(tmpl, "{name}") && !strings.Contains(tmpl, "{ext}") {
		tmpl += "{ext!}" // "{base}" alone: the extension of the format written
	}
	out := placeholder.ReplaceAllStringFunc(tmpl, func(p string) string {
		m := placeholder.FindStringSubmatch(p)
		switch m[1] {
		case "name":
			return name
		case "base":
			return strings.TrimSuffix(name, ext)
		case "ext":
			return strings.TrimPrefix(ext, ".")
		case "ext!":
			return ext
		}
		return fmt.Sprintf("%0*d", numberWidth(m[2]), idx+1) // {n}: width 0, no padding
	})
	if !filepath.IsLocal(out) || strings.ContainsAny(out, `/\`) {
		return "", fmt.Errorf("batch: output name %q from template %q is not a plain file name", out, r.cfg.Name)
	}
	return r.out.join(sub, out), nil
}

// ClaimsFile is the file, in an output folder, that keeps which source
// owns each name when two sources would have had the same one (see
// [download.Namer.WriteClaims]): a later run over the folder, with its
// sources in any order, then gives each source its own name again, and
// Config.SkipExisting finds it. It is written only where names clashed.
const ClaimsFile = ".fanout-names"

// restoreClaims gives namer the claims of the output folder sub, if it
// has any.
func (r *runner) restoreClaims(ctx context.Context, namer *download.Namer, sub string) error {
	name := r.out.join(sub, ClaimsFile)
	b, err := r.out.read(ctx, name)
	if err != nil {
		return fmt.Errorf("batch: output names: %w", err)
	}
	if b == nil {
		return nil
	}
	if err := namer.ReadClaims(bytes.NewReader(b)); err != nil {
		return fmt.Errorf("batch: output names %s: %w", r.out.show(name), err)
	}
	return nil
}

// saveClaims writes the claims file of each output folder whose names
// depend on the order of the sources. It is an aid to a later run, not an
// output: a folder where it cannot be written (full, say) keeps the one
// it had.
func (r *runner) saveClaims(ctx context.Context) {
	save := func(namer *download.Namer, sub string) {
		if !namer.Clashed() {
			return
		}
		var b strings.Builder
		namer.WriteClaims(&b) // a strings.Builder does not fail
		r.out.write(ctx, r.out.join(sub, ClaimsFile), []byte(b.String()))
	}
	save(r.namer, "")
	for sub, namer := range r.namers {
		save(namer, sub)
	}
}

// subdir is the folder below the output that src's output goes in: its
// folder relative to the Config.Roots folder it is in, or "" (flat).
func (r *runner) subdir(src string) string {
	tree, p, ok := treePath(src)
	if !ok {
		return ""
	}
	dir := filepath.Dir(p)
	for _, root := range r.cfg.Roots {
		rtree, rp, ok := treePath(root)
		if !ok || rtree != tree {
			continue
		}
		rel, err := filepath.Rel(rp, dir)
		if err == nil && rel != "." && filepath.IsLocal(rel) {
			return rel
		}
	}
	return ""
}

// treePath places a source or a root in a tree of folders: a file in this
// machine's ("" and its path), an object-store URL in its bucket's
// ("s3://bucket" and "/" followed by its key, in the form of a path), so
// that one rule, [runner.subdir], maps both to a folder below the output.
// Other URLs have no place (ok false).
func treePath(s string) (tree, p string, ok bool) {
	if store.IsObjectURL(s) {
		loc, err := store.Parse(s)
		if err != nil {
			return "", "", false
		}
		return loc.Scheme + "://" + loc.Bucket, filepath.FromSlash(path.Join("/", loc.Prefix)), true
	}
	if isURLSource(s) {
		return "", "", false
	}
	return "", s, true
}

// isURLSource reports whether src is a URL ("scheme://...") rather than a
// path, as download.Downloader tells them apart.
func isURLSource(src string) bool {
	scheme, _, ok := strings.Cut(src, "://")
	return ok && scheme != "" && !strings.ContainsAny(scheme, `/\.`)
}

// OutputFormat returns the format a batch whose output name template is
// template writes: format if it is set, else the format the template's own
// extension names ("{base}.webp": WebP), or the empty Format when the
// template ends with a placeholder (each output then takes the format
// Config.Format describes). A template whose extension names another
// format than format is an error: the files would be mislabelled.
func OutputFormat(template string, format imgproc.Format) (imgproc.Format, error) {
	ext := filepath.Ext(template)
	if ext == "" || strings.ContainsAny(ext, "{}") {
		return format, nil
	}
	named, err := imgproc.FormatFromExt(template)
	switch {
	case err != nil:
		return "", fmt.Errorf("batch: output name template %q ends with %s, which is not an image format fanout writes (use {ext}, or .jpg, .png, .webp, .gif, .bmp, .tif)", template, ext)
	case format != "" && named != format:
		return "", fmt.Errorf("batch: output name template %q names %s files, but the output format is %s", template, named, format)
	}
	return named, nil
}

// placeholder matches a name template's placeholders: {name}, {base},
// {ext}, {n}, and {n:W} or {n:0W}, the item's number zero-padded to W
// digits.
var placeholder = regexp.MustCompile(`\{([^{}:]*)(?::([^{}]*))?\}`)

// CheckTemplate returns an error for an output name template that cannot
// make distinct, plain file names: one with none of {name}, {base} and
// {n}, a path separator, or a placeholder it does not know.
func CheckTemplate(t string) error {
	distinct := false
	for _, m := range placeholder.FindAllStringSubmatch(t, -1) {
		switch {
		case m[1] == "n" && m[2] == "", m[1] == "name" && m[2] == "", m[1] == "base" && m[2] == "":
			distinct = true
		case m[1] == "ext" && m[2] == "":
		case m[1] == "n" && numberWidth(m[2]) > 0:
			distinct = true
		default:
			return fmt.Errorf("batch: output name template %q: unknown placeholder %s (known: {name}, {base}, {ext}, {n}, {n:03})", t, m[0])
		}
	}
	if !distinct {
		return fmt.Errorf("batch: output name template %q has none of {name}, {base}, {n}: every output would have the same name", t)
	}
	if strings.ContainsAny(t, `/\`) {
		return fmt.Errorf("batch: output name template %q must not contain a path separator", t)
	}
	return nil
}

// numberWidth is the width of {n:W} or {n:0W} (1 to 9), or 0.
func numberWidth(spec string) int {
	w, err := strconv.Atoi(strings.TrimPrefix(spec, "0"))
	if err != nil || w < 1 || w > 9 || strings.HasPrefix(spec, "-") || strings.HasPrefix(spec, "+") {
		return 0
	}
	return w
}

// sourcePath returns the path part of a URL, or src itself for a file. It
// tells them apart as download.Downloader does: a URL is "scheme://...",
// anything else a path, so a file named "shot:2.png" is a path, not a URL
// of scheme "shot".
func sourcePath(src string) string {
	if !isURLSource(src) {
		return src
	}
	if u, err := url.Parse(src); err == nil {
		return u.Path
	}
	return src
}
