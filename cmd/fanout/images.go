package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/batch"
	"github.com/fanout-dev/fanout/download"
	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/imgproc/turbojpeg"
	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/natsjs"
	"github.com/fanout-dev/fanout/report"
	"github.com/fanout-dev/fanout/store"
)

const imagesUsage = `Usage: fanout images [flags] SOURCE...

Downloads (or reads) every SOURCE, applies the operations, and writes
processed_<name> into the output folder. Downloads and processing overlap:
each image is processed as soon as its bytes arrive.

A SOURCE is an http(s) URL, a file:// URL, a file, a folder (its image files),
an object-store URL (s3://bucket/key.jpg, or s3://bucket/prefix for the
images below it; gs://, azblob:// too), @FILE or --list FILE (one source per
line), or - (sources on stdin). Flags may come before or after the sources.

The output (-o) is a folder, or a URL of a folder every machine reaches
(file:///shared/out) or of an object store (s3://bucket/prefix?region=R, with
&endpoint=URL&use_path_style=true for S3-compatible servers; gs://bucket/prefix,
azblob://container/prefix), credentials from the store's usual environment
(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ...). Each object is written
whole or not at all. With --nats and such an output, URL sources go to the
workers as references: each worker downloads and writes its images itself.

Examples:
  fanout images --blur 15 https://example.com/a.jpg https://example.com/b.jpg
  fanout images photos/ -o out --ops "resize=800x,blur=2" --format png
  fanout images --list urls.txt --blur 15 --skip-existing --report run.html
  fanout images --list urls.txt --nats nats://host:4222 -o s3://bucket/out?region=eu-west-1

Exit status: 0 all done, 1 some items failed, 2 bad usage, 130 interrupted
(run again with --skip-existing to finish the batch).

`

// imagesOperations follows the flags in the usage text: the operations
// --ops takes.
const imagesOperations = `
Operations (--ops, comma-separated, applied in order, after --blur):
` + imgproc.OpsHelp

