package download

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{" 7 ", 7 * time.Second, true},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"99999999999999999999", 1<<63 - 1, true},
		{"9999999999999", 1<<63 - 1, true},
		{"Wed, 25 Nov 2026 10:00:30 GMT", 30 * time.Second, true},
		{"Wednesday, 25-Nov-26 10:01:00 GMT", time.Minute, true},
		{"Wed Nov 25 10:00:05 2026", 5 * time.Second, true},
		{"Wed, 25 Nov 2026 09:00:00 GMT", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := parseRetryAfter(tc.in, now)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	d := &Downloader{BackoffBase: time.Second, BackoffMax: 10 * time.Second}
	tests := []struct {
		retry      int
		retryAfter time.Duration
		lo, hi     time.Duration
	}{
		{1, 0, 500 * time.Millisecond, time.Second},
		{2, 0, time.Second, 2 * time.Second},
		{3, 0, 2 * time.Second, 4 * time.Second},
		{4, 0, 4 * time.Second, 8 * time.Second},
		{5, 0, 5 * time.Second, 10 * time.Second}, // capped, then jittered
		{100, 0, 5 * time.Second, 10 * time.Second},
		{1, 7 * time.Second, 7 * time.Second, 7 * time.Second},
		{1, time.Hour, 10 * time.Second, 10 * time.Second}, // Retry-After capped
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("retry %d after %v", tc.retry, tc.retryAfter), func(t *testing.T) {
			for range 200 {
				if got := d.backoff(tc.retry, tc.retryAfter); got < tc.lo || got > tc.hi {
					t.Fatalf("backoff(%d, %v) = %v, want %v..%v", tc.retry, tc.retryAfter, got, tc.lo, tc.hi)
				}
			}
		})
	}
	none := &Downloader{BackoffBase: -1}
	if got := none.backoff(3, 0); got != 0 {
		t.Errorf("backoff with negative BackoffBase = %v, want 0", got)
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"408", &StatusError{Code: 408}, true},
		{"429", &StatusError{Code: 429}, true},
		{"500", &StatusError{Code: 500}, true},
		{"503", &StatusError{Code: 503}, true},
		{"501", &StatusError{Code: 501}, false},
		{"505", &StatusError{Code: 505}, false},
		{"400", &StatusError{Code: 400}, false},
		{"403", &StatusError{Code: 403}, false},
		{"404", &StatusError{Code: 404}, false},
		{"410", &StatusError{Code: 410}, false},
		{"304", &StatusError{Code: 304}, false},
		{"too large", fmt.Errorf("%w: x", ErrTooLarge), false},
		{"truncated", fmt.Errorf("%w: x", ErrTruncated), false},
		{"not an image", fmt.Errorf("%w: x", ErrUnknownFormat), false},
		{"stalled", fmt.Errorf("%w: x", ErrStalled), true},
		{"header timeout", fmt.Errorf("%w: x", ErrTimeout), true},
		{"body cut", &cutError{"1 byte", errors.New("http2: stream closed")}, true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"reset", &net.OpError{Op: "read", Err: syscall.ECONNRESET}, true},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, true},
		{"no such host", &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, false},
		{"DNS server failure", &net.DNSError{Err: "server misbehaving", Name: "x.com", IsTemporary: true}, true},
		{"canceled", context.Canceled, false},
		{"other", errors.New("x509: certificate signed by unknown authority"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryable(tc.err); got != tc.want {
				t.Errorf("retryable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}
