package download_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/download"
	"github.com/google/go-cmp/cmp"
)

// imageServer serves the JPEG test image at any path, the PNG or the WebP
// (as image/jpeg) when the query says fmt=png or fmt=webp, whatever the
// path's extension; "/bad/..." paths misbehave in the ways named.
func imageServer(t *testing.T) *httptest.Server {
	t.Helper()
	jpg := mustRead(t, "sharp-concert.jpg")
	png := mustRead(t, "with-alpha.png")
	webp := mustRead(t, "4.webp")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/bad/404.jpg":
			http.NotFound(w, r)
		case p == "/bad/503.jpg":
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case p == "/bad/short.jpg":
			head := fmt.Sprintf("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: %d\r\n\r\n", len(jpg)/2)
			hijack(t, w, head, jpg).Close()
		case p == "/bad/long.jpg":
			head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(jpg)+1)
			hijack(t, w, head, jpg).Close()
		case p == "/bad/reset.jpg":
			head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(jpg))
			reset(hijack(t, w, head, jpg[:len(jpg)/2]))
		case p == "/bad/stall.jpg":
			w.Header().Set("Content-Length", strconv.Itoa(len(jpg)))
			w.Write(jpg[:len(jpg)/2])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case p == "/bad/html.jpg":
			w.Write([]byte("<html>moved</html>"))
		case r.URL.Query().Get("fmt") == "png":
			serveImage(w, "image/png", png)
		case r.URL.Query().Get("fmt") == "webp":
			serveImage(w, "image/jpeg", webp)
		default:
			serveImage(w, "image/jpeg", jpg)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestSave(t *testing.T) {
	srv := imageServer(t)
	jpg := mustRead(t, "sharp-concert.jpg")
	png := mustRead(t, "with-alpha.png")
	webp := mustRead(t, "4.webp")
	u := srv.URL
	good := []struct {
		src  string
		name string // expected file name; "" for the hash-suffixed form
		data []byte
	}{
		{u + "/p/cat.jpg", "cat.jpg", jpg},
		{u + "/p/cat.jpg?w=200", "", jpg}, // same base, other query
		{u + "/q/cat.jpg", "", jpg},       // same base, other directory
		{u + "/p/dog.jpg?fmt=png", "dog.png", png},
		{u + "/p/logo", "logo.jpg", jpg},
		{u + "/p/photo.jpg?fmt=webp", "photo.webp", webp},
		{u + "/q/photo.png?fmt=webp", "", webp}, // "photo" is taken, whatever the extension
		{u + "/", "", jpg},
	}
	bad := []string{
		u + "/bad/404.jpg", u + "/bad/503.jpg", u + "/bad/short.jpg", u + "/bad/long.jpg",
		u + "/bad/reset.jpg", u + "/bad/stall.jpg", u + "/bad/html.jpg",
	}
	d := newTestDownloader(t)
	d.StallTimeout = 200 * time.Millisecond
	d.MaxAttempts = 2
	dir := t.TempDir()
	want := map[string][]byte{}
	for _, g := range good {
		res, err := d.Save(t.Context(), g.src, dir)
		if err != nil {
			t.Errorf("Save(%s): %v", g.src, err)
			continue
		}
		if g.name != "" && res.Name != g.name {
			t.Errorf("Save(%s) named it %q, want %q", g.src, res.Name, g.name)
		}
		if res.Path != filepath.Join(dir, res.Name) {
			t.Errorf("Save(%s).Path = %s, want %s", g.src, res.Path, filepath.Join(dir, res.Name))
		}
		if _, dup := want[res.Name]; dup {
			t.Errorf("Save(%s) reused the name %q", g.src, res.Name)
		}
		want[res.Name] = g.data
	}
	errs := map[string]bool{}
	for _, src := range bad {
		_, err := d.Save(t.Context(), src, dir)
		if err == nil {
			t.Errorf("Save(%s) succeeded, want an error", src)
			continue
		}
		if !strings.Contains(err.Error(), src) {
			t.Errorf("Save(%s) error %q does not name the source", src, err)
		}
		if errs[err.Error()] {
			t.Errorf("Save(%s) error %q is the same as another's", src, err)
		}
		errs[err.Error()] = true
	}
	// Every good file is there, intact; nothing else is: no partial file,
	// no temporary file.
	if diff := cmp.Diff(slices.Sorted(maps.Keys(want)), listDir(t, dir)); diff != "" {
		t.Errorf("output directory (-want +got):\n%s", diff)
	}
	for name, data := range want {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Error(err)
		} else if !slices.Equal(got, data) {
			t.Errorf("%s: %d bytes differ from the %d served", name, len(got), len(data))
		}
	}
}

// TestSaveInterrupted cancels the context (as Ctrl-C does) while the body
// is arriving: no file, complete or partial, may appear.
func TestSaveInterrupted(t *testing.T) {
	jpg := mustRead(t, "sharp-concert.jpg")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(jpg)))
		w.Write(jpg[:len(jpg)/2])
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	d := newTestDownloader(t)
	var progressed atomic.Bool
	d.OnEvent = func(e download.Event) {
		if e.Kind == download.Progress {
			progressed.Store(true)
			cancel() // the interrupt arrives while the body is coming in
		}
	}
	dir := t.TempDir()
	_, err := d.Save(ctx, srv.URL+"/a.jpg", dir)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Save error = %v, want context.Canceled", err)
	}
	if got := attempts(err); got != 1 {
		t.Errorf("error %v reports %d attempts, want 1 (a cancel is not retried)", err, got)
	}
	if diff := cmp.Diff([]string(nil), listDir(t, dir)); diff != "" {
		t.Errorf("output directory after cancel (-want +got):\n%s", diff)
	}
	if !progressed.Load() {
		t.Error("no body bytes arrived before the cancel; the test did not cut mid-body")
	}
}