// imagesFlags are the settings of the images command.
type imagesFlags struct {
	out, name, ops, format, jpeg, report, frames, background string
	lists, include, exclude                                  stringList
	depth                                                    int
	blur                                                     float64
	quality, downloads, perHost, workers                     int
	retries                                                  int
	maxPixels                                                int64
	timeout, downloadTimeout, stallTimeout                   time.Duration
	maxBytes                                                 int64
	skipExisting, keepOrientation                            bool
	quiet, json                                              bool
	isolate, lossless, null, keepEXIF, keepMeta, strip       bool
	stripICC, flat, srgb                                     bool
	memoryLimit                                              int64
	nats                                                     natsOptions
	job                                                      string // --job: the batch's durable name on the cluster
	detach                                                   bool
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func (f *imagesFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.out, "o", ".", "output `folder`, or its URL: file:///shared/out, s3://bucket/prefix?region=..., gs://..., azblob://...")
	fs.StringVar(&f.out, "out", ".", "output `folder` or URL (same as -o)")
	fs.Float64Var(&f.blur, "blur", 0, "Gaussian blur of standard deviation `sigma`, as Pillow's GaussianBlur (applied first)")
	fs.StringVar(&f.ops, "ops", "", "comma-separated operation `list`, e.g. \"resize=800x,blur=2,grayscale\" (see Operations below)")
	fs.StringVar(&f.name, "name", batch.DefaultName, "output name `template`: {name}, {base}, {ext}, {n} or {n:03} (zero-padded)")
	fs.StringVar(&f.format, "format", "", "output `format`: jpeg, png, webp, avif, gif, bmp, tiff (default: the source's)")
	fs.IntVar(&f.quality, "quality", 0, "JPEG, WebP or AVIF `quality`, 1-100 (default: 75 for JPEG, 80 for WebP, as Pillow; 50 for AVIF, as sharp)")
	fs.BoolVar(&f.lossless, "lossless", false, "write WebP losslessly")
	fs.BoolVar(&f.keepEXIF, "keep-exif", false, "keep each image's EXIF data (camera, copyright, GPS), orientation reset; dropped by default")
	fs.BoolVar(&f.keepMeta, "keep-metadata", false, "keep each image's EXIF, XMP and IPTC data where the output format holds them (JPEG all three; PNG and WebP EXIF and XMP), orientation reset")
	fs.BoolVar(&f.stripICC, "strip-icc", false, "leave ICC colour profiles out (kept by default)")
	fs.BoolVar(&f.strip, "strip", false, "write no metadata at all, not even the ICC profile")
	fs.BoolVar(&f.srgb, "srgb", false, "convert images with an ICC profile (Display P3, Adobe RGB, CMYK, ...) to sRGB and write them untagged, as the web expects")
	fs.StringVar(&f.background, "background", "white", "`colour` transparency is flattened on for JPEG: a name (white, black) or #rrggbb")
	fs.StringVar(&f.frames, "frames", "all", "frames of an animated GIF or WebP to keep, written as GIF or WebP: `all` or first")
	fs.StringVar(&f.jpeg, "jpeg", "auto", "JPEG `codec`: auto (libjpeg-turbo when present), turbo, std (image/jpeg)")
	fs.IntVar(&f.downloads, "downloads", batch.DefaultDownloads, "`number` of downloads in flight")
	fs.IntVar(&f.perHost, "per-host", 0, "`number` of downloads in flight per host (default: --downloads)")
	fs.IntVar(&f.workers, "workers", 0, "`number` of images processed at once (default: the number of cores; with --nats, 64 in flight on the cluster)")
	fs.IntVar(&f.workers, "j", 0, "same as --workers")
	fs.IntVar(&f.retries, "retries", 3, "`number` of retries of a failed download (429, 5xx, resets, timeouts)")
	durationFlag(fs, &f.timeout, "timeout", 0, "processing time limit per image, e.g. 30s (default none; downloads: --download-timeout)")
	durationFlag(fs, &f.downloadTimeout, "download-timeout", 5*time.Minute, "time limit for each download, retries included")
	durationFlag(fs, &f.stallTimeout, "stall-timeout", download.DefaultStallTimeout, "a download that delivers under 1 KiB in this long has stalled and is retried")
	countFlag(fs, &f.maxBytes, "max-bytes", download.DefaultMaxBytes, true, "largest source in `bytes`, downloaded or read, e.g. 64M")
	countFlag(fs, &f.maxPixels, "max-pixels", imgproc.DefaultMaxPixels, false, "refuse images larger than this many `pixels`, as read or as a resize would make them (e.g. 50M)")
	fs.Var(&f.lists, "list", "read sources from `file`, one per line (repeatable)")
	fs.BoolVar(&f.flat, "flat", false, "write every output in the output folder, not in the subfolders of a folder source")
	fs.Var(&f.include, "include", "in folders, take only files whose name matches `pattern` (e.g. '*.jpg'; repeatable)")
	fs.Var(&f.exclude, "exclude", "in folders, skip files whose name matches `pattern` (repeatable)")
	fs.IntVar(&f.depth, "depth", 0, "folder `levels` walked below a folder source (1: its own files only; 0: all)")
	fs.BoolVar(&f.null, "0", false, "lists (--list, @FILE, -) are NUL-separated, as find -print0 writes them")
	fs.BoolVar(&f.skipExisting, "skip-existing", false, "skip sources whose output exists (resume a batch)")
	fs.BoolVar(&f.keepOrientation, "keep-orientation", false, "keep pixels as stored instead of applying EXIF orientation")
	fs.BoolVar(&f.quiet, "quiet", false, "print only the summary")
	fs.BoolVar(&f.quiet, "q", false, "same as --quiet")
	fs.BoolVar(&f.json, "json", false, "write one JSON object per item on stdout")
	fs.StringVar(&f.report, "report", "", "write an HTML report of the batch to `file` (and its data to file.json)")
	fs.BoolVar(&f.isolate, "isolate", false, "process each image in worker processes, so a hostile file costs one item")
	countFlag(fs, &f.memoryLimit, "memory-limit", 0, true, "with --isolate: address-space `bytes` a worker may add, e.g. 512M or 1G (0: none)")
	f.nats.addFlags(fs) // --nats URL submits the images to a fanout cluster instead of processing them here
	fs.StringVar(&f.job, "job", "", "with --nats: the batch's durable `name` on the cluster; the same command run again (after a crash, or to collect a detached job) carries on: done items are not run again, queued ones not queued again")
	fs.BoolVar(&f.detach, "detach", false, "with --nats: queue every item as a job and exit without waiting (named by --job, or a new name that is printed); collect it later with the same command and --job")
}

