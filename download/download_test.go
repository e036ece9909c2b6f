package download_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/download"
	"github.com/google/go-cmp/cmp"
)

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "download", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// newTestDownloader returns a Downloader with short waits between attempts,
// so that retry tests take milliseconds.
func newTestDownloader(tb testing.TB) *download.Downloader {
	tb.Helper()
	d := &download.Downloader{
		MaxAttempts:   3,
		BackoffBase:   time.Millisecond,
		BackoffMax:    10 * time.Millisecond,
		HeaderTimeout: 5 * time.Second,
		StallTimeout:  5 * time.Second,
	}
	tb.Cleanup(d.CloseIdleConnections)
	return d
}

// listDir returns the names in dir, sorted.
func listDir(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// attempts returns the attempts recorded in a download error.
func attempts(err error) int {
	var se *download.StatusError
	if errors.As(err, &se) {
		return se.Attempts
	}
	var e *download.Error
	if errors.As(err, &e) {
		return e.Attempts
	}
	return -1
}

// serveImage writes data as a complete, honest response.
func serveImage(w http.ResponseWriter, contentType string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// hijack takes over the connection and writes raw bytes: a response a
// well-behaved server would refuse to send.
func hijack(tb testing.TB, w http.ResponseWriter, head string, body []byte) net.Conn {
	tb.Helper()
	conn, rw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		tb.Error(err)
		return nil
	}
	rw.WriteString(head)
	rw.Write(body)
	rw.Flush()
	return conn
}

// reset closes conn with an RST instead of a FIN.
func reset(conn net.Conn) {
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// trickle writes data in n pieces, pause apart, flushing each.
func trickle(w http.ResponseWriter, data []byte, n int, pause time.Duration) {
	step := (len(data) + n - 1) / n
	for len(data) > 0 {
		k := min(step, len(data))
		w.Write(data[:k])
		w.(http.Flusher).Flush()
		data = data[k:]
		time.Sleep(pause) // the server's pace, not a wait for a goroutine
	}
}

func TestFetchHTTP(t *testing.T) {
	jpg := mustRead(t, "sharp-concert.jpg")
	png := mustRead(t, "with-alpha.png")
	webp := mustRead(t, "4.webp")
	tests := []struct {
		name  string
		path  string // requested path; "/a.jpg" if empty
		setup func(d *download.Downloader)
		// serve answers the hit-th request (1-based) to the test's server.
		serve func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int)

		want         []byte // the expected bytes, or nil if the fetch must fail
		wantFormat   string
		wantName     string
		wantURL      string // suffix of the final URL, if checked
		minBackoff   time.Duration
		wantAttempts int
		wantErr      error  // matched with errors.Is
		wantStatus   int    // *StatusError code expected
		wantMsg      string // substring of the error message; {url} is the source
	}{
		{
			name: "latency",
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				time.Sleep(50 * time.Millisecond) // network latency
				serveImage(w, "image/jpeg", jpg)
			},
			want: jpg, wantFormat: "jpeg", wantName: "a.jpg", wantAttempts: 1,
		},
		{
			name: "429 with Retry-After in seconds, then success",
			setup: func(d *download.Downloader) {
				d.BackoffMax = 3 * time.Second
			},
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				if hit == 1 {
					w.Header().Set("Retry-After", "1")
					http.Error(w, "slow down", http.StatusTooManyRequests)
					return
				}
				serveImage(w, "image/jpeg", jpg)
			},
			want: jpg, wantFormat: "jpeg", wantName: "a.jpg", wantAttempts: 2, minBackoff: time.Second,
		},
		{
			name: "503 twice, then success",
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				if hit <= 2 {
					http.Error(w, "busy", http.StatusServiceUnavailable)
					return
				}
				serveImage(w, "image/jpeg", jpg)
			},
			want: jpg, wantFormat: "jpeg", wantName: "a.jpg", wantAttempts: 3,
		},
		{
			name: "503 always",
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				http.Error(w, "busy", http.StatusServiceUnavailable)
			},
			wantAttempts: 3, wantStatus: 503,
			wantMsg: "download: GET {url}: 503 Service Unavailable after 3 attempts",
		},
		{
			name: "404 is not retried",
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				http.NotFound(w, r)
			},
			wantAttempts: 1, wantStatus: 404,
			wantMsg: "download: GET {url}: 404 Not Found after 1 attempt",
		},
		{
			name: "501 is not retried",
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				http.Error(w, "no", http.StatusNotImplemented)
			},
			wantAttempts: 1, wantStatus: 501,
		},
		{
			name: "connection reset mid-body, then success",
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				if hit == 1 {
					head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(jpg))
					reset(hijack(t, w, head, jpg[:len(jpg)/2]))
					return
				}
				serveImage(w, "image/jpeg", jpg)
			},
			want: jpg, wantFormat: "jpeg", wantName: "a.jpg", wantAttempts: 2,
		},
		{
			// With no size cap a declared length is not checked, so it
			// must not size the buffer: MaxInt64 + bytes.MinRead overflows.
			name: "absurd Content-Length with no size cap",
			setup: func(d *download.Downloader) {
				d.MaxBytes = -1
				d.MaxAttempts = 1
			},
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				head := "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 9223372036854775807\r\n\r\n"
				hijack(t, w, head, jpg).Close()
			},
			wantAttempts: 1, wantMsg: "body cut after",
		},
		{
			name: "connection reset mid-body always",
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(jpg))
				reset(hijack(t, w, head, jpg[:len(jpg)/2]))
			},
			wantAttempts: 3, wantMsg: "body cut after",
		},
		{
			name: "slow trickle completes: stalls are about progress, not total time",
			setup: func(d *download.Downloader) {
				d.StallTimeout = 400 * time.Millisecond
			},
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				w.Header().Set("Content-Length", strconv.Itoa(len(jpg)))
				trickle(w, jpg, 10, 50*time.Millisecond) // ~500 ms in all, 50 ms apart
			},
			want: jpg, wantFormat: "jpeg", wantName: "a.jpg", wantAttempts: 1,
		},
		{
			name: "trickle, then stall",
			setup: func(d *download.Downloader) {
				d.StallTimeout = 200 * time.Millisecond
				d.MaxAttempts = 2
			},
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				w.Header().Set("Content-Length", strconv.Itoa(len(jpg)))
				trickle(w, jpg[:1000], 4, 20*time.Millisecond)
				<-r.Context().Done() // hold the connection open, silent
			},
			wantAttempts: 2, wantErr: download.ErrStalled,
			wantMsg: fmt.Sprintf("response body stalled: under 1024 bytes in 200ms, 1000 of %d bytes received after 2 attempts", len(jpg)),
		},
		{
			name: "a byte at a time is a stall, not progress",
			setup: func(d *download.Downloader) {
				d.StallTimeout = 200 * time.Millisecond
				d.MaxAttempts = 1
			},
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				w.Header().Set("Content-Length", strconv.Itoa(len(jpg)))
				for i := 0; i < len(jpg) && r.Context().Err() == nil; i++ {
					w.Write(jpg[i : i+1])
					w.(http.Flusher).Flush()
					time.Sleep(5 * time.Millisecond) // the server's pace: 200 bytes/s
				}
			},
			wantAttempts: 1, wantErr: download.ErrStalled, wantMsg: "under 1024 bytes in 200ms",
		},
		{
			name: "no response header",
			setup: func(d *download.Downloader) {
				d.HeaderTimeout = 100 * time.Millisecond
				d.MaxAttempts = 2
			},
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				<-r.Context().Done()
			},
			wantAttempts: 2, wantErr: download.ErrTimeout,
			wantMsg: "timed out: no response header within 100ms after 2 attempts",
		},
		{
			name: "Content-Length longer than the body",
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(jpg)+100)
				hijack(t, w, head, jpg).Close()
			},
			wantAttempts: 3, wantErr: io.ErrUnexpectedEOF,
			wantMsg: fmt.Sprintf("body cut after %d of %d bytes: unexpected EOF after 3 attempts", len(jpg), len(jpg)+100),
		},
		{
			name: "Content-Length shorter than the body",
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				head := fmt.Sprintf("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", len(jpg)/2)
				hijack(t, w, head, jpg).Close()
			},
			wantAttempts: 1, wantErr: download.ErrTruncated,
			wantMsg: fmt.Sprintf("image data truncated: jpeg ends early, at %d bytes after 1 attempt", len(jpg)/2),
		},
		{
			name:  "Content-Length over the cap",
			setup: func(d *download.Downloader) { d.MaxBytes = 10_000 },
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				serveImage(w, "image/jpeg", jpg)
			},
			wantAttempts: 1, wantErr: download.ErrTooLarge,
			wantMsg: fmt.Sprintf("Content-Length %d exceeds the limit of 10000 bytes", len(jpg)),
		},
		{
			name:  "body over the cap, no Content-Length",
			setup: func(d *download.Downloader) { d.MaxBytes = 10_000 },
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				w.Header().Set("Content-Type", "image/jpeg")
				trickle(w, jpg, 4, 0) // flushed: chunked encoding
			},
			wantAttempts: 1, wantErr: download.ErrTooLarge,
			wantMsg: "body exceeds the limit of 10000 bytes",
		},
		{
			name: "PNG served as .jpg",
			path: "/photo.jpg",
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				serveImage(w, "image/jpeg", png)
			},
			want: png, wantFormat: "png", wantName: "photo.png", wantAttempts: 1,
		},
		{
			name: "WebP under image/jpeg",
			path: "/cdn/img.jpeg",
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				serveImage(w, "image/jpeg", webp)
			},
			want: webp, wantFormat: "webp", wantName: "img.webp", wantAttempts: 1,
		},
		{
			name: "redirect",
			path: "/old/cat.jpg",
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				if r.URL.Path == "/old/cat.jpg" {
					http.Redirect(w, r, "/new/kitten.jpg", http.StatusFound)
					return
				}
				serveImage(w, "image/jpeg", jpg)
			},
			want: jpg, wantFormat: "jpeg", wantName: "cat.jpg", wantURL: "/new/kitten.jpg", wantAttempts: 1,
		},
		{
			name: "HTML page with status 200",
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				w.Header().Set("Content-Type", "text/html")
				io.WriteString(w, "<!doctype html><p>Please log in</p>")
			},
			wantAttempts: 1, wantErr: download.ErrUnknownFormat,
			wantMsg: `not a known image format (35 bytes starting "<!doctype html><", Content-Type text/html) after 1 attempt`,
		},
		{
			name:  "whole fetch over Timeout",
			setup: func(d *download.Downloader) { d.Timeout = 300 * time.Millisecond; d.MaxAttempts = 100 },
			serve: func(t *testing.T, w http.ResponseWriter, r *http.Request, hit int) {
				http.Error(w, "busy", http.StatusServiceUnavailable)
			},
			wantAttempts: -1, wantErr: download.ErrTimeout,
			wantMsg: "timed out: no result within 300ms after",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tc.serve(t, w, r, int(hits.Add(1)))
			}))
			defer srv.Close()
			d := newTestDownloader(t)
			if tc.setup != nil {
				tc.setup(d)
			}
			src := srv.URL + cmpOr(tc.path, "/a.jpg")
			res, err := d.Fetch(t.Context(), src)
			if tc.want != nil {
				if err != nil {
					t.Fatalf("Fetch(%s): %v", src, err)
				}
				if !slices.Equal(res.Data, tc.want) {
					t.Errorf("Fetch(%s) returned %d bytes, not the %d served", src, len(res.Data), len(tc.want))
				}
				if res.Format != tc.wantFormat || res.Name != tc.wantName || res.Attempts != tc.wantAttempts {
					t.Errorf("Fetch(%s) = {Format %q, Name %q, Attempts %d}, want {%q, %q, %d}",
						src, res.Format, res.Name, res.Attempts, tc.wantFormat, tc.wantName, tc.wantAttempts)
				}
				if res.Backoff < tc.minBackoff {
					t.Errorf("Fetch(%s) waited %v between attempts, want at least %v", src, res.Backoff, tc.minBackoff)
				}
				if tc.wantURL != "" && !strings.HasSuffix(res.URL, tc.wantURL) {
					t.Errorf("Fetch(%s).URL = %s, want one ending %s", src, res.URL, tc.wantURL)
				}
				return
			}
			if err == nil {
				t.Fatalf("Fetch(%s) succeeded, want an error", src)
			}
			if res != nil {
				t.Errorf("Fetch(%s) returned a Result with its error", src)
			}
			if !strings.HasPrefix(err.Error(), "download: GET "+src+": ") {
				t.Errorf("error %q does not start with the operation and source", err)
			}
			if want := strings.ReplaceAll(tc.wantMsg, "{url}", src); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not contain %q", err, want)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v does not wrap %v", err, tc.wantErr)
			}
			var se *download.StatusError
			if got := errors.As(err, &se); got != (tc.wantStatus != 0) || got && se.Code != tc.wantStatus {
				t.Errorf("error %v: StatusError %v, want code %d", err, se, tc.wantStatus)
			}
			if tc.wantAttempts >= 0 {
				if got := attempts(err); got != tc.wantAttempts {
					t.Errorf("error %v reports %d attempts, want %d", err, got, tc.wantAttempts)
				}
				if got := int(hits.Load()); got != tc.wantAttempts {
					t.Errorf("server saw %d requests, want %d", got, tc.wantAttempts)
				}
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestResetCause checks that a reset is reported as one (or as the cut it
// causes, when the kernel delivers the data first).
func TestResetCause(t *testing.T) {
	jpg := mustRead(t, "sharp-concert.jpg")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(jpg))
		reset(hijack(t, w, head, jpg[:len(jpg)/2]))
	}))
	defer srv.Close()
	d := newTestDownloader(t)
	d.MaxAttempts = 1
	_, err := d.Fetch(t.Context(), srv.URL+"/a.jpg")
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Fetch error = %v, want a connection reset or unexpected EOF", err)
	}
}

