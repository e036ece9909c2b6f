package download

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/fanout-dev/fanout/internal/atomicfile"
	"github.com/fanout-dev/fanout/internal/sniff"
)

// Defaults used for zero-valued [Downloader] fields.
const (
	DefaultMaxInFlight    = 32
	DefaultConnectTimeout = 10 * time.Second
	DefaultHeaderTimeout  = 30 * time.Second
	DefaultStallTimeout   = 30 * time.Second
	DefaultMaxAttempts    = 4
	DefaultBackoffBase    = 500 * time.Millisecond
	DefaultBackoffMax     = 30 * time.Second
	DefaultMaxBytes       = 64 << 20
	// DefaultAccept lists the formats the image pipeline decodes. It names
	// no AVIF or HEIC on purpose: CDNs that negotiate formats send those
	// only to clients that ask for them by name.
	DefaultAccept = "image/jpeg,image/png,image/webp,image/gif,image/bmp,image/tiff,image/*;q=0.8,*/*;q=0.5"
)

// modulePath is this module's path, looked up in the build information to
// put the version into the default User-Agent.
const modulePath = "github.com/fanout-dev/fanout"

// Downloader fetches images from http and https URLs, file URLs and local
// paths, many at a time, with retries, timeouts and a size cap.
//
// The zero value is ready to use, with the defaults documented on each
// field. Fields must not be modified after the first call to a method. A
// Downloader is safe for concurrent use: [Downloader.Fetch] may be called
// from any number of goroutines, and all calls share the in-flight and
// per-host limits.
type Downloader struct {
	// Client sends the HTTP requests. Nil means a client of the
	// Downloader's own, tuned for many downloads: idle connections kept
	// per host up to the in-flight limit (the standard transport keeps 2),
	// HTTP/2 attempted over TLS, ConnectTimeout on dialling and the TLS
	// handshake, and no proxy (this package reads no environment; inject a
	// client to use one). Redirects follow the client's policy.
	Client *http.Client

	// MaxInFlight bounds the fetches in progress at once, counting
	// requests being sent or read and local files being read (not fetches
	// waiting between retries). Zero means DefaultMaxInFlight (32).
	MaxInFlight int
	// MaxPerHost bounds the fetches in progress to one host (host:port of
	// the source URL). Zero, or a value above MaxInFlight, means
	// MaxInFlight.
	MaxPerHost int

	// ConnectTimeout bounds dialling and the TLS handshake; it applies to
	// the Downloader's own client only (an injected Client keeps its own
	// settings). Zero means DefaultConnectTimeout (10s), negative none.
	ConnectTimeout time.Duration
	// HeaderTimeout bounds the time from sending a request to receiving
	// its response header: the time to first byte, connection included.
	// Zero means DefaultHeaderTimeout (30s), negative none.
	HeaderTimeout time.Duration
	// StallTimeout fails an attempt when the body delivers less than 1 KiB
	// (MinProgress) in this long, however long the whole transfer takes: a
	// server that trickles a byte at a time is a stall, not progress. Zero means DefaultStallTimeout (30s), negative none.
	StallTimeout time.Duration
	// Timeout bounds a whole Fetch: waiting for a slot, every attempt and
	// every wait between attempts. Zero means no bound.
	Timeout time.Duration

	// MaxAttempts is the number of tries per source, the first included.
	// Zero means DefaultMaxAttempts (4); 1 disables retries.
	MaxAttempts int
	// BackoffBase is the wait before the first retry; the wait doubles on
	// each further retry, is drawn at random from its upper half
	// ("equal jitter") and is capped at BackoffMax. A Retry-After header
	// (seconds or HTTP date) lengthens the wait to the time the server
	// asks for, still capped at BackoffMax. Zero means DefaultBackoffBase
	// (500ms), negative no wait.
	BackoffBase time.Duration
	// BackoffMax caps each wait between attempts. Zero means
	// DefaultBackoffMax (30s).
	BackoffMax time.Duration

	// MaxBytes caps the size of one image, checked against Content-Length
	// before reading and against the bytes actually read. Zero means
	// DefaultMaxBytes (64 MiB), negative no cap. Memory use is bounded by
	// MaxInFlight times MaxBytes.
	MaxBytes int64

	// UserAgent is sent with every request. Empty means
	// "fanout/<module version>" (some CDNs block Go's default agent).
	UserAgent string
	// Accept is sent with every request. Empty means DefaultAccept.
	Accept string

	// Objects, if not nil, opens the sources whose URL scheme is neither
	// http, https nor file: objects of a store (s3://bucket/key, gs://,
	// azblob://). They are read under the same in-flight limits (the
	// host being the bucket), size cap and checks as files; retries are
	// the store client's own. Nil means such sources are unsupported.
	Objects ObjectOpener

	// Namer names results. Nil means a Namer of the Downloader's own.
	// Share one Namer with anything else writing into the same directory.
	Namer *Namer

	// OnEvent, if not nil, receives progress events. It is called
	// synchronously from the goroutines doing the fetches, so from many
	// goroutines at once: it must be safe for concurrent use and return
	// quickly (count, or hand off to a renderer), as the transfer waits
	// for it. Progress events come once per read from the network, about
	// every 32 KiB.
	OnEvent func(Event)

	once   sync.Once
	lim    *limiter
	client *http.Client
	own    bool // client is the Downloader's own
	names  *Namer
}