// imagesFlagGroups is the help's flag list of "fanout images", by topic.
var imagesFlagGroups = []flagGroup{
	{"Sources", []string{"list", "0", "include", "exclude", "depth", "retries", "download-timeout", "stall-timeout", "max-bytes"}},
	{"Operations (the full list after the flags)", []string{"ops", "blur", "keep-orientation"}},
	{"Output", []string{"o", "out", "flat", "name", "format", "quality", "lossless", "frames", "background",
		"keep-exif", "keep-metadata", "srgb", "strip-icc", "strip", "skip-existing", "report", "json", "quiet", "q"}},
	{"Performance and limits", []string{"workers", "j", "downloads", "per-host", "timeout", "max-pixels",
		"isolate", "memory-limit", "jpeg"}},
	{"Cluster (with --nats, the images are processed by fanout workers)", []string{"nats", "token", "user", "password",
		"creds", "tls-ca", "tls-cert", "tls-key", "insecure-no-auth", "prefix", "replicas", "ack-wait", "job", "detach"}},
}

// opList parses the operation list: --blur first, then --ops.
func (f *imagesFlags) opList() (imgproc.Ops, error) {
	var ops []string
	if f.blur != 0 {
		ops = append(ops, "blur="+strconv.FormatFloat(f.blur, 'g', -1, 64))
	}
	if f.ops != "" {
		ops = append(ops, f.ops)
	}
	return imgproc.ParseOps(strings.Join(ops, ","))
}

