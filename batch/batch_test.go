package batch_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-dev/fanout/batch"
	"github.com/fanout-dev/fanout/download"
	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/backend"
	"github.com/fanout-dev/fanout/report"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sourcesOf yields srcs with no error.
func sourcesOf(srcs ...string) func(func(string, error) bool) {
	return func(yield func(string, error) bool) {
		for _, s := range srcs {
			if !yield(s, nil) {
				return
			}
		}
	}
}

// TestRunStreams checks that images are processed while other downloads
// are still in flight: the slow download is answered only after every other
// item has ended, which a pipeline that downloads everything first would
// never see.
func TestRunStreams(t *testing.T) {
	photo := readTestdata(t, "imgproc/skimage-chelsea.jpg")
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow.jpg" {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
		}
		w.Write(photo)
	}))
	defer srv.Close()
	srcs := []string{srv.URL + "/slow.jpg"}
	for i := range 6 {
		srcs = append(srcs, fmt.Sprintf("%s/fast-%d.jpg", srv.URL, i))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var order []string
	rep, err := batch.Run(ctx, batch.Config{
		OutDir:  t.TempDir(),
		Ops:     mustOps("blur=3"),
		Workers: 2,
		OnItem: func(it report.Item, c batch.Counts) {
			order = append(order, filepath.Base(it.Input))
			if c.Done == len(srcs)-1 {
				close(release)
			}
		},
	}, sourcesOf(srcs...))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.OK != len(srcs) {
		t.Fatalf("%d done, want %d (order %v; items %+v)", rep.Summary.OK, len(srcs), order, rep.Items)
	}
	if rep.Settings.Fetching != report.FetchURLs {
		t.Errorf("Settings.Fetching = %q for URLs, want downloads", rep.Settings.Fetching)
	}
	if order[len(order)-1] != "slow.jpg" {
		t.Errorf("completion order %v: the slow download should end last", order)
	}
}

// TestRunBoundedIntake checks that sources are read lazily: an endless
// source is consumed only as far as the items in flight allow.
func TestRunBoundedIntake(t *testing.T) {
	photo := readTestdata(t, "imgproc/skimage-chelsea.jpg")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(photo) }))
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	const downloads, workers = 3, 2
	var mu sync.Mutex
	pulled, maxAhead := 0, 0
	endless := func(yield func(string, error) bool) {
		for i := 0; ; i++ {
			mu.Lock()
			pulled++
			mu.Unlock()
			if !yield(fmt.Sprintf("%s/img-%d.jpg", srv.URL, i), nil) {
				return
			}
		}
	}
	rep, err := batch.Run(ctx, batch.Config{
		OutDir: t.TempDir(), Ops: mustOps("blur=1"), Downloads: downloads, Workers: workers,
		OnItem: func(it report.Item, c batch.Counts) {
			mu.Lock()
			ended := c.Done + c.Failed
			maxAhead = max(maxAhead, pulled-ended)
			mu.Unlock()
			if ended == 20 {
				cancel()
			}
		},
	}, endless)
	if err != nil {
		t.Fatal(err)
	}
	// In flight: downloads + 2×workers, plus the source being offered.
	if limit := downloads + 2*workers + 1; maxAhead > limit {
		t.Errorf("read %d sources ahead of those ended, want at most %d", maxAhead, limit)
	}
	if rep.Summary.OK < 20 {
		t.Errorf("%d done before the cancel, want at least 20", rep.Summary.OK)
	}
}

