package report_test

import (
	"bytes"
	"flag"
	"fmt"
	"html"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/chromiumtest"
	"github.com/fanout-dev/fanout/report"
)

var update = flag.Bool("update", false, "rewrite testdata/report/report.png from the Chromium screenshot")

func chromium(t *testing.T) string { return chromiumtest.Binary(t) }

func runChromium(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	return chromiumtest.Run(t, bin, args...)
}

// servePage serves page at / and records every path asked for, so the test
// can check that the page fetched nothing else.
func servePage(t *testing.T, page []byte) (url string, paths func() []string) {
	t.Helper()
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.URL.Path)
		mu.Unlock()
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/", func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

// selftest is what the page wrote into <pre id="selftest">.
type selftest struct {
	fields map[string]string
	lanes  []string
	errors []string
}

func parseSelftest(t *testing.T, dom []byte) selftest {
	t.Helper()
	const open = `<pre id="selftest">`
	i := bytes.Index(dom, []byte(open))
	if i < 0 {
		t.Fatalf("no selftest element in the rendered DOM:\n%.2000s", dom)
	}
	rest := dom[i+len(open):]
	j := bytes.Index(rest, []byte("</pre>"))
	if j < 0 {
		t.Fatalf("selftest element not closed")
	}
	text := strings.TrimPrefix(html.UnescapeString(string(rest[:j])), "selftest: ")
	st := selftest{fields: map[string]string{}}
	for n, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, "lanes="):
			st.lanes = strings.Fields(strings.TrimPrefix(line, "lanes="))
		case strings.HasPrefix(line, "error: "):
			st.errors = append(st.errors, strings.TrimPrefix(line, "error: "))
		case n == 0:
			for _, kv := range strings.Fields(line) {
				k, v, _ := strings.Cut(kv, "=")
				st.fields[k] = v
			}
		}
	}
	return st
}

func (st selftest) int(t *testing.T, key string) int {
	t.Helper()
	n, err := strconv.Atoi(st.fields[key])
	if err != nil {
		t.Fatalf("selftest %s = %q: %v", key, st.fields[key], err)
	}
	return n
}

// wantLane is the lane the page must draw an item's bar in: its worker lane
// if it has CPU or disk phases, else its download lane, else none.
func wantLane(it report.Item) string {
	var cpu, net bool
	for _, s := range it.Spans {
		switch s.Phase {
		case report.Decoding, report.Processing, report.Encoding, report.Writing:
			cpu = true
		case report.Downloading:
			net = true
		}
	}
	switch {
	case cpu:
		return fmt.Sprintf("w%d", it.Worker)
	case net:
		return fmt.Sprintf("d%d", it.Slot)
	}
	return "-"
}