func runImages(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := newCommand("images", imagesUsage, stdout, stderr)
	cmd.more = imagesOperations
	cmd.groups = imagesFlagGroups
	f := imagesFlags{nats: natsOptions{connectionName: "fanout images"}}
	f.register(cmd.fs)
	srcArgs, code, ok := cmd.parse(args, -1)
	if !ok {
		return code
	}
	if len(srcArgs) == 0 && len(f.lists) == 0 {
		return cmd.fail(errors.New("no sources given"))
	}
	if err := f.check(); err != nil {
		return cmd.fail(err)
	}
	var err error
	ops, _ := f.opList()                       // checked
	codec, _ := imgproc.ParseJPEGCodec(f.jpeg) // checked
	bg, _ := parseColour(f.background)         // checked
	format, _ := f.outputFormat()              // checked
	workers := f.workers
	switch {
	case workers > 0:
	case f.nats.url != "":
		// On a cluster, workers are tasks in flight across all its
		// machines, sized by the executor from the workers connected.
	default:
		workers = defaultWorkers()
	}

	tk := newTasks(batch.Limits{})
	buckets := new(store.Buckets) // object-store sources, and the output if it is a URL
	defer buckets.Close()
	var out *store.Bucket
	if store.IsURL(f.out) {
		loc, _ := store.Parse(f.out) // checked
		if out, err = buckets.Open(ctx, loc); err != nil {
			fmt.Fprintf(stderr, "fanout images: -o: %v\n", err)
			return exitFailed
		}
	}
	so := f.sourceOptions()
	so.objects = buckets
	cfg := batch.Config{
		Out:             out,
		Refs:            f.nats.url != "",
		OutDir:          f.out,
		Name:            f.name,
		Ops:             ops,
		Format:          format,
		Quality:         f.quality,
		Lossless:        f.lossless,
		FirstFrame:      f.frames == "first",
		Roots:           f.roots(srcArgs),
		KeepEXIF:        f.keepEXIF,
		KeepMetadata:    f.keepMeta,
		DropICC:         f.stripICC || f.strip,
		SRGB:            f.srgb,
		Background:      bg,
		JPEG:            codec,
		MaxPixels:       f.maxPixels,
		KeepOrientation: f.keepOrientation,
		Downloads:       f.downloads,
		Workers:         workers,
		SkipExisting:    f.skipExisting,
		Task:            tk.image,
		Namer:           new(download.Namer),
	}
	// The download settings go with reference jobs too, so that a
	// cluster's workers fetch as this process would.
	cfg.RefFetch = batch.FetchOptions{
		Attempts:     f.retries + 1,
		Timeout:      f.downloadTimeout,
		StallTimeout: f.stallTimeout,
		MaxBytes:     f.maxBytes,
	}
	dl := &download.Downloader{
		MaxInFlight:  f.downloads,
		MaxPerHost:   f.perHost,
		MaxAttempts:  cfg.RefFetch.Attempts,
		Timeout:      cfg.RefFetch.Timeout,
		StallTimeout: cfg.RefFetch.StallTimeout,
		MaxBytes:     cfg.RefFetch.MaxBytes,
		Namer:        cfg.Namer, // each source remembered once
		Objects:      buckets,
	}
	defer dl.CloseIdleConnections()
	cfg.Fetcher = dl
	// A cluster's connection and result path say what they go through
	// (disconnected, failover, results fetched directly, tasks waiting
	// with no worker) on stderr.
	f.nats.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if f.detach && f.job == "" {
		f.job = newJobName(time.Now())
	}
	ex, backend, closeBackend, err := f.executor(ctx, workers, cfg.Refs && out != nil)
	if err != nil {
		fmt.Fprintf(stderr, "fanout images: %v\n", err)
		return exitFailed
	}
	cfg.Workers = ex.Stats().Workers
	defer closeBackend()
	defer ex.Close() // before the backend closes
	cfg.Executor, cfg.Backend = ex, backend
	// Without --report only the summary is needed, and the report's
	// memory stays bounded however long the batch.
	cfg.Report.Full = f.report != ""

	total := -1
	if isTerminal(stderr) && !f.json && !f.quiet && !readsStdin(srcArgs, f.lists) {
		total = 0
		for range sources(ctx, srcArgs, f.lists, so, nil) {
			total++
		}
	}
	prog := newProgress(stdout, stderr, f.quiet, f.json, total)
	cfg.OnStart = prog.started
	cfg.OnItem = prog.ended

	rep, err := batch.Run(ctx, cfg, sources(ctx, srcArgs, f.lists, so, stdin))
	prog.close()
	if rep == nil {
		fmt.Fprintf(stderr, "fanout images: %v\n", err)
		return exitFailed
	}
	printSummary(stderr, rep, ctx.Err() != nil || err != nil)
	if f.job != "" {
		printJobHint(stderr, &f, rep)
	}
	if err != nil {
		fmt.Fprintf(stderr, "fanout images: %v\n", err) // the output folder is full: the batch stopped
		return exitFailed
	}
	if f.report != "" {
		if err := writeReport(f.report, rep); err != nil {
			fmt.Fprintf(stderr, "fanout images: report: %v\n", err)
			return exitFailed
		}
		fmt.Fprintf(stderr, "report: %s\n", f.report)
	}
	switch {
	case rep.Summary.Failed > 0:
		return exitFailed
	case rep.Summary.Unfinished > 0 || ctx.Err() != nil:
		return exitInterrupted
	}
	return exitOK
}

