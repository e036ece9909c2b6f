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

// refIO is what a task needs for reference jobs: an HTTP client shared by
// their downloads and the store locations they write to. It is made on
// the first reference job, so a process that never runs one pays nothing.
type refIO struct {
	maxBytes int64
	once     sync.Once
	client   *http.Client
	buckets  store.Buckets
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
	io := &refIO{maxBytes: lim.MaxInput}
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
	// A Downloader per job, sharing the client and the buckets: it keeps
	// no names from one job to the next, so a long-lived worker does not
	// grow with the jobs it has served.
	d := &download.Downloader{Client: io.client, MaxBytes: io.maxBytes, Objects: &io.buckets, MaxInFlight: 1}
	fr, err := d.Fetch(ctx, job.Source)
	if err != nil {
		if fetchPermanent(err) {
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

// fetchPermanent reports whether a failed fetch would fail again: the
// source is missing, refused, too large or not an image. Network trouble
// is left to the cluster's redelivery (another worker, later).
func fetchPermanent(err error) bool {
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