// TestRunMemoryBounded runs a long batch from an endless source and checks
// that the heap grows by less than 2 MB from item 1,000 to item 7,000:
// about 120 bytes an item, its reserved output name and, for the failed
// ones, their records, plus a few hundred KB of noise from the items in
// flight. A full report keeps about 700 bytes an item: over 4 MB here.
func TestRunMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("processes 7,000 images")
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16)), nil); err != nil {
		t.Fatal(err)
	}
	tiny := buf.Bytes()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/broken") {
			http.NotFound(w, r)
			return
		}
		w.Write(tiny)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	endless := func(yield func(string, error) bool) {
		for i := 0; ; i++ {
			// Every fiftieth fails: failures are kept, up to a cap.
			path := fmt.Sprintf("/photo-%d.jpg", i)
			if i%50 == 0 {
				path = fmt.Sprintf("/broken-%d.jpg?%s", i, strings.Repeat("q", 500))
			}
			if !yield(srv.URL+path, nil) {
				return
			}
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var at1000, at7000 uint64
	out := t.TempDir()
	_, err := batch.Run(ctx, batch.Config{
		OutDir: out, Downloads: 16,
		OnItem: func(it report.Item, c batch.Counts) {
			switch c.Done + c.Failed {
			case 1000:
				at1000 = heap()
			case 7000:
				at7000 = heap()
				cancel()
			}
		},
	}, endless)
	if err != nil {
		t.Fatal(err)
	}
	if at7000 == 0 {
		t.Fatal("the batch stopped before 7,000 items")
	}
	if grew := int64(at7000) - int64(at1000); grew > 2<<20 {
		t.Errorf("the heap grew by %d bytes over 6,000 items, want under 2 MB", grew)
	}
}

// TestRunOutputs covers names, formats and failures in one batch of local
// files.
func TestRunOutputs(t *testing.T) {
	in := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(in, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	jpg := readTestdata(t, "imgproc/skimage-chelsea.jpg")
	srcs := []string{
		write("cat.jpg", jpg),
		write("pic.webp", readTestdata(t, "imgproc/4.webp")),
		write("alpha.png", readTestdata(t, "imgproc/with-alpha.png")),
		write("broken.jpg", readTestdata(t, "imgproc/corrupt-header.jpg")),
		filepath.Join(t.TempDir(), "cat.jpg"), // same name as the first, missing
	}
	out := t.TempDir()
	var items []report.Item
	rep, err := batch.Run(t.Context(), batch.Config{
		OutDir: out, Ops: mustOps("blur=2"), Name: "{n}-{base}-small.{ext}",
		OnItem: func(it report.Item, c batch.Counts) { items = append(items, it) },
		Report: batch.ReportConfig{Full: true}, // every item, not the summary only
	}, sourcesOf(srcs...))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rep.Summary.OK, 3; got != want {
		t.Errorf("%d ok, want %d", got, want)
	}
	slices.SortFunc(items, func(a, b report.Item) int { return a.Index - b.Index })
	webpOut := imgproc.WebP
	wantOut := []string{"1-cat-small.jpg", "2-pic-small." + string(webpOut), "3-alpha-small.png", "", ""}
	for i, it := range items {
		if got := filepath.Base(it.Output); it.Output != "" && got != wantOut[i] || it.Output == "" && wantOut[i] != "" {
			t.Errorf("item %d (%s): output %q, want %q", i, it.Input, it.Output, wantOut[i])
		}
	}
	if items[3].Err == nil || !errors.Is(items[3].Err, parallel.ErrPermanent) && !strings.Contains(items[3].Err.Error(), "broken.jpg") {
		t.Errorf("broken.jpg: err %v, want a permanent decode error or one naming the file", items[3].Err)
	}
	if items[4].Err == nil || !errors.Is(items[4].Err, os.ErrNotExist) {
		t.Errorf("missing file: err %v, want one matching os.ErrNotExist", items[4].Err)
	}
	got, err := os.ReadFile(filepath.Join(out, "2-pic-small."+string(webpOut)))
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := imgproc.Sniff(got); f != webpOut {
		t.Errorf("WebP source written as %q, want %q", f, webpOut)
	}
	// The report holds one item per source with its timeline.
	if len(rep.Items) != len(srcs) {
		t.Fatalf("report has %d items, want %d", len(rep.Items), len(srcs))
	}
	for _, it := range rep.Items {
		if it.Status == report.StatusOK && len(it.Spans) < 4 {
			t.Errorf("%s: %d spans, want downloading, waiting and compute phases", it.Input, len(it.Spans))
		}
	}
}

// TestRunOutputFormatOfPathWithColon checks that a relative path with a
// colon before any slash keeps its extension's format: it is a file name,
// not a URL of scheme "shot".
func TestRunOutputFormatOfPathWithColon(t *testing.T) {
	png := readTestdata(t, "imgproc/with-alpha.png")
	t.Chdir(t.TempDir())
	if err := os.WriteFile("shot:2.png", png, 0o644); err != nil {
		t.Skipf("this file system takes no colon in a name: %v", err)
	}
	rep, err := batch.Run(t.Context(), batch.Config{OutDir: "out"}, sourcesOf("shot:2.png"))
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Summary; s.Items != 1 || s.OK != 1 {
		t.Fatalf("summary %+v, want one item, ok", s)
	}
	got, err := os.ReadFile(filepath.Join("out", "processed_shot_2.png"))
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := imgproc.Sniff(got); f != imgproc.PNG {
		t.Errorf("shot:2.png written as %q, want PNG", f)
	}
}

// TestRunWriteError checks that an output that cannot be written fails its
// item with atomicfile's error, which names the output (batch added a second
// "write <output>: " in front), and leaves no temporary file.
func TestRunWriteError(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	src := filepath.Join(in, "cat.jpg")
	if err := os.WriteFile(src, readTestdata(t, "imgproc/skimage-chelsea.jpg"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A folder where the output should go: the rename onto it fails.
	dst := filepath.Join(out, "processed_cat.jpg")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	var got report.Item
	if _, err := batch.Run(t.Context(), batch.Config{
		OutDir: out, OnItem: func(it report.Item, c batch.Counts) { got = it },
	}, sourcesOf(src)); err != nil {
		t.Fatal(err)
	}
	if got.Err == nil {
		t.Fatalf("writing onto a folder succeeded")
	}
	if msg := got.Err.Error(); !strings.HasPrefix(msg, "atomicfile: write "+dst+": ") {
		t.Errorf("error %q, want atomicfile's, naming %s", msg, dst)
	}
	if names, _ := filepath.Glob(filepath.Join(out, ".*")); len(names) > 0 {
		t.Errorf("temporary files left: %q", names)
	}
}

func TestRunBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  batch.Config
		want string
	}{
		{"constant name", batch.Config{Name: "out.jpg"}, "same name"},
		{"separator in name", batch.Config{Name: "../{name}"}, "separator"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.OutDir = t.TempDir()
			_, err := batch.Run(t.Context(), tc.cfg, sourcesOf("x.jpg"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run: err %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestProcessErrorsArePermanent(t *testing.T) {
	for _, tc := range []struct {
		name string
		job  batch.Job
	}{
		{"corrupt", batch.Job{Data: readTestdata(t, "imgproc/corrupt-header.jpg")}},
		{"not an image", batch.Job{Data: []byte("hello")}},
		{"bad ops", batch.Job{Data: readTestdata(t, "imgproc/skimage-chelsea.jpg"), Ops: "nope"}},
		{"over budget", batch.Job{Data: readTestdata(t, "imgproc/skimage-chelsea.jpg"), MaxPixels: 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := batch.Process(t.Context(), tc.job)
			if !errors.Is(err, parallel.ErrPermanent) {
				t.Errorf("Process: err %v, want a permanent error", err)
			}
		})
	}
}

// cancelAfter is a context that reports itself cancelled from its n+1st
// call to Err on: a cancellation that lands between two of Process's
// checks, deterministically.
type cancelAfter struct {
	context.Context
	n atomic.Int32
}

func (c *cancelAfter) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

// TestProcessCancelledIsNotPermanent checks that an image task cancelled
// while its operations run fails with the cancellation, which says
// nothing about the input, rather than a permanent error.
func TestProcessCancelledIsNotPermanent(t *testing.T) {
	ctx := &cancelAfter{Context: context.Background()}
	ctx.n.Store(1) // the check after decoding passes; the operations see the cancel
	job := batch.Job{Data: readTestdata(t, "imgproc/skimage-chelsea.jpg"), Ops: "blur=1"}
	_, err := batch.Process(ctx, job)
	if !errors.Is(err, context.Canceled) || errors.Is(err, parallel.ErrPermanent) {
		t.Errorf("Process cancelled during its operations: err %v, want context.Canceled and not permanent", err)
	}
}

// TestTaskOnBackend runs the image task through the encode/decode path of
// a backend, as worker processes and cluster workers do.
func TestTaskOnBackend(t *testing.T) {
	reg := new(parallel.Registry)
	task := batch.Register(reg, batch.Limits{})
	ex := parallel.New(parallel.Config{Backend: &backend.Local{Registry: reg}})
	defer ex.Close()
	job := batch.Job{Data: readTestdata(t, "imgproc/skimage-chelsea.jpg"), Ops: "blur=5"}
	got, err := parallel.Call(t.Context(), ex, task, job).Result(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want, err := batch.Process(t.Context(), job)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Data, want.Data) || got.Width != want.Width || got.Format != imgproc.JPEG {
		t.Errorf("through the backend: %dx%d %s, %d bytes; in-process %dx%d, %d bytes",
			got.Width, got.Height, got.Format, len(got.Data), want.Width, want.Height, len(want.Data))
	}
}

// Run is the tutorial's image job, done right:
//
//	with concurrent.futures.ProcessPoolExecutor() as executor:
//	    image_names = executor.map(download_image, image_urls)
//	    executor.map(process_image, image_names)   # GaussianBlur(15), save processed_<name>
//
// Every source is downloaded (or read) with many in flight, processed on
// every core, and written whole as processed_<name>; a broken one is
// reported, and the batch goes on.
func ExampleRun() {
	out, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(out)
	srcs := func(yield func(string, error) bool) {
		for _, src := range []string{"../testdata/imgproc/skimage-chelsea.jpg", "../testdata/imgproc/corrupt-header.jpg"} {
			if !yield(src, nil) {
				return
			}
		}
	}
	// Items end in any order; OnItem calls are serialised.
	lines := map[int]string{}
	rep, err := batch.Run(context.Background(), batch.Config{
		OutDir: out,
		Ops:    mustOps("blur=15"),
		OnItem: func(it report.Item, _ batch.Counts) {
			lines[it.Index] = "ok " + filepath.Base(it.Input) + " -> " + filepath.Base(it.Output)
			if it.Status == report.StatusFailed {
				lines[it.Index] = "failed " + filepath.Base(it.Input)
			}
		},
	}, srcs)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range len(lines) {
		fmt.Println(lines[i])
	}
	fmt.Println(rep.Summary.OK, "done,", rep.Summary.Failed, "failed")
	// Output:
	// ok skimage-chelsea.jpg -> processed_skimage-chelsea.jpg
	// failed corrupt-header.jpg
	// 1 done, 1 failed
}

// TestProcessPath checks that Output.Path says which path the pixels took:
// shrink-on-load and the YCbCr planes for a thumbnail of a JPEG written as
// JPEG, RGB (libjpeg's conversion, as Pillow's) for one written as PNG,
// RGBA for a PNG with alpha; and that the sizes reported are the full
// picture's.
func TestProcessPath(t *testing.T) {
	for _, tc := range []struct {
		name, file, ops, want string
		format                imgproc.Format
		in, out               [2]int
	}{
		{"jpeg thumbnail", "imgproc/skimage-chelsea.jpg", "thumbnail=100x100", "1/2 scale, YCbCr 4:2:0 planes", "", [2]int{451, 300}, [2]int{100, 67}},
		{"jpeg thumbnail to png", "imgproc/skimage-chelsea.jpg", "thumbnail=100x100", "1/2 scale, RGB", imgproc.PNG, [2]int{451, 300}, [2]int{100, 67}},
		{"jpeg resize", "imgproc/skimage-chelsea.jpg", "resize=300x", "YCbCr 4:2:0 planes", "", [2]int{451, 300}, [2]int{300, 200}},
		{"jpeg blur", "imgproc/skimage-chelsea.jpg", "blur=2", "YCbCr 4:2:0 planes", "", [2]int{451, 300}, [2]int{451, 300}},
		{"png alpha", "imgproc/with-alpha.png", "resize=50%", "RGBA", "", [2]int{0, 0}, [2]int{0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := batch.Process(t.Context(), batch.Job{Data: readTestdata(t, tc.file), Ops: tc.ops, Format: tc.format, JPEG: imgproc.JPEGStd})
			if err != nil {
				t.Fatal(err)
			}
			if o.Path != tc.want {
				t.Errorf("Process(%s, %s).Path = %q, want %q", tc.file, tc.ops, o.Path, tc.want)
			}
			if tc.in != [2]int{} && ([2]int{o.InWidth, o.InHeight} != tc.in || [2]int{o.Width, o.Height} != tc.out) {
				t.Errorf("Process(%s, %s) sizes %dx%d -> %dx%d, want %v -> %v", tc.file, tc.ops, o.InWidth, o.InHeight, o.Width, o.Height, tc.in, tc.out)
			}
		})
	}
}

func TestOutputFormat(t *testing.T) {
	for _, tc := range []struct {
		template string
		format   imgproc.Format
		want     imgproc.Format
		err      string
	}{
		{"processed_{name}", "", "", ""},
		{"processed_{name}", imgproc.PNG, imgproc.PNG, ""},
		{"{base}.{ext}", imgproc.WebP, imgproc.WebP, ""},
		{"{base}.webp", "", imgproc.WebP, ""},
		{"thumb-{n}.JPG", "", imgproc.JPEG, ""},
		{"{base}.jpeg", imgproc.JPEG, imgproc.JPEG, ""},
		{"{base}.webp", imgproc.JPEG, "", "names webp files, but the output format is jpeg"},
		{"{base}.txt", "", "", "not an image format"},
	} {
		got, err := batch.OutputFormat(tc.template, tc.format)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("OutputFormat(%q, %q) = %q, %v; want %q, error containing %q", tc.template, tc.format, got, err, tc.want, tc.err)
		}
	}
}

// TestRegisterCapsBudget checks that a worker's cap on the pixel budget
// holds whatever the job asks for: a PNG whose header declares 10,000 x
// 10,000 pixels is refused from its header, not allocated.
func TestRegisterCapsBudget(t *testing.T) {
	bomb := pngHeader(10_000, 10_000)
	for _, asked := range []int64{0, -1, 20_000_000_000} {
		reg := new(parallel.Registry)
		task := batch.Register(reg, batch.Limits{MaxPixels: 1_000_000})
		ex := parallel.New(parallel.Config{Backend: &backend.Local{Registry: reg}})
		_, err := parallel.Call(t.Context(), ex, task, batch.Job{Data: bomb, MaxPixels: asked}).Result(t.Context())
		ex.Close()
		if !errors.Is(err, imgproc.ErrTooLarge) || !strings.Contains(err.Error(), "limit of 1000000") {
			t.Errorf("job asking for %d pixels on a worker capped at 1,000,000: %v, want ErrTooLarge at the cap", asked, err)
		}
	}
}

// TestRegisterCapsBytes checks that a worker's caps on the bytes a job
// brings and makes hold, as permanent failures that name the limit.
func TestRegisterCapsBytes(t *testing.T) {
	photo := readTestdata(t, "imgproc/skimage-chelsea.jpg")
	for _, tc := range []struct {
		lim  batch.Limits
		want string
	}{
		{batch.Limits{MaxInput: int64(len(photo)) - 1}, fmt.Sprintf("input of %d bytes: over the worker's limit of %d bytes", len(photo), len(photo)-1)},
		{batch.Limits{MaxOutput: 1000}, "over the worker's limit of 1000 bytes"},
	} {
		reg := new(parallel.Registry)
		task := batch.Register(reg, tc.lim)
		ex := parallel.New(parallel.Config{Backend: &backend.Local{Registry: reg}})
		_, err := parallel.Call(t.Context(), ex, task, batch.Job{Data: photo, Ops: "blur=2"}).Result(t.Context())
		ex.Close()
		if !errors.Is(err, batch.ErrJobTooLarge) || !errors.Is(err, parallel.ErrPermanent) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("limits %+v: %v, want a permanent ErrJobTooLarge saying %q", tc.lim, err, tc.want)
		}
	}
	// Within the limits the job runs.
	reg := new(parallel.Registry)
	task := batch.Register(reg, batch.Limits{MaxInput: int64(len(photo)), MaxOutput: 1 << 20})
	ex := parallel.New(parallel.Config{Backend: &backend.Local{Registry: reg}})
	defer ex.Close()
	if _, err := parallel.Call(t.Context(), ex, task, batch.Job{Data: photo, Ops: "blur=2"}).Result(t.Context()); err != nil {
		t.Errorf("a job within the limits: %v", err)
	}
}

// pngHeader returns the start of a PNG declaring w x h RGB pixels: enough
// for a header read, no pixel data.
func pngHeader(w, h uint32) []byte {
	ihdr := []byte{'I', 'H', 'D', 'R', byte(w >> 24), byte(w >> 16), byte(w >> 8), byte(w), byte(h >> 24), byte(h >> 16), byte(h >> 8), byte(h), 8, 2, 0, 0, 0}
	crc := crc32.ChecksumIEEE(ihdr)
	out := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d"), ihdr...)
	return append(out, byte(crc>>24), byte(crc>>16), byte(crc>>8), byte(crc))
}

// TestNameTemplates covers the placeholders: zero-padded numbers, a
// template without an extension getting the format's, and the refusals.
func TestNameTemplates(t *testing.T) {
	in := t.TempDir()
	var srcs []string
	for _, name := range []string{"a.jpg", "b.png"} {
		p := filepath.Join(in, name)
		data := readTestdata(t, "imgproc/skimage-chelsea.jpg")
		if name == "b.png" {
			data = readTestdata(t, "imgproc/with-alpha.png")
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, p)
	}
	for _, tc := range []struct {
		template string
		want     []string
	}{
		{"pic-{n:03}", []string{"pic-001.jpg", "pic-002.png"}},
		{"{base}", []string{"a.jpg", "b.png"}},
		{"{n}-{base}.{ext}", []string{"1-a.jpg", "2-b.png"}},
	} {
		out := t.TempDir()
		if _, err := batch.Run(t.Context(), batch.Config{OutDir: out, Name: tc.template}, sourcesOf(srcs...)); err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(out)
		var got []string
		for _, e := range entries {
			got = append(got, e.Name())
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("template %q: %v, want %v", tc.template, got, tc.want)
		}
	}
	for _, bad := range []string{"{foo}", "{n:abc}", "{n:99}", "fixed.jpg", "a/{n}"} {
		if err := batch.CheckTemplate(bad); err == nil {
			t.Errorf("CheckTemplate(%q) = nil, want an error", bad)
		}
	}
}

// TestProcessJPEGToPNGIsPillowsDecode: a JPEG written as PNG without
// operations holds libjpeg's RGB, the pixels Pillow decodes (imgproc's
// tests check those bit for bit against Pillow), not the YCbCr planes
// converted in Go.
func TestProcessJPEGToPNGIsPillowsDecode(t *testing.T) {
	data := readTestdata(t, "imgproc/coffee-422.jpg")
	want, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: imgproc.JPEGTurbo, RGB: true})
	if err != nil {
		t.Skipf("libjpeg-turbo unavailable (install libturbojpeg0): %v", err)
	}
	o, err := batch.Process(t.Context(), batch.Job{Data: data, Format: imgproc.PNG, JPEG: imgproc.JPEGTurbo})
	if err != nil {
		t.Fatal(err)
	}
	got, err := imgproc.Decode(o.Data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Path != "RGB" || !sameRGB(got.Image, want.Image) {
		t.Errorf("JPEG to PNG: path %q, and the pixels are not libjpeg's RGB", o.Path)
	}
}

func sameRGB(a, b image.Image) bool {
	if a.Bounds().Size() != b.Bounds().Size() {
		return false
	}
	ra, rb := a.Bounds(), b.Bounds()
	for y := range ra.Dy() {
		for x := range ra.Dx() {
			r1, g1, b1, _ := a.At(ra.Min.X+x, ra.Min.Y+y).RGBA()
			r2, g2, b2, _ := b.At(rb.Min.X+x, rb.Min.Y+y).RGBA()
			if r1>>8 != r2>>8 || g1>>8 != g2>>8 || b1>>8 != b2>>8 {
				return false
			}
		}
	}
	return true
}

// TestRunRoots: sources below a root keep their folder below OutDir, names
// unique within each folder; others go in OutDir.
func TestRunRoots(t *testing.T) {
	root := t.TempDir()
	jpg := readTestdata(t, "imgproc/skimage-chelsea.jpg")
	var srcs []string
	for _, p := range []string{"x.jpg", "a/x.jpg", "a/b/x.jpg"} {
		full := filepath.Join(root, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, jpg, 0o644); err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, full)
	}
	loose := filepath.Join(t.TempDir(), "x.jpg")
	os.WriteFile(loose, jpg, 0o644)
	srcs = append(srcs, loose)
	out := t.TempDir()
	rep, err := batch.Run(t.Context(), batch.Config{OutDir: out, Roots: []string{root}}, sourcesOf(srcs...))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Settings.Fetching != report.FetchFiles {
		t.Errorf("Settings.Fetching = %q for local files, want %q", rep.Settings.Fetching, report.FetchFiles)
	}
	var got []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(got)
	// The two x.jpg at the top clash: their claims are kept for a resume.
	if len(got) != 5 || got[0] != batch.ClaimsFile || got[1] != "a/b/processed_x.jpg" || got[2] != "a/processed_x.jpg" || !strings.HasPrefix(got[3], "processed_x") || !strings.HasPrefix(got[4], "processed_x") {
		t.Errorf("outputs %q, want %s, a/b/processed_x.jpg, a/processed_x.jpg and two processed_x* at the top", got, batch.ClaimsFile)
	}
}

// TestRunRootsObjects: objects below an object-store root (a prefix, or a
// bucket) keep their folder below the output, as files below a folder do;
// objects of another bucket, or outside the prefix, go flat.
func TestRunRootsObjects(t *testing.T) {
	jpg := readTestdata(t, "imgproc/skimage-chelsea.jpg")
	f := memFetcher{}
	srcs := []string{
		"s3://media/photos/x.jpg", "s3://media/photos/a/y.jpg", "s3://media/photos/a/b/z.jpg?region=eu-west-1",
		"s3://media/photosets/w.jpg", "s3://other/photos/a/v.jpg", "s3://whole/c/d/u.jpg",
	}
	for _, s := range srcs {
		f[s] = jpg
	}
	out := t.TempDir()
	roots := []string{"s3://media/photos", "s3://whole"}
	rep, err := batch.Run(t.Context(), batch.Config{OutDir: out, Roots: roots, Fetcher: f}, sourcesOf(srcs...))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.OK != len(srcs) {
		t.Fatalf("%d done, want %d: %+v", rep.Summary.OK, len(srcs), rep.Items)
	}
	var got []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(got)
	want := []string{"a/b/processed_z.jpg", "a/processed_y.jpg", "c/d/processed_u.jpg", "processed_v.jpg", "processed_w.jpg", "processed_x.jpg"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs (-want +got):\n%s", diff)
	}
}

// mustOps parses an operation list that the test knows to be good.
func mustOps(s string) imgproc.Ops {
	ops, err := imgproc.ParseOps(s)
	if err != nil {
		panic(err)
	}
	return ops
}

// memFetcher is a Fetcher of its own: sources are keys of a map.
type memFetcher map[string][]byte

func (m memFetcher) Fetch(_ context.Context, src string) (*download.Result, error) {
	data, ok := m[src]
	if !ok {
		return nil, fmt.Errorf("%s: no such source", src)
	}
	return &download.Result{Src: src, URL: src, Data: data, Attempts: 1}, nil
}

// TestRunFetcher runs a batch on a Fetcher that is not a
// download.Downloader: Run depends on the interface alone, and a source the
// Fetcher fails is a failed item naming it.
func TestRunFetcher(t *testing.T) {
	out := t.TempDir()
	f := memFetcher{"mem:a.jpg": readTestdata(t, "imgproc/skimage-chelsea.jpg")}
	rep, err := batch.Run(t.Context(), batch.Config{OutDir: out, Ops: mustOps("resize=50x"), Fetcher: f}, sourcesOf("mem:a.jpg", "mem:missing.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Summary.OK != 1 || rep.Summary.Failed != 1 {
		t.Fatalf("%d done, %d failed; want 1 and 1", rep.Summary.OK, rep.Summary.Failed)
	}
	var errs string
	for _, it := range rep.Items {
		errs += it.Error
	}
	if !strings.Contains(errs, "mem:missing.jpg: no such source") {
		t.Errorf("the failure does not name the source: %+v", rep.Items)
	}
	if _, err := os.Stat(filepath.Join(out, "processed_mem_a.jpg")); err != nil {
		t.Errorf("no output: %v", err)
	}
}