// check validates the flags, reading NATS credentials from the
// environment when --nats is given. Its error is a usage error.
func (f *imagesFlags) check() error {
	if _, err := f.opList(); err != nil {
		return err
	}
	codec, err := imgproc.ParseJPEGCodec(f.jpeg)
	if err != nil {
		return err
	}
	if codec == imgproc.JPEGTurbo && f.nats.url == "" {
		// Here, not on every item: the images are processed on this
		// machine (a cluster's workers have their own libraries).
		if _, err := turbojpeg.Load(); err != nil {
			return fmt.Errorf("--jpeg turbo: %v", err)
		}
	}
	if f.format != "" {
		if _, err := imgproc.FormatFromExt("x." + f.format); err != nil {
			return fmt.Errorf("unknown output format %q (jpeg, png, webp, avif, gif, bmp, tiff)", f.format)
		}
	}
	if err := batch.CheckTemplate(f.name); err != nil {
		return err
	}
	// The name template's extension may choose the format, or contradict it.
	format, err := f.outputFormat()
	if err != nil {
		return err
	}
	if f.nats.url == "" {
		// Here, not on every item after its download (a cluster's workers
		// have their own libraries).
		switch format {
		case imgproc.AVIF:
			if _, err := imgproc.AVIFInfo(); err != nil {
				return fmt.Errorf("AVIF output: %v", err)
			}
		}
	}
	if f.lossless && format != imgproc.WebP {
		return errors.New("--lossless is for WebP output (--format webp)")
	}
	if f.report != "" {
		// Found out now, not after the whole batch has run.
		dir := filepath.Dir(f.report)
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return fmt.Errorf("--report %s: no folder %s to write it in", f.report, dir)
		}
	}
	if store.IsURL(f.out) {
		if _, err := store.Parse(f.out); err != nil {
			return fmt.Errorf("-o: %v", err)
		}
	} else if strings.Contains(f.out, "://") {
		return fmt.Errorf("-o %s: not a folder, and not a URL of scheme file, s3, gs or azblob", f.out)
	}
	if _, err := parseColour(f.background); err != nil {
		return fmt.Errorf("--background: %v", err)
	}
	for _, p := range append(append([]string(nil), f.include...), f.exclude...) {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("--include/--exclude %q: %v", p, err)
		}
	}
	if f.depth < 0 {
		return fmt.Errorf("--depth %d must not be negative", f.depth)
	}
	if f.frames != "all" && f.frames != "first" {
		return fmt.Errorf("--frames %q: want all or first", f.frames)
	}
	if f.quality < 0 || f.quality > 100 {
		return fmt.Errorf("--quality must be between 1 and 100, not %d", f.quality)
	}
	switch {
	case f.downloads < 1 || f.downloads > maxConcurrency:
		return fmt.Errorf("--downloads %d must be from 1 to %d", f.downloads, maxConcurrency)
	case f.perHost < 0:
		return fmt.Errorf("--per-host %d must not be negative", f.perHost)
	case f.workers < 0 || f.workers > maxConcurrency:
		return fmt.Errorf("--workers %d must be from 0 (the default) to %d", f.workers, maxConcurrency)
	case f.retries < 0 || f.retries > maxRetries:
		return fmt.Errorf("--retries %d must be from 0 to %d", f.retries, maxRetries)
	case f.timeout < 0:
		return fmt.Errorf("--timeout %v must not be negative", f.timeout)
	case f.downloadTimeout <= 0:
		return fmt.Errorf("--download-timeout %v must be positive", f.downloadTimeout)
	case f.stallTimeout <= 0:
		return fmt.Errorf("--stall-timeout %v must be positive", f.stallTimeout)
	case f.maxBytes <= 0:
		return fmt.Errorf("--max-bytes %d must be positive", f.maxBytes)
	case f.maxPixels < 1:
		return fmt.Errorf("--max-pixels %d must be at least 1", f.maxPixels)
	case f.memoryLimit < 0 || f.memoryLimit > 0 && !f.isolate:
		return errors.New("--memory-limit takes a positive number of bytes, with --isolate")
	}
	if (f.job != "" || f.detach) && f.nats.url == "" {
		return errors.New("--job and --detach name a batch on a cluster: they need --nats")
	}
	if f.isolate && f.nats.url != "" {
		return errors.New("--isolate and --nats are exclusive: cluster workers run tasks in their own processes")
	}
	if f.strip && (f.keepEXIF || f.keepMeta) {
		return errors.New("--strip writes no metadata: it cannot go with --keep-exif or --keep-metadata")
	}
	if f.nats.url != "" {
		if err := f.nats.resolve(os.Getenv); err != nil {
			return err
		}
	}
	return nil
}