// Result is a fetched image.
type Result struct {
	Src    string // the source as given
	URL    string // the final URL after redirects; for local files the source
	Data   []byte // the whole file, owned by the caller
	Format string // sniffed from Data: "jpeg", "png", "gif", "webp", "bmp", "tiff", "avif" or "heic"
	// Name is a safe, unique file name for the image (see [Namer]), with
	// the extension of Format.
	Name string
	// Path is where [Downloader.Save] wrote the file; empty after Fetch.
	Path string
	// Attempts is the number of requests made (1 for local files).
	Attempts int

	Queued    time.Duration // waiting for a slot, summed over attempts
	FirstByte time.Duration // request sent to response header, last attempt (connection included)
	Body      time.Duration // reading the body, last attempt
	Backoff   time.Duration // waiting between attempts
}

func (d *Downloader) init() {
	d.once.Do(func() {
		n := d.MaxInFlight
		if n <= 0 {
			n = DefaultMaxInFlight
		}
		perHost := d.MaxPerHost
		if perHost <= 0 || perHost > n {
			perHost = n
		}
		d.lim = newLimiter(n, perHost)
		d.client = d.Client
		if d.client == nil {
			d.client = newClient(n, perHost, duration(d.ConnectTimeout, DefaultConnectTimeout))
			d.own = true
		}
		d.names = d.Namer
		if d.names == nil {
			d.names = new(Namer)
		}
	})
}

func newClient(total, perHost int, connect time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}
	return &http.Client{Transport: &http.Transport{
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          max(100, 2*total),
		MaxIdleConnsPerHost:   perHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   connect,
		ExpectContinueTimeout: time.Second,
	}}
}

// CloseIdleConnections closes the idle connections of the Downloader's own
// client; it does nothing to an injected Client. Call it when done with the
// Downloader to release them at once rather than after 90 seconds idle.
func (d *Downloader) CloseIdleConnections() {
	d.init()
	if d.own {
		d.client.CloseIdleConnections()
	}
}

