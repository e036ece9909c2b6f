package batch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/fanout-dev/fanout/download"
	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/store"
)

// FetchOptions are how the task fetches the source of a reference job:
// the submitting side's download settings ([Config.RefFetch]), carried in
// the job ([Job.Fetch]) so that a worker fetches as a local run would. A
// zero field means download.Downloader's default.
//
// The task holds them to its own [Limits]: MaxBytes never goes above
// Limits.MaxInput (a worker's --max-bytes), and the whole fetch, retries
// included, stays within the task's run time (a worker's --task-timeout),
// whatever the job asks.
type FetchOptions struct {
	// Attempts is the number of tries of an http(s) source, the first
	// included (download.Downloader.MaxAttempts): zero means
	// download.DefaultMaxAttempts, 1 no retry. They are the source's whole
	// retry budget: once they are spent, the failure is final, and the
	// cluster does not try the job again.
	Attempts int
	// Timeout bounds the whole fetch, retries included
	// (download.Downloader.Timeout); zero means no bound but the task's.
	Timeout time.Duration
	// StallTimeout fails an attempt whose body delivers less than
	// download.MinProgress bytes in this long
	// (download.Downloader.StallTimeout); zero or negative means
	// download.DefaultStallTimeout.
	StallTimeout time.Duration
	// MaxBytes caps the source's size (download.Downloader.MaxBytes); zero
	// or negative means download.DefaultMaxBytes. Limits.MaxInput caps it.
	MaxBytes int64
}

// downloader returns a Downloader that fetches as o says, within lim,
// through client and objects.
func (o FetchOptions) downloader(lim Limits, client *http.Client, objects download.ObjectOpener) *download.Downloader {
	maxBytes := o.MaxBytes
	if maxBytes <= 0 {
		maxBytes = download.DefaultMaxBytes
	}
	if lim.MaxInput > 0 {
		maxBytes = min(maxBytes, lim.MaxInput)
	}
	return &download.Downloader{
		Client:       client,
		Objects:      objects,
		MaxInFlight:  1,
		MaxAttempts:  max(o.Attempts, 0),
		Timeout:      max(o.Timeout, 0),
		StallTimeout: max(o.StallTimeout, 0), // zero: the default; a job cannot turn the watch off
		MaxBytes:     maxBytes,
	}
}

// refIO is what a task needs for reference jobs: an HTTP client shared by
// their downloads and the store locations they write to. It is made on
// the first reference job, so a process that never runs one pays nothing.
type refIO struct {
	lim     Limits
	once    sync.Once
	client  *http.Client
	buckets store.Buckets
}

func (io *refIO) init() {
	io.once.Do(func() {
		dialer := &net.Dialer{Timeout: download.DefaultConnectTimeout, KeepAlive: 30 * time.Second}
		io.client = &http.Client{Transport: &http.Transport{
			DialContext:         dialer.DialContext,
			ForceAttemptHTTP2:   true,
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 32,
			IdleConnTimeout:     90 * time.Second,
			TLSHandshakeTimeout: download.DefaultConnectTimeout,
		}}
	})
}

// withRefs wraps run so that a reference job is fetched before it and its
// result written after it, run seeing an ordinary job.
func withRefs(lim Limits, run func(context.Context, Job) (Output, error)) func(context.Context, Job) (Output, error) {
	io := &refIO{lim: lim}
	return func(ctx context.Context, job Job) (Output, error) {
		if job.Output == "" {
			return run(ctx, job)
		}
		return io.run(ctx, job, run)
	}
}

// IsReference reports whether src can be sent to a worker as a reference
// (fetched by the worker itself): an http(s) URL or an object-store URL.
// Files, file:// URLs and anything else travel as bytes.
func IsReference(src string) bool {
	scheme, _, ok := strings.Cut(src, "://")
	if !ok {
		return false
	}
	return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") || store.IsObjectURL(src)
}

// run runs a reference job: fetch, run, write.
func (io *refIO) run(ctx context.Context, job Job, run func(context.Context, Job) (Output, error)) (Output, error) {
	if !IsReference(job.Source) {
		return Output{}, parallel.Permanent(fmt.Errorf("batch: reference job: source %q is not an http(s) or object-store URL", job.Source))
	}
	loc, err := store.Parse(job.Output)
	if err != nil {
		return Output{}, parallel.Permanent(fmt.Errorf("batch: reference job: %w", err))
	}
	if k := job.Key; k == "" || path.Clean(k) != k || path.IsAbs(k) || k == ".." || strings.HasPrefix(k, "../") || strings.Contains(k, `\`) {
		return Output{}, parallel.Permanent(fmt.Errorf("batch: reference job: output key %q is not a clean relative path", job.Key))
	}
	io.init()
	t0 := time.Now()
	// A Downloader per job, with the job's settings, sharing the client
	// and the buckets: it keeps no names from one job to the next, so a
	// long-lived worker does not grow with the jobs it has served.
	d := job.Fetch.downloader(io.lim, io.client, &io.buckets)
	fr, err := d.Fetch(ctx, job.Source)
	if err != nil {
		if ctx.Err() == nil && fetchPermanent(job.Source, err) {
			err = parallel.Permanent(err)
		}
		return Output{}, err
	}
	fetch := time.Since(t0)
	b, err := io.buckets.Open(ctx, loc)
	if err != nil {
		return Output{}, parallel.Permanent(err)
	}
	local := job
	local.Data, local.Output, local.Key = fr.Data, "", ""
	out, err := run(ctx, local)
	if err != nil {
		return out, err
	}
	t1 := time.Now()
	if err := b.Write(ctx, job.Key, out.Data); err != nil {
		return Output{}, err
	}
	out.BytesIn, out.BytesOut = int64(len(fr.Data)), int64(len(out.Data))
	out.Fetch, out.Write = fetch, time.Since(t1)
	out.Data = nil
	return out, nil
}

// fetchPermanent reports whether a fetch of src that failed with err is
// not to be tried again. An http(s) source was tried as many times as the
// job allows (FetchOptions.Attempts, the submitter's --retries): its
// failure is final, so that the cluster's redeliveries do not multiply
// the retries asked for. An object-store source is read once, the store
// client retrying on its own: it is final when the object is missing,
// too large or not an image, and network trouble is left to the
// cluster's redelivery (another worker, later).
func fetchPermanent(src string, err error) bool {
	if scheme, _, _ := strings.Cut(src, "://"); strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") {
		return true
	}
	var se *download.StatusError
	if errors.As(err, &se) {
		return se.Code >= 400 && se.Code < 500 && se.Code != http.StatusRequestTimeout && se.Code != http.StatusTooManyRequests
	}
	for _, e := range []error{download.ErrUnsupported, download.ErrTooLarge, download.ErrUnknownFormat, download.ErrTruncated, store.ErrNotFound, fs.ErrNotExist} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
