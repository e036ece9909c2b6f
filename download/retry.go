package download

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// retryable reports whether an attempt that failed with err may succeed if
// tried again.
func retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		switch c := se.Code; {
		case c == http.StatusRequestTimeout, c == http.StatusTooManyRequests:
			return true
		case c == http.StatusNotImplemented, c == http.StatusHTTPVersionNotSupported:
			return false
		case c >= 500:
			return true
		}
		return false
	}
	var cut *cutError
	switch {
	case errors.Is(err, ErrTooLarge), errors.Is(err, ErrTruncated), errors.Is(err, ErrUnknownFormat),
		errors.Is(err, ErrUnsupported):
		return false
	case errors.Is(err, ErrStalled), errors.Is(err, ErrTimeout), errors.As(err, &cut):
		return true
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return !dns.IsNotFound
	}
	var op *net.OpError
	return errors.As(err, &op)
}

// backoff returns the wait before retry number n (1 for the first retry):
// BackoffBase doubled n-1 times, drawn from its upper half, lengthened to
// retryAfter, capped at BackoffMax.
func (d *Downloader) backoff(n int, retryAfter time.Duration) time.Duration {
	base := duration(d.BackoffBase, DefaultBackoffBase)
	limit := d.BackoffMax
	if limit <= 0 {
		limit = DefaultBackoffMax
	}
	w := limit
	if n-1 < 62 && base < limit>>(n-1) {
		w = base << (n - 1)
	}
	if w > 0 {
		w = w/2 + rand.N(w/2+1)
	}
	return min(max(w, retryAfter), limit)
}

// parseRetryAfter reads a Retry-After header: a number of seconds or an
// HTTP date. A date in the past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	s, err := strconv.ParseUint(v, 10, 64)
	if err == nil && s <= uint64(1<<63-1)/uint64(time.Second) {
		return time.Duration(s) * time.Second, true
	}
	if err == nil || errors.Is(err, strconv.ErrRange) {
		return 1<<63 - 1, true // some centuries: the cap applies
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