// duration applies the zero-means-default, negative-means-none convention.
func duration(v, def time.Duration) time.Duration {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

func (d *Downloader) maxBytes() int64 {
	switch {
	case d.MaxBytes == 0:
		return DefaultMaxBytes
	case d.MaxBytes < 0:
		return 0
	}
	return d.MaxBytes
}

var defaultUserAgent = sync.OnceValue(func() string {
	v := "devel"
	if bi, ok := debug.ReadBuildInfo(); ok {
		mod := &bi.Main
		for _, dep := range bi.Deps {
			if dep.Path == modulePath {
				mod = dep
			}
		}
		if mod.Path == modulePath && mod.Version != "" && mod.Version != "(devel)" {
			v = mod.Version
		}
	}
	return "fanout/" + v
})

func (d *Downloader) emit(e Event) {
	if d.OnEvent != nil {
		d.OnEvent(e)
	}
}

// Fetch reads the image src into memory. src is an http or https URL, a
// file URL, or a local path (anything without "scheme://"). It blocks until
// the image is read, the fetch fails for good, or ctx is done, and waits
// for a slot under MaxInFlight and MaxPerHost first.
//
// HTTP fetches are retried on statuses 408, 429 and 5xx other than 501 and
// 505, on connection errors and resets, bodies cut short, stalls and
// timeouts; never on other statuses, a size over MaxBytes, an unknown
// format or a truncated image, which would not change.
//
// The format comes from the bytes alone (never the URL or Content-Type),
// and the name is reserved with the Downloader's Namer when Fetch is
// called. On failure the Result is nil and the error is a [*StatusError]
// for an unacceptable status, or else an [*Error] naming the source, the
// attempts and the cause: one of the sentinels of this package, ctx.Err(),
// or the network or file system error.
func (d *Downloader) Fetch(ctx context.Context, src string) (*Result, error) {
	d.init()
	res, err := d.fetch(ctx, src)
	if err != nil {
		d.emit(Event{Kind: Failed, Src: src, Attempt: attemptsOf(err), Err: err})
		return nil, err
	}
	d.emit(Event{Kind: Done, Src: src, Attempt: res.Attempts, Bytes: int64(len(res.Data)), Total: int64(len(res.Data))})
	return res, nil
}

func attemptsOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Attempts
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Attempts
	}
	return 0
}

func (d *Downloader) fetch(ctx context.Context, src string) (*Result, error) {
	kind, u, err := classify(src, d.Objects != nil)
	if err != nil {
		return nil, &Error{Op: "fetch", URL: src, Err: err}
	}
	stem := d.names.stem(src)
	if d.Timeout > 0 {
		tctx, cancel := context.WithTimeoutCause(ctx, d.Timeout,
			fmt.Errorf("%w: no result within %v", ErrTimeout, d.Timeout))
		defer cancel()
		return d.fetchKind(ctx, tctx, kind, u, src, stem)
	}
	return d.fetchKind(ctx, ctx, kind, u, src, stem)
}

// fetchKind fetches under tctx, which is ctx or ctx with the total Timeout.
func (d *Downloader) fetchKind(ctx, tctx context.Context, kind sourceKind, u *url.URL, src, stem string) (*Result, error) {
	res := &Result{Src: src, URL: src}
	var err error
	switch kind {
	case httpURL:
		err = d.get(ctx, tctx, u, res)
	case fileURL:
		err = d.readFile(ctx, tctx, filePath(u), res)
	case objectURL:
		err = d.readObject(ctx, tctx, u, res)
	default:
		err = d.readFile(ctx, tctx, src, res)
	}
	if err != nil {
		return nil, err
	}
	res.Name = stem + sniff.Ext(res.Format)
	return res, nil
}

// ctxErr returns the error for a fetch whose context is done: the caller's
// ctx.Err(), or the total-timeout cause.
func ctxErr(ctx, tctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return context.Cause(tctx)
}

// get fetches an http or https URL, retrying as documented on Fetch.
func (d *Downloader) get(ctx, tctx context.Context, u *url.URL, res *Result) error {
	attempts := d.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	host := u.Host
	for n := 1; ; n++ {
		t0 := time.Now()
		release, err := d.lim.acquire(tctx, host)
		res.Queued += time.Since(t0)
		if err != nil {
			return &Error{Op: "GET", URL: res.Src, Attempts: n - 1, Err: ctxErr(ctx, tctx)}
		}
		res.Attempts = n
		d.emit(Event{Kind: Started, Src: res.Src, Attempt: n})
		retryAfter, err := d.attempt(tctx, u, res, n)
		release()
		if err == nil {
			return nil
		}
		if tctx.Err() != nil {
			err = ctxErr(ctx, tctx)
		}
		if !retryable(err) || n >= attempts || tctx.Err() != nil {
			var se *StatusError
			if errors.As(err, &se) {
				se.Attempts = n
				return se
			}
			return &Error{Op: "GET", URL: res.Src, Attempts: n, Err: err}
		}
		delay := d.backoff(n, retryAfter)
		d.emit(Event{Kind: Retrying, Src: res.Src, Attempt: n, Delay: delay, Err: err})
		if delay > 0 {
			t := time.NewTimer(delay)
			select {
			case <-t.C:
			case <-tctx.Done():
				t.Stop()
				return &Error{Op: "GET", URL: res.Src, Attempts: n, Err: ctxErr(ctx, tctx)}
			}
		}
		res.Backoff += delay
	}
}

