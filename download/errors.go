package download

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Causes that callers can test for with [errors.Is]. They are returned
// wrapped in an [*Error], whose message names the package, the source and
// the attempts, so their own text carries no "download:" prefix.
var (
	// ErrTooLarge: the declared Content-Length or the bytes actually read
	// exceed [Downloader.MaxBytes]. Not retried.
	ErrTooLarge = errors.New("source too large")
	// ErrStalled: no body bytes arrived for [Downloader.StallTimeout].
	// Retried.
	ErrStalled = errors.New("response body stalled")
	// ErrTimeout: connecting, or waiting for the response header, took
	// longer than its timeout (retried), or the whole fetch took longer
	// than [Downloader.Timeout] (not retried).
	ErrTimeout = errors.New("timed out")
	// ErrTruncated: the transfer completed but the image ends before its
	// own structure says it should, as when a server declares a shorter
	// Content-Length than the file it sends. Not retried.
	ErrTruncated = errors.New("image data truncated")
	// ErrUnknownFormat: the bytes are not an image format the downloader
	// recognises (an HTML error page served with status 200, say). Not
	// retried.
	ErrUnknownFormat = errors.New("not a known image format")
	// ErrUnsupported: the source is a URL whose scheme is neither http,
	// https nor file, or a file URL naming another host.
	ErrUnsupported = errors.New("unsupported source")
)

// StatusError reports that a server answered with a status other than 2xx,
// on the last of Attempts tries. Statuses 408, 429 and 5xx are retried
// before it is returned; other statuses are returned at once.
type StatusError struct {
	URL        string // the source URL as given to Fetch
	Code       int    // HTTP status code of the last response
	Attempts   int    // number of requests made
	RetryAfter string // Retry-After header of the last response, if any
}

// Error reads like "download: GET https://x/a.jpg: 503 Service Unavailable
// after 4 attempts".
func (e *StatusError) Error() string {
	status := strconv.Itoa(e.Code)
	if t := http.StatusText(e.Code); t != "" {
		status += " " + t
	}
	return fmt.Sprintf("download: GET %s: %s%s", redact(e.URL), status, afterAttempts(e.Attempts))
}

// Error reports a failed fetch other than a bad status: the operation
// ("GET" for http and https, "read" for local files, "save" when writing
// the result, "fetch" for a source that names nothing fetchable), the
// source, the number of requests made and the cause.
// Unwrap gives the cause, so errors.Is works with [ErrTooLarge],
// [ErrStalled], [ErrTimeout], [ErrTruncated], [ErrUnknownFormat],
// [context.Canceled], [io.ErrUnexpectedEOF], syscall.ECONNRESET,
// fs.ErrNotExist and the like.
type Error struct {
	Op       string // "GET", "read", "save" or "fetch"
	URL      string // the source as given to Fetch
	Attempts int    // number of requests made (1 for local files)
	Err      error  // the cause
}

// Error reads like "download: GET https://x/a.jpg: response body stalled:
// no data for 30s after 4 attempts", or for a local file, which is read
// and not downloaded, "read photos/a.jpg: no such file or directory".
func (e *Error) Error() string {
	switch e.Op {
	case "GET":
		return fmt.Sprintf("download: GET %s: %v%s", redact(e.URL), e.Err, afterAttempts(e.Attempts))
	case "read":
		return fmt.Sprintf("read %s: %v", e.URL, e.Err)
	}
	return fmt.Sprintf("download: %s %s: %v", e.Op, redact(e.URL), e.Err)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func afterAttempts(n int) string {
	if n == 1 {
		return " after 1 attempt"
	}
	return fmt.Sprintf(" after %d attempts", n)
}

// redact hides a password in a URL's user information.
func redact(src string) string {
	u, err := url.Parse(src)
	if err != nil || u.User == nil {
		return src
	}
	return u.Redacted()
}