func TestSaveCancelledBeforeWrite(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	dir := t.TempDir()
	d := newTestDownloader(t)
	_, err := d.Save(ctx, filepath.Join("..", "testdata", "download", "with-alpha.png"), dir)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Save error = %v, want context.Canceled", err)
	}
	if diff := cmp.Diff([]string(nil), listDir(t, dir)); diff != "" {
		t.Errorf("output directory (-want +got):\n%s", diff)
	}
}

func TestSaveUnwritable(t *testing.T) {
	d := newTestDownloader(t)
	src := filepath.Join("..", "testdata", "download", "with-alpha.png")
	missing := filepath.Join(t.TempDir(), "missing")
	_, err := d.Save(t.Context(), src, missing)
	if err == nil || !strings.HasPrefix(err.Error(), "download: save "+src+": ") || !strings.Contains(err.Error(), missing) {
		t.Errorf("Save into a missing directory: error %v, want one naming the source and the directory", err)
	}
}

func TestFetchAll(t *testing.T) {
	jpg := mustRead(t, "sharp-concert.jpg")
	const n = 24
	var mu sync.Mutex
	running, peak := 0, 0
	// The server answers later sources sooner, so that fetches complete in
	// roughly the reverse of their input order.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		running++
		peak = max(peak, running)
		mu.Unlock()
		i, _ := strconv.Atoi(r.URL.Query().Get("i"))
		time.Sleep(time.Duration(n-i) * 2 * time.Millisecond) // latency
		// Count the request as done before answering: once the client has
		// the answer it may start the next request at once.
		mu.Lock()
		running--
		mu.Unlock()
		serveImage(w, "image/jpeg", jpg)
	}))
	defer srv.Close()

	var srcs []string
	for i := range n {
		// Every source has the same base name: each name is decided by
		// the input order alone.
		srcs = append(srcs, fmt.Sprintf("%s/img/photo.jpg?i=%d", srv.URL, i))
	}
	var want download.Namer
	wantNames := map[string]string{}
	for _, src := range srcs {
		wantNames[src] = want.Name(src, "jpeg")
	}

	for _, limits := range []struct{ inFlight, perHost, wantPeak int }{
		{inFlight: 8, wantPeak: 8},
		{inFlight: 8, perHost: 3, wantPeak: 3},
	} {
		t.Run(fmt.Sprintf("in flight %d, per host %d", limits.inFlight, limits.perHost), func(t *testing.T) {
			peak = 0
			d := newTestDownloader(t)
			d.MaxInFlight, d.MaxPerHost = limits.inFlight, limits.perHost
			got := map[string]string{}
			var order []string
			err := d.FetchAll(t.Context(), slices.Values(srcs), func(src string, res *download.Result, err error) {
				if err != nil {
					t.Errorf("%s: %v", src, err)
					return
				}
				if !slices.Equal(res.Data, jpg) {
					t.Errorf("%s: %d bytes, not the %d served", src, len(res.Data), len(jpg))
				}
				got[src] = res.Name
				order = append(order, src)
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantNames, got); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			if slices.Equal(order, srcs) {
				t.Log("fetches completed in input order; the name check proved less than it could")
			}
			if peak > limits.wantPeak || peak < 2 {
				t.Errorf("peak concurrency at the server = %d, want 2..%d", peak, limits.wantPeak)
			}
		})
	}
}

func TestFetchAllCancel(t *testing.T) {
	srv := imageServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	pulled := 0
	srcs := func(yield func(string) bool) {
		for i := 0; ; i++ {
			pulled++
			if !yield(fmt.Sprintf("%s/a.jpg?i=%d", srv.URL, i)) {
				return
			}
		}
	}
	d := newTestDownloader(t)
	d.MaxInFlight = 4
	reported := 0
	err := d.FetchAll(ctx, srcs, func(src string, res *download.Result, err error) {
		reported++
		if reported == 10 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("FetchAll after cancel = %v, want context.Canceled", err)
	}
	if reported < 10 || reported > pulled {
		t.Errorf("reported %d outcomes of %d sources pulled", reported, pulled)
	}
	if pulled > 10+4+1 {
		t.Errorf("pulled %d sources; should stop soon after the cancel", pulled)
	}
	// FetchAll's doc: it returns when every source pulled has been
	// reported, including the one pulled as the cancel was noticed.
	if reported != pulled {
		t.Errorf("reported %d outcomes, want one for each of the %d sources pulled", reported, pulled)
	}
}

// TestConnectionReuse checks that the Downloader's own client keeps a
// connection per request in flight, where the standard transport keeps
// two per host and opens new ones for the rest, round after round.
func TestConnectionReuse(t *testing.T) {
	jpg := mustRead(t, "sharp-concert.jpg")
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond) // latency, so that requests overlap
		serveImage(w, "image/jpeg", jpg)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	var srcs []string
	for i := range 48 {
		srcs = append(srcs, fmt.Sprintf("%s/%d.jpg", srv.URL, i))
	}
	fetchAll := func(d *download.Downloader) int {
		conns.Store(0)
		err := d.FetchAll(t.Context(), slices.Values(srcs), func(src string, res *download.Result, err error) {
			if err != nil {
				t.Error(err)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		return int(conns.Load())
	}
	own := newTestDownloader(t)
	own.MaxInFlight = 8
	if got := fetchAll(own); got > 8 {
		t.Errorf("own client opened %d connections for 48 requests, 8 at a time; want at most 8", got)
	}
	std := &download.Downloader{MaxInFlight: 8, Client: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}}
	defer std.Client.CloseIdleConnections()
	t.Logf("for comparison, the standard transport opened %d connections", fetchAll(std))
}