// errHeaderTimeout and errStallTimeout are the causes with which the
// attempt's timers cancel it; the error returned says more.
var (
	errHeaderTimeout = errors.New("header timeout")
	errStallTimeout  = errors.New("stall timeout")
)

// attempt makes one request. It returns the cause of a failure (not yet
// wrapped in an *Error) and the server's Retry-After, if any.
func (d *Downloader) attempt(ctx context.Context, u *url.URL, res *Result, n int) (retryAfter time.Duration, err error) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	req.Header.Set("User-Agent", cmp.Or(d.UserAgent, defaultUserAgent()))
	req.Header.Set("Accept", cmp.Or(d.Accept, DefaultAccept))

	headerTimeout := duration(d.HeaderTimeout, DefaultHeaderTimeout)
	start := time.Now()
	var headerTimer *time.Timer
	if headerTimeout > 0 {
		headerTimer = time.AfterFunc(headerTimeout, func() { cancel(errHeaderTimeout) })
	}
	resp, err := d.client.Do(req)
	if headerTimer != nil {
		headerTimer.Stop()
	}
	res.FirstByte = time.Since(start)
	if err != nil {
		if errors.Is(context.Cause(actx), errHeaderTimeout) {
			return 0, fmt.Errorf("%w: no response header within %v", ErrTimeout, headerTimeout)
		}
		err = unwrapURLError(err)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return 0, fmt.Errorf("%w: %w", ErrTimeout, err)
		}
		return 0, err
	}
	defer resp.Body.Close()
	res.URL = resp.Request.URL.String()

	// From here the stall timer watches the body: each MinProgress bytes
	// received push the deadline back; fewer, however often, do not.
	stall := duration(d.StallTimeout, DefaultStallTimeout)
	body := &progressReader{r: resp.Body, d: d, src: res.Src, attempt: n, total: resp.ContentLength}
	if stall > 0 {
		body.timer = time.AfterFunc(stall, func() { cancel(errStallTimeout) })
		body.stall = stall
		defer body.timer.Stop()
	}
	stalled := func() error {
		return fmt.Errorf("%w: under %d bytes in %v, %s received", ErrStalled, MinProgress, stall, body.progress())
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Read a little of the body so the connection can be reused.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		ra := resp.Header.Get("Retry-After")
		wait, _ := parseRetryAfter(ra, time.Now())
		return wait, &StatusError{URL: res.Src, Code: resp.StatusCode, RetryAfter: ra}
	}
	limit := d.maxBytes()
	if limit > 0 && resp.ContentLength > limit {
		return 0, fmt.Errorf("%w: Content-Length %d exceeds the limit of %d bytes", ErrTooLarge, resp.ContentLength, limit)
	}
	// A declared length sizes the buffer only when it has been checked
	// against the cap (or is below the default cap): with no cap a server
	// could declare any length, up to one that overflows int.
	size := 64 << 10
	if cl := resp.ContentLength; cl >= 0 && cl <= cmp.Or(limit, DefaultMaxBytes) {
		size = int(cl) + bytes.MinRead
	}
	var r io.Reader = body
	if limit > 0 {
		r = io.LimitReader(body, limit+1)
	}
	bodyStart := time.Now()
	data, err := readAll(r, size, limit)
	res.Body = time.Since(bodyStart)
	if err == errOverLimit {
		return 0, fmt.Errorf("%w: body exceeds the limit of %d bytes", ErrTooLarge, limit)
	}
	if err != nil {
		if errors.Is(context.Cause(actx), errStallTimeout) {
			return 0, stalled()
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return 0, &cutError{progress: body.progress(), err: err}
	}
	res.Data = data
	res.Format, err = checkImage(res.Data, resp.Header.Get("Content-Type"))
	return 0, err
}