// TestHTMLInChromium renders reports in headless Chromium and reads the
// page's own checks: one bar per item, each in its item's lane, painted on
// the canvas and found by hit testing; the tooltip working; no script
// errors; nothing fetched but the page. It saves a screenshot of the
// 1,000-item report.
func TestHTMLInChromium(t *testing.T) {
	bin := chromium(t)
	before, after := sampleThumbs(t)
	big, _ := simulate(t, simConfig{items: 1000, workers: 4, downloads: 16, seed: 1, thumbs: [2][]byte{before, after}})
	small, _ := simulate(t, simConfig{items: 12, workers: 2, downloads: 3, seed: 2})
	files := report.NewRecorder(report.Config{Start: batchStart, Settings: report.Settings{Workers: 2, Backend: "isolate"}})
	for i := range 5 {
		id := files.Begin(fmt.Sprintf("photo %d.jpg", i))
		files.PinWorker(id, i%2)
		t0 := batchStart.Add(ms(40 * (i / 2)))
		files.Phase(id, report.Decoding, t0, t0.Add(ms(10)))
		files.Phase(id, report.Processing, t0.Add(ms(10)), t0.Add(ms(40)))
		files.Finish(id, report.Result{})
	}
	tests := []struct {
		name       string
		r          *report.Report
		screenshot bool
	}{
		{"1000 items", big, true},
		{"12 items", small, false},
		{"local files, no downloads", files.Report(), false},
		{"empty batch", report.NewRecorder(report.Config{Start: batchStart}).Report(), false},
	}
	if !testing.Short() {
		huge, _ := simulate(t, simConfig{items: 10000, workers: 8, downloads: 32, seed: 3})
		tests = append(tests, struct {
			name       string
			r          *report.Report
			screenshot bool
		}{"10000 items", huge, false})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var page bytes.Buffer
			if err := report.WriteHTML(&page, tc.r); err != nil {
				t.Fatal(err)
			}
			url, paths := servePage(t, page.Bytes())
			began := time.Now()
			st := parseSelftest(t, runChromium(t, bin, "--dump-dom", url))
			browser := time.Since(began)
			if len(st.errors) > 0 || st.fields["errors"] != "0" {
				t.Fatalf("script errors: %q (fields %v)", st.errors, st.fields)
			}
			var expected int
			wantLanes := make([]string, len(tc.r.Items))
			for i, it := range tc.r.Items {
				wantLanes[i] = wantLane(it)
				if wantLanes[i] != "-" {
					expected++
				}
			}
			for _, key := range []string{"bars", "painted", "hits", "expected"} {
				if got := st.int(t, key); got != expected {
					t.Errorf("selftest %s = %d, want %d (one per item with a bar)", key, got, expected)
				}
			}
			if got := st.int(t, "items"); got != len(tc.r.Items) {
				t.Errorf("selftest items = %d, want %d", got, len(tc.r.Items))
			}
			if got, want := st.int(t, "workers"), tc.r.Lanes.Workers; got != want {
				t.Errorf("selftest workers = %d, want %d lanes", got, want)
			}
			if got, want := st.int(t, "downloads"), tc.r.Lanes.Downloads; got != want {
				t.Errorf("selftest downloads = %d, want %d lanes", got, want)
			}
			if expected > 0 && st.fields["tooltip"] != "ok" {
				t.Errorf("selftest tooltip = %q, want ok", st.fields["tooltip"])
			}
			if len(st.lanes) != len(wantLanes) {
				t.Fatalf("selftest has lanes for %d items, want %d", len(st.lanes), len(wantLanes))
			}
			for i := range wantLanes {
				if st.lanes[i] != wantLanes[i] {
					t.Errorf("item %d (%q) drawn in lane %s, want %s", i, tc.r.Items[i].Input, st.lanes[i], wantLanes[i])
				}
			}
			t.Logf("%s: %d kB page drawn in %s ms after the script started, %s ms after navigation; Chromium ran %v from launch to exit",
				tc.name, page.Len()/1000, st.fields["draw_ms"], st.fields["total_ms"], browser.Round(time.Millisecond))

			if tc.screenshot {
				shot := filepath.Join(t.TempDir(), "report.png")
				runChromium(t, bin, "--screenshot="+shot, "--window-size=1400,900", "--hide-scrollbars", url)
				b, err := os.ReadFile(shot)
				if err != nil {
					t.Fatalf("no screenshot: %v", err)
				}
				cfg, err := png.DecodeConfig(bytes.NewReader(b))
				if err != nil || cfg.Width != 1400 || cfg.Height != 900 {
					t.Errorf("screenshot: %dx%d, %v; want a 1400x900 PNG", cfg.Width, cfg.Height, err)
				}
				if *update {
					if err := os.WriteFile(filepath.Join("..", "testdata", "report", "report.png"), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, p := range paths() {
				if p != "/" {
					t.Errorf("the page fetched %s: it must be self-contained", p)
				}
			}
		})
	}
}

// sampleThumbs returns before and after thumbnails of a test photo; the
// after one is softened by scaling it down and up, like a blur.
func sampleThumbs(t *testing.T) (before, after []byte) {
	t.Helper()
	img := decodeFile(t, filepath.Join("..", "testdata", "report", "skimage-chelsea.jpg"))
	before, err := report.Thumbnail(img, 0)
	if err != nil {
		t.Fatal(err)
	}
	tiny, err := report.Thumbnail(img, 24)
	if err != nil {
		t.Fatal(err)
	}
	soft, _, err := image.Decode(bytes.NewReader(tiny))
	if err != nil {
		t.Fatal(err)
	}
	after, err = report.Thumbnail(upscale(soft, img.Bounds().Dx(), img.Bounds().Dy()), 0)
	if err != nil {
		t.Fatal(err)
	}
	return before, after
}
