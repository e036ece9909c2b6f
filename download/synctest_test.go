package download_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/fanout-dev/fanout/download"
)

// pipeNet is an in-memory network for a real http.Server and a real
// http.Transport inside a synctest bubble: net.Pipe blocks on channels, so
// the bubble's clock can jump over every wait, and minutes of backoff and
// timeouts pass in no real time.
type pipeNet struct {
	conns     chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

func newPipeNet() *pipeNet {
	return &pipeNet{conns: make(chan net.Conn), closed: make(chan struct{})}
}

func (p *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.closed:
		return nil, net.ErrClosed
	}
}

func (p *pipeNet) Close() error {
	p.closeOnce.Do(func() { close(p.closed) })
	return nil
}

func (p *pipeNet) Addr() net.Addr { return pipeAddr{} }

func (p *pipeNet) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case p.conns <- server:
		return client, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.closed:
		return nil, net.ErrClosed
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// runPipeServer serves h on a pipe network inside the current bubble and
// returns a Downloader using it, with the package's default timeouts and
// backoff. Cleanup is registered with t.
func runPipeServer(t *testing.T, h http.HandlerFunc) *download.Downloader {
	t.Helper()
	pn := newPipeNet()
	srv := &http.Server{Handler: h}
	go srv.Serve(pn)
	tr := &http.Transport{DialContext: pn.DialContext}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	return &download.Downloader{Client: &http.Client{Transport: tr}}
}

// TestBackoffSchedule checks, on the bubble's clock, that the default
// backoff doubles from 500ms with jitter in each wait's upper half.
func TestBackoffSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		jpg := mustRead(t, "sharp-concert.jpg")
		var arrivals []time.Time
		d := runPipeServer(t, func(w http.ResponseWriter, r *http.Request) {
			arrivals = append(arrivals, time.Now())
			if len(arrivals) < 4 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			serveImage(w, "image/jpeg", jpg)
		})
		res, err := d.Fetch(t.Context(), "http://example.test/a.jpg")
		if err != nil {
			t.Fatal(err)
		}
		if res.Attempts != 4 {
			t.Fatalf("Attempts = %d, want 4", res.Attempts)
		}
		for i, want := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second} {
			gap := arrivals[i+1].Sub(arrivals[i])
			if gap < want/2 || gap > want {
				t.Errorf("wait before attempt %d = %v, want %v..%v", i+2, gap, want/2, want)
			}
		}
	})
}

func TestRetryAfterDate(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter time.Duration // asked for by the server, as an HTTP date
		want       time.Duration // wait expected
	}{
		{"honoured", 20 * time.Second, 20 * time.Second},
		{"capped at BackoffMax", 10 * time.Minute, download.DefaultBackoffMax},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				jpg := mustRead(t, "sharp-concert.jpg")
				var arrivals []time.Time
				d := runPipeServer(t, func(w http.ResponseWriter, r *http.Request) {
					arrivals = append(arrivals, time.Now())
					if len(arrivals) == 1 {
						w.Header().Set("Retry-After", time.Now().Add(tc.retryAfter).UTC().Format(http.TimeFormat))
						http.Error(w, "slow down", http.StatusTooManyRequests)
						return
					}
					serveImage(w, "image/jpeg", jpg)
				})
				res, err := d.Fetch(t.Context(), "http://example.test/a.jpg")
				if err != nil {
					t.Fatal(err)
				}
				// The bubble starts at midnight, so the date loses no
				// sub-second part.
				if gap := arrivals[1].Sub(arrivals[0]); gap != tc.want || res.Backoff != tc.want {
					t.Errorf("second request %v after the first (Backoff %v), want %v", gap, res.Backoff, tc.want)
				}
			})
		})
	}
}

// TestDefaultTimeouts checks the default stall and header timeouts, which
// are too long for the real clock.
func TestDefaultTimeouts(t *testing.T) {
	jpg := mustRead(t, "sharp-concert.jpg")
	for _, tc := range []struct {
		name    string
		serve   http.HandlerFunc
		wantErr error
		want    time.Duration // time to fail: MaxAttempts × timeout + backoff
	}{
		{
			name: "stall",
			serve: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(jpg)))
				w.Write(jpg[:len(jpg)/2])
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			},
			wantErr: download.ErrStalled,
			want:    download.DefaultMaxAttempts * download.DefaultStallTimeout,
		},
		{
			name: "no header",
			serve: func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			},
			wantErr: download.ErrTimeout,
			want:    download.DefaultMaxAttempts * download.DefaultHeaderTimeout,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := runPipeServer(t, tc.serve)
				start := time.Now()
				res, err := d.Fetch(t.Context(), "http://example.test/a.jpg")
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Fetch = %v, %v; want error %v", res, err, tc.wantErr)
				}
				// Backoff adds 0.25..0.5 + 0.5..1 + 1..2 s.
				if took := time.Since(start); took < tc.want+1750*time.Millisecond || took > tc.want+3500*time.Millisecond {
					t.Errorf("failed after %v, want %v plus backoff", took, tc.want)
				}
			})
		})
	}
}

// TestPerHostLimit checks on the bubble's clock that MaxPerHost bounds the
// requests to one host while MaxInFlight bounds them all.
func TestPerHostLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		jpg := mustRead(t, "sharp-concert.jpg")
		var mu sync.Mutex
		running := map[string]int{}
		peakHost, peakAll, total := map[string]int{}, 0, 0
		d := runPipeServer(t, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			running[r.Host]++
			total++
			peakHost[r.Host] = max(peakHost[r.Host], running[r.Host])
			peakAll = max(peakAll, total)
			mu.Unlock()
			time.Sleep(time.Second) // latency, on the bubble's clock
			mu.Lock()
			running[r.Host]--
			total--
			mu.Unlock()
			serveImage(w, "image/jpeg", jpg)
		})
		d.MaxInFlight, d.MaxPerHost = 5, 2
		var wg sync.WaitGroup
		for i := range 12 {
			host := []string{"a.test", "b.test", "c.test"}[i%3]
			wg.Go(func() {
				if _, err := d.Fetch(t.Context(), "http://"+host+"/x.jpg?"+strconv.Itoa(i)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if peakAll != 5 {
			t.Errorf("peak requests in flight = %d, want 5", peakAll)
		}
		for host, peak := range peakHost {
			if peak != 2 {
				t.Errorf("peak requests to %s = %d, want 2", host, peak)
			}
		}
	})
}