// errOverLimit is readAll's error for a body over its limit.
var errOverLimit = errors.New("body over the limit")

// readAll reads r to its end, or to limit+1 bytes when limit is positive,
// and then returns errOverLimit.
// The first chunk has size bytes (a declared length fills it and nothing is
// copied); later chunks double up to 4 MiB, none past limit+1 bytes in all,
// and are joined once at the end. Unlike a doubling buffer, which holds up
// to twice what it read plus the copy it grows from, a body cut by the cap
// then costs about the cap, and a complete one its length twice only for
// the moment of the join.
func readAll(r io.Reader, size int, limit int64) ([]byte, error) {
	var chunks [][]byte
	buf := make([]byte, 0, max(size, bytes.MinRead))
	total := 0
	for {
		if len(buf) == cap(buf) {
			next := min(2*cap(buf), 4<<20)
			if limit > 0 {
				if int64(total) > limit {
					return nil, errOverLimit
				}
				next = int(min(int64(next), limit+1-int64(total)))
			}
			chunks = append(chunks, buf)
			buf = make([]byte, 0, next)
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf, total = buf[:len(buf)+n], total+n
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if limit > 0 && int64(total) > limit {
		return nil, errOverLimit // not joined: the chunks are garbage now
	}
	if len(chunks) == 0 {
		return buf, nil
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, buf...), nil
}

// cutError reports a body that ended in an error part way through.
type cutError struct {
	progress string
	err      error
}

func (e *cutError) Error() string { return "body cut after " + e.progress + ": " + e.err.Error() }
func (e *cutError) Unwrap() error { return e.err }

// checkImage sniffs data's format and rejects data that is not a known
// image or is truncated.
func checkImage(data []byte, contentType string) (string, error) {
	format := sniff.Format(data)
	if format == "" {
		detail := fmt.Sprintf("%d bytes starting %q", len(data), data[:min(len(data), 16)])
		if len(data) == 0 {
			detail = "empty"
		}
		if contentType != "" {
			detail += ", Content-Type " + contentType
		}
		return "", fmt.Errorf("%w (%s)", ErrUnknownFormat, detail)
	}
	if sniff.Truncated(data) {
		return "", fmt.Errorf("%w: %s ends early, at %d bytes", ErrTruncated, format, len(data))
	}
	return format, nil
}

// MinProgress is the least a response body must deliver within each
// Downloader.StallTimeout.
const MinProgress = 1024

// progressReader counts body bytes for the stall watch and reports
// progress.
type progressReader struct {
	r       io.Reader
	timer   *time.Timer // nil: no stall timeout
	stall   time.Duration
	acc     int // bytes since the deadline was last pushed back
	d       *Downloader
	src     string
	attempt int
	n       int64
	total   int64
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		if p.acc += n; p.timer != nil && p.acc >= MinProgress {
			p.acc = 0
			p.timer.Reset(p.stall)
		}
		p.n += int64(n)
		p.d.emit(Event{Kind: Progress, Src: p.src, Attempt: p.attempt, Bytes: p.n, Total: p.total})
	}
	return n, err
}

func (p *progressReader) progress() string {
	if p.total >= 0 {
		return fmt.Sprintf("%d of %d bytes", p.n, p.total)
	}
	return fmt.Sprintf("%d bytes", p.n)
}

// readFile reads a local file under the global in-flight limit.
func (d *Downloader) readFile(ctx, tctx context.Context, path string, res *Result) error {
	fail := func(err error) error {
		var pe *fs.PathError
		if errors.As(err, &pe) && pe.Path == path {
			err = pe.Err // the message names the path already
		}
		return &Error{Op: "read", URL: res.Src, Attempts: res.Attempts, Err: err}
	}
	return d.readDirect(ctx, tctx, "", "file", res, fail, func(context.Context) (io.ReadCloser, int64, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, 0, err
		}
		fi, err := f.Stat()
		if err == nil && !fi.Mode().IsRegular() {
			err = fmt.Errorf("not a regular file (%v)", fi.Mode().Type())
		}
		if err != nil {
			f.Close()
			return nil, 0, err
		}
		return f, fi.Size(), nil
	})
}