// executor makes the executor that runs the image task: in-process, in
// worker processes (--isolate) or on a cluster (--nats). It returns the
// backend's name for the report and a function that releases the backend,
// to call after the executor's Close.
func (f *imagesFlags) executor(ctx context.Context, workers int, refs bool) (ex *parallel.Executor, backend string, release func(), err error) {
	cfg := parallel.Config{Workers: workers, RunTimeout: f.timeout}
	switch {
	case f.isolate:
		pb, err := isolatedBackend(workers, f.memoryLimit)
		if err != nil {
			return nil, "", nil, err
		}
		cfg.Backend = pb
		return parallel.New(cfg), "isolate", func() { pb.Close() }, nil
	case f.nats.url != "":
		nc, err := f.nats.connect(f.nats.log)
		if err != nil {
			return nil, "", nil, err
		}
		js, err := jetstream.New(nc)
		if err == nil {
			var nb *natsjs.Backend
			ncfg := f.nats.config()
			ncfg.Job, ncfg.Detach = f.job, f.detach
			if nb, err = natsjs.New(js, ncfg); err == nil {
				if cfg.Workers == 0 {
					cfg.Workers = clusterWindow(ctx, js, ncfg, refs)
				}
				cfg.Backend = nb
				return parallel.New(cfg), "nats", func() { nb.Close(); nc.Close() }, nil
			}
		}
		nc.Close()
		return nil, "", nil, err
	}
	return parallel.New(cfg), "local", func() {}, nil
}

// outputFormat returns the output format the flags ask for: --format, or
// the extension of the --name template (batch.OutputFormat), empty for
// each source's own; an error if they disagree.
func (f *imagesFlags) outputFormat() (imgproc.Format, error) {
	var format imgproc.Format
	if f.format != "" {
		var err error
		if format, err = imgproc.FormatFromExt("x." + f.format); err != nil {
			return "", err
		}
	}
	return batch.OutputFormat(f.name, format)
}

// printSummary writes the end-of-batch summary: counts, wall time,
// throughput, where the time went, and every failure with its cause.
func printSummary(w io.Writer, rep *report.Report, interrupted bool) {
	s := rep.Summary
	if interrupted {
		fmt.Fprintln(w, "interrupted: no new items were started; items in flight were abandoned and left no file")
	}
	abandoned := ""
	if s.Queued > 0 {
		abandoned = fmt.Sprintf(", %d queued on the cluster", s.Queued)
	}
	if s.Unfinished > 0 {
		abandoned += fmt.Sprintf(", %d abandoned", s.Unfinished)
	}
	fmt.Fprintf(w, "%d done, %d failed, %d skipped%s in %.2fs (%.1f images/s)\n",
		s.OK, s.Failed, s.Skipped, abandoned, rep.Wall.Seconds(), s.PerSecond)
	if s.OK+s.Failed > 0 {
		// Wall-clock figures: sums over items exceed the wall time as soon
		// as items overlap, and say nothing about what the batch waited for.
		fmt.Fprintf(w, "time: %s %.2fs, computing %.2fs, both at once %.2fs of the %.2fs; %d workers %.0f%% busy\n",
			rep.Settings.Fetching.Verb(), s.FetchWall.Seconds(), s.ComputeWall.Seconds(), s.OverlapWall.Seconds(),
			rep.Wall.Seconds(), rep.Settings.Workers, 100*s.Utilisation)
	}
	if s.Failed > 0 {
		fmt.Fprintln(w, "failed:")
		listed := 0
		for _, it := range rep.Items {
			if it.Status == report.StatusFailed {
				fmt.Fprintf(w, "  %s: %s\n", it.Input, it.Error)
				listed++
			}
		}
		if more := s.Failed - listed; more > 0 {
			fmt.Fprintf(w, "  and %d more (--json lists every item)\n", more)
		}
	}
}