func TestRequestHeaders(t *testing.T) {
	jpg := mustRead(t, "sharp-concert.jpg")
	got := make(chan http.Header, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
		serveImage(w, "image/jpeg", jpg)
	}))
	defer srv.Close()

	d := newTestDownloader(t)
	if _, err := d.Fetch(t.Context(), srv.URL+"/a.jpg"); err != nil {
		t.Fatal(err)
	}
	h := <-got
	if ua := h.Get("User-Agent"); !strings.HasPrefix(ua, "fanout/") {
		t.Errorf("default User-Agent = %q, want fanout/<version>", ua)
	}
	if a := h.Get("Accept"); a != download.DefaultAccept {
		t.Errorf("default Accept = %q, want %q", a, download.DefaultAccept)
	}

	d = newTestDownloader(t)
	d.UserAgent, d.Accept = "crawler/2", "image/webp"
	if _, err := d.Fetch(t.Context(), srv.URL+"/a.jpg"); err != nil {
		t.Fatal(err)
	}
	h = <-got
	if ua, a := h.Get("User-Agent"), h.Get("Accept"); ua != "crawler/2" || a != "image/webp" {
		t.Errorf("User-Agent, Accept = %q, %q; want crawler/2, image/webp", ua, a)
	}
}

func TestFetchLocal(t *testing.T) {
	png := mustRead(t, "with-alpha.png")
	abs, err := filepath.Abs(filepath.Join("..", "testdata", "download", "with-alpha.png"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	html := filepath.Join(dir, "page.jpg")
	if err := os.WriteFile(html, []byte("<html></html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.png")
	if err := os.WriteFile(cut, png[:len(png)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.jpg")
	tests := []struct {
		name     string
		src      string
		setup    func(d *download.Downloader)
		wantName string // for success
		wantErr  error
		wantMsg  string
	}{
		{name: "plain relative path", src: filepath.Join("..", "testdata", "download", "with-alpha.png"), wantName: "with-alpha.png"},
		{name: "plain absolute path", src: abs, wantName: "with-alpha.png"},
		{name: "file URL", src: "file://" + filepath.ToSlash(abs), wantName: "with-alpha.png"},
		{name: "file URL on localhost", src: "file://localhost" + filepath.ToSlash(abs), wantName: "with-alpha.png"},
		{name: "missing", src: missing, wantErr: fs.ErrNotExist,
			wantMsg: "read " + missing + ": no such file or directory"},
		{name: "directory", src: dir, wantMsg: "read " + dir + ": not a regular file"},
		{name: "not an image", src: html, wantErr: download.ErrUnknownFormat},
		{name: "truncated", src: cut, wantErr: download.ErrTruncated},
		{name: "over the cap", src: abs, setup: func(d *download.Downloader) { d.MaxBytes = 100 }, wantErr: download.ErrTooLarge},
		{name: "file URL on another host", src: "file://elsewhere/x.jpg", wantErr: download.ErrUnsupported,
			wantMsg: `download: fetch file://elsewhere/x.jpg: unsupported source: file URL on host "elsewhere"`},
		{name: "ftp", src: "ftp://example.com/a.jpg", wantErr: download.ErrUnsupported,
			wantMsg: `download: fetch ftp://example.com/a.jpg: unsupported source: scheme "ftp"`},
		{name: "empty", src: "", wantErr: download.ErrUnsupported},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := newTestDownloader(t)
			if tc.setup != nil {
				tc.setup(d)
			}
			res, err := d.Fetch(t.Context(), tc.src)
			if tc.wantName != "" {
				if err != nil {
					t.Fatalf("Fetch(%q): %v", tc.src, err)
				}
				if !slices.Equal(res.Data, png) || res.Format != "png" || res.Name != tc.wantName || res.Attempts != 1 {
					t.Errorf("Fetch(%q) = {%d bytes, %q, %q, %d attempts}, want {%d bytes, png, %q, 1}",
						tc.src, len(res.Data), res.Format, res.Name, res.Attempts, len(png), tc.wantName)
				}
				return
			}
			if err == nil {
				t.Fatalf("Fetch(%q) succeeded, want an error", tc.src)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("Fetch(%q) error %v, want one wrapping %v", tc.src, err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("Fetch(%q) error %q, want it to contain %q", tc.src, err, tc.wantMsg)
			}
		})
	}
}

func TestEvents(t *testing.T) {
	jpg := mustRead(t, "sharp-concert.jpg")
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			http.Error(w, "busy", http.StatusBadGateway)
			return
		}
		serveImage(w, "image/jpeg", jpg)
	}))
	defer srv.Close()

	var mu sync.Mutex
	var kinds []download.EventKind
	var last download.Event
	d := newTestDownloader(t)
	d.OnEvent = func(e download.Event) {
		mu.Lock()
		defer mu.Unlock()
		if len(kinds) == 0 || kinds[len(kinds)-1] != e.Kind { // collapse runs of Progress
			kinds = append(kinds, e.Kind)
		}
		last = e
	}
	src := srv.URL + "/a.jpg"
	if _, err := d.Fetch(t.Context(), src); err != nil {
		t.Fatal(err)
	}
	want := []download.EventKind{download.Started, download.Retrying, download.Started, download.Progress, download.Done}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if last.Src != src || last.Attempt != 2 || last.Bytes != int64(len(jpg)) {
		t.Errorf("Done event = %+v, want Src %s, Attempt 2, Bytes %d", last, src, len(jpg))
	}

	kinds = nil
	if _, err := d.Fetch(t.Context(), "gopher://x/y"); err == nil {
		t.Fatal("Fetch of gopher URL succeeded")
	}
	if diff := cmp.Diff([]download.EventKind{download.Failed}, kinds); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if last.Err == nil {
		t.Error("Failed event carries no error")
	}
}

// TestEndlessBodyMemory checks that a body that never ends costs about the
// cap, not a multiple of it: it is read into chunks and dropped when it
// passes the cap.
func TestEndlessBodyMemory(t *testing.T) {
	const limit = 8 << 20
	chunk := bytes.Repeat([]byte{0xff, 0xd8, 0xff}, 1<<14)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	d := &download.Downloader{MaxBytes: limit, MaxAttempts: 1}
	defer d.CloseIdleConnections()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := d.Fetch(t.Context(), srv.URL+"/endless.jpg")
	runtime.ReadMemStats(&after)
	if !errors.Is(err, download.ErrTooLarge) {
		t.Fatalf("Fetch(endless) = %v, want ErrTooLarge", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > limit*3/2 {
		t.Errorf("an endless body allocated %d bytes with a cap of %d, want at most 1.5x", alloc, limit)
	} else {
		t.Logf("allocated %.2fx the cap", float64(alloc)/limit)
	}
}