// ObjectOpener opens objects of stores named by URL, for
// [Downloader.Objects]: store.Buckets is one.
type ObjectOpener interface {
	// OpenObject opens the object src names for reading and returns its
	// size (negative if unknown). The caller closes the reader.
	OpenObject(ctx context.Context, src string) (io.ReadCloser, int64, error)
}

// readObject reads an object of a store under the in-flight limits, the
// bucket counting as the host.
func (d *Downloader) readObject(ctx, tctx context.Context, u *url.URL, res *Result) error {
	fail := func(err error) error {
		return &Error{Op: "read", URL: res.Src, Attempts: res.Attempts, Err: err}
	}
	return d.readDirect(ctx, tctx, u.Scheme+"://"+u.Host, "object", res, fail, func(ctx context.Context) (io.ReadCloser, int64, error) {
		return d.Objects.OpenObject(ctx, res.Src)
	})
}

// readDirect reads a source that needs no HTTP (a file, an object) in one
// attempt, under the in-flight limit of host: open opens it and returns
// its size (negative if unknown); what it is ("file", "object") names it
// in the error of one over MaxBytes; the bytes must be an image. Errors
// go through fail.
func (d *Downloader) readDirect(ctx, tctx context.Context, host, what string, res *Result, fail func(error) error,
	open func(context.Context) (io.ReadCloser, int64, error)) error {
	t0 := time.Now()
	release, err := d.lim.acquire(tctx, host)
	res.Queued = time.Since(t0)
	if err != nil {
		return fail(ctxErr(ctx, tctx))
	}
	defer release()
	res.Attempts = 1
	d.emit(Event{Kind: Started, Src: res.Src, Attempt: 1})
	start := time.Now()
	r, size, err := open(tctx)
	if err != nil {
		if tctx.Err() != nil {
			err = ctxErr(ctx, tctx)
		}
		return fail(err)
	}
	defer r.Close()
	limit := d.maxBytes()
	if limit > 0 && size > limit {
		return fail(fmt.Errorf("%w: %d bytes exceeds the limit of %d bytes", ErrTooLarge, size, limit))
	}
	bufSize := 64 << 10
	if size >= 0 && size <= cmp.Or(limit, DefaultMaxBytes) {
		bufSize = int(size) + bytes.MinRead
	}
	var lr io.Reader = r
	if limit > 0 {
		lr = io.LimitReader(r, limit+1)
	}
	data, err := readAll(lr, bufSize, limit)
	res.Body = time.Since(start)
	switch {
	case err == errOverLimit:
		return fail(fmt.Errorf("%w: %s exceeds the limit of %d bytes", ErrTooLarge, what, limit))
	case tctx.Err() != nil: // a file's read does not watch the context
		return fail(ctxErr(ctx, tctx))
	case err != nil:
		return fail(err)
	}
	res.Data = data
	if res.Format, err = checkImage(res.Data, ""); err != nil {
		return fail(err)
	}
	return nil
}

// Save fetches src as [Downloader.Fetch] does and writes it atomically to
// dir under its [Result.Name], replacing any file of that name, with
// permissions 0644. The file appears whole or not at all: the bytes are
// fetched into memory first and written through a hidden temporary file
// that is renamed into place, and nothing is written once ctx is done, so
// cancelling ctx (an interrupt) at any point leaves no partial or temporary
// file. A process killed outright may leave a temporary file; remove those
// with internal/atomicfile's CleanTemp before a run.
//
// Events report the fetch: Done is emitted before the write. On failure
// Save returns the error of Fetch, or an [*Error] with Op "save".
func (d *Downloader) Save(ctx context.Context, src, dir string) (*Result, error) {
	res, err := d.Fetch(ctx, src)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, res.Name)
	if _, err := atomicfile.WriteFrom(ctx, path, bytes.NewReader(res.Data), 0o644); err != nil {
		return nil, &Error{Op: "save", URL: src, Attempts: res.Attempts, Err: err}
	}
	res.Path = path
	return res, nil
}