// writeReport writes the report to path, as HTML, and its data next to it
// as JSON (path with .html replaced by .json); a path ending in .json gets
// the JSON alone. Each file is written atomically.
func writeReport(path string, rep *report.Report) error {
	if strings.HasSuffix(path, ".json") {
		return report.WriteFile(path, rep)
	}
	if err := report.WriteFile(path, rep); err != nil {
		return err
	}
	return report.WriteFile(strings.TrimSuffix(path, ".html")+".json", rep)
}

// Upper bounds of --downloads, --workers and --retries. The batch sizes
// buffers by the first two, and the report draws a lane for each (it takes
// at most 4096 of a kind); --retries+1 must not wrap. All are far above any
// useful setting.
const (
	maxConcurrency = 4096
	maxRetries     = 1000
)

// Images in flight on a cluster (--nats) without --workers: twice the
// concurrency of the workers connected (one running and one waiting for
// each), at least defaultClusterWorkers for workers yet to come. In byte
// mode each image in flight is held in the submitter's memory, so at most
// maxByteWindow; references cost it nothing, so up to maxConcurrency.
const (
	defaultClusterWorkers = 64
	maxByteWindow         = 256
)

// clusterWindow returns the images in flight for the cluster cfg names
// and the workers connected to it now.
func clusterWindow(ctx context.Context, js jetstream.JetStream, cfg natsjs.Config, refs bool) int {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	total := 0
	if st, err := natsjs.ReadStatus(ctx, js, cfg); err == nil {
		for _, w := range st.Workers {
			total += w.Concurrency
		}
	}
	limit := maxByteWindow
	if refs {
		limit = maxConcurrency
	}
	return min(max(2*total, defaultClusterWorkers), limit)
}

// newJobName names a detached job submitted without --job at now.
func newJobName(now time.Time) string {
	return "job-" + now.UTC().Format("20060102-150405") + "-" + strconv.Itoa(now.Nanosecond()%100000)
}

// printJobHint tells how to follow and collect a cluster job.
func printJobHint(w io.Writer, f *imagesFlags, rep *report.Report) {
	s := rep.Summary
	status := "fanout status --nats " + f.nats.url + " " + f.job
	switch {
	case s.Queued > 0:
		fmt.Fprintf(w, "job %s: %d queued on the cluster, %d already done; follow it with\n  %s\nand collect it by running the same command with --job %s (without --detach)\n",
			f.job, s.Queued, s.OK, status, f.job)
	case s.Unfinished > 0:
		fmt.Fprintf(w, "job %s: its queued items run on; run the same command with --job %s to carry on\n", f.job, f.job)
	}
}

// defaultWorkers is the default number of CPU workers: one per core the
// Go scheduler uses.
func defaultWorkers() int { return runtime.GOMAXPROCS(0) }

// roots returns the folders among the sources whose trees the outputs
// mirror (none with --flat): local folders, and object-store URLs, which
// name a prefix or an object (an object is a root that holds nothing
// below it, so naming it one changes nothing).
func (f *imagesFlags) roots(args []string) []string {
	if f.flat {
		return nil
	}
	var roots []string
	for _, a := range args {
		if store.IsObjectURL(a) {
			roots = append(roots, a)
			continue
		}
		if a == "-" || strings.HasPrefix(a, "@") || isURL(a) {
			continue
		}
		if fi, err := os.Stat(a); err == nil && fi.IsDir() {
			roots = append(roots, filepath.Clean(a))
		}
	}
	return roots
}

// sourceOptions are the flags' settings for reading lists and walking
// folders.
func (f *imagesFlags) sourceOptions() sourceOptions {
	return sourceOptions{null: f.null, depth: f.depth, include: f.include, exclude: f.exclude}
}
