package main

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"image"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/batch"
	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/report"
)

// TestMain lets the test binary stand in for the fanout binary: run with
// FANOUT_TEST_MAIN=1 it is fanout itself (main calls proc.ServeIfWorker,
// so it also serves as its own worker processes).
func TestMain(m *testing.M) {
	if os.Getenv("FANOUT_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// fanoutCmd returns a command that runs the fanout binary (this test
// binary in main mode) with args.
func fanoutCmd(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "FANOUT_TEST_MAIN=1")
	return cmd
}

// runFanout runs the fanout binary and returns its exit status, stdout and
// stderr.
func runFanout(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	cmd := fanoutCmd(t, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	case err != nil:
		t.Fatalf("run fanout: %v", err)
	}
	return 0, stdout.String(), stderr.String()
}

// readTestdata returns a file of the repository's testdata folder.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// imageServer serves files by path, with what the test needs for failing
// URLs: /missing is 404, /broken always 503.
func imageServer(t testing.TB, files map[string][]byte, latency time.Duration) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
		if r.URL.Path == "/broken" {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		data, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// pngBomb returns a small, well-formed PNG whose header declares a w×h
// image: a decompression bomb that must be refused from its header.
func pngBomb(t testing.TB, w, h uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&buf, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		buf.WriteString(typ)
		buf.Write(data)
		binary.Write(&buf, binary.BigEndian, crc.Sum32())
	}
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit grey, deflate, no interlace
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 1024)) // a few rows of zeros: the rest is missing
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return buf.Bytes()
}

// demoPhoto returns one of the embedded demo photos.
func demoPhoto(t testing.TB, name string) []byte {
	t.Helper()
	b, err := demoPhotos.ReadFile("demodata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkNoPartialFiles fails if dir, or a folder below it, holds a
// temporary or unreadable image. It returns the files' paths relative to
// dir, with "/" between folders, in lexical order.
func checkNoPartialFiles(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(d.Name(), ".") {
			t.Errorf("leftover temporary file %s", rel)
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if _, err := imgproc.Decode(data, nil); err != nil {
			t.Errorf("output %s does not decode: %v", rel, err)
		}
		names = append(names, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestImagesMixedBatch(t *testing.T) {
	good := map[string][]byte{
		"/a/kde-path.jpg":        demoPhoto(t, "kde-fallenleaf.jpg"),
		"/b/skimage-chelsea.jpg": demoPhoto(t, "skimage-chelsea.jpg"),
		"/c/alpha.png":           readTestdata(t, "imgproc/with-alpha.png"),
		"/d/photo?w=500":         demoPhoto(t, "kde-coldripple.jpg"),
	}
	files := map[string][]byte{
		"/truncated.jpg": readTestdata(t, "imgproc/truncated.jpg"),
		"/corrupt.jpg":   readTestdata(t, "imgproc/corrupt-header.jpg"),
		"/header.jpg":    readTestdata(t, "imgproc/giant-image.jpg"),
		"/bomb.png":      pngBomb(t, 20000, 20000),
		"/notimage.jpg":  []byte("<html>not an image</html>"),
	}
	for p, b := range good {
		files[strings.Split(p, "?")[0]] = b
	}
	srv := imageServer(t, files, 0)
	local := filepath.Join(t.TempDir(), "local.jpg")
	if err := os.WriteFile(local, demoPhoto(t, "kde-darkesthour.jpg"), 0o644); err != nil {
		t.Fatal(err)
	}

	out := t.TempDir()
	args := []string{"images"}
	for p := range good {
		args = append(args, srv.URL+p)
	}
	for _, p := range []string{"/truncated.jpg", "/corrupt.jpg", "/header.jpg", "/bomb.png", "/notimage.jpg", "/missing", "/broken"} {
		args = append(args, srv.URL+p)
	}
	args = append(args, local, filepath.Join(t.TempDir(), "does-not-exist.jpg"))
	// Flags after the sources, as users type them.
	rep := filepath.Join(t.TempDir(), "run.html")
	args = append(args, "--blur", "15", "-o", out, "--retries", "1", "--report", rep)
	code, _, stderr := runFanout(t, args...)
	if code != 1 {
		t.Errorf("exit status %d, want 1; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		"5 done, 8 failed",
		"truncated.jpg: ", "corrupt.jpg: ", "header.jpg: ", "notimage.jpg: ",
		"bomb.png: imgproc: png image is 20000x20000 (400000000 pixels), over the limit",
		"/missing: download: GET", "404",
		"/broken: download: GET", "503",
		"does-not-exist.jpg: read ",
		"time: downloading/reading ", // URLs and a local file
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	names := checkNoPartialFiles(t, out)
	if len(names) != 5 {
		t.Errorf("outputs %v, want 5", names)
	}
	f, err := os.Open(strings.TrimSuffix(rep, ".html") + ".json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := report.ReadJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Summary; s.Items != 13 || s.OK != 5 || s.Failed != 8 || r.Settings.Backend != "local" || r.Settings.Fetching != report.FetchMixed {
		t.Errorf("report summary %+v, settings %+v", s, r.Settings)
	}
	// Busy times are wall-clock: within the wall time, the overlap within both.
	if s := r.Summary; s.FetchWall <= 0 || s.ComputeWall <= 0 || s.FetchWall > r.Wall || s.ComputeWall > r.Wall ||
		s.OverlapWall < 0 || s.OverlapWall > min(s.FetchWall, s.ComputeWall) {
		t.Errorf("busy times fetch %v, compute %v, overlap %v in a wall of %v", s.FetchWall, s.ComputeWall, s.OverlapWall, r.Wall)
	}
	if html, err := os.ReadFile(rep); err != nil || !bytes.Contains(html, []byte("<canvas")) || !bytes.Contains(html, []byte("downloading/reading</b> only")) {
		t.Errorf("HTML report missing, without its timeline or without the wall-time split: %v", err)
	}

	// Every output is the image task's result on its input: blurred, same
	// size, in the input's format.
	for _, tc := range []struct {
		output string
		input  []byte
		format imgproc.Format
	}{
		{"processed_kde-path.jpg", good["/a/kde-path.jpg"], imgproc.JPEG},
		{"processed_skimage-chelsea.jpg", good["/b/skimage-chelsea.jpg"], imgproc.JPEG},
		{"processed_alpha.png", good["/c/alpha.png"], imgproc.PNG},
		{"processed_photo.jpg", good["/d/photo?w=500"], imgproc.JPEG},
		{"processed_local.jpg", demoPhoto(t, "kde-darkesthour.jpg"), imgproc.JPEG},
	} {
		got, err := os.ReadFile(filepath.Join(out, tc.output))
		if err != nil {
			t.Errorf("missing output: %v", err)
			continue
		}
		want, err := batch.Process(t.Context(), batch.Job{Data: tc.input, Ops: "blur=15", Format: tc.format})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Data) {
			t.Errorf("%s differs from the image task's output on its input", tc.output)
		}
		cfgIn, _, _ := image.DecodeConfig(bytes.NewReader(tc.input))
		cfgOut, _, _ := image.DecodeConfig(bytes.NewReader(got))
		if cfgIn.Width != cfgOut.Width || cfgIn.Height != cfgOut.Height {
			t.Errorf("%s is %dx%d, input %dx%d", tc.output, cfgOut.Width, cfgOut.Height, cfgIn.Width, cfgIn.Height)
		}
	}
}

func TestImagesJSONAndSkipExisting(t *testing.T) {
	files := map[string][]byte{
		"/one.jpg": demoPhoto(t, "kde-fallenleaf.jpg"),
		"/two.jpg": demoPhoto(t, "skimage-coffee.jpg"),
	}
	srv := imageServer(t, files, 0)
	list := filepath.Join(t.TempDir(), "urls.txt")
	os.WriteFile(list, []byte("# two photos\n"+srv.URL+"/one.jpg\n\n"+srv.URL+"/two.jpg\n"+srv.URL+"/missing\n"), 0o644)
	out := t.TempDir()

	code, stdout, stderr := runFanout(t, "images", "--list", list, "--ops", "blur=2,grayscale", "-o", out, "--json", "--retries", "0")
	if code != 1 {
		t.Fatalf("exit status %d, want 1 (one missing URL); stderr:\n%s", code, stderr)
	}
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var rec itemJSON
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("stdout line %q: %v", sc.Text(), err)
		}
		got[rec.Input] = rec.Status.String()
		if rec.Status == report.StatusOK && (rec.Output == "" || rec.BytesOut == 0 || rec.Path == "" || rec.TotalSec <= 0) {
			t.Errorf("ok record without output, path or time: %+v", rec)
		}
		if rec.Status == report.StatusFailed && !strings.Contains(rec.Error, "404") {
			t.Errorf("failed record's error %q lacks the cause", rec.Error)
		}
	}
	want := map[string]string{srv.URL + "/one.jpg": "ok", srv.URL + "/two.jpg": "ok", srv.URL + "/missing": "failed"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("status of %s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}

	// Resume: the outputs exist, so nothing is downloaded again.
	code, _, stderr = runFanout(t, "images", "--list", list, "--ops", "blur=2,grayscale", "-o", out, "--skip-existing", "--retries", "0")
	if code != 1 || !strings.Contains(stderr, "0 done, 1 failed, 2 skipped") {
		t.Errorf("resumed run: exit %d, stderr:\n%s", code, stderr)
	}
}

func TestImagesUsage(t *testing.T) {
	// "nats without credentials" must not find any in the environment.
	t.Setenv("NATS_TOKEN", "")
	t.Setenv("NATS_USER", "")
	t.Setenv("NATS_PASSWORD", "")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no sources", []string{"images", "--blur", "15"}, 2, "no sources"},
		{"bad op", []string{"images", "a.jpg", "--ops", "blurr=3"}, 2, "blurr"},
		{"bad quality", []string{"images", "a.jpg", "--quality", "101"}, 2, "quality"},
		{"bad format", []string{"images", "a.jpg", "--format", "xyz"}, 2, "xyz"},
		{"no downloads", []string{"images", "a.jpg", "--downloads", "0"}, 2, "--downloads"},
		{"negative retries", []string{"images", "a.jpg", "--retries", "-1"}, 2, "--retries"},
		{"huge downloads", []string{"images", "a.jpg", "--downloads", "9223372036854775807"}, 2, "--downloads"},
		{"huge workers", []string{"images", "a.jpg", "--workers", "4000000000"}, 2, "--workers"},
		{"huge retries", []string{"images", "a.jpg", "--retries", "9223372036854775807"}, 2, "--retries"},
		{"memory limit without isolate", []string{"images", "a.jpg", "--memory-limit", "1000000"}, 2, "--isolate"},
		{"unknown flag", []string{"images", "a.jpg", "--bogus"}, 2, "bogus"},
		{"help", []string{"images", "-h"}, 0, "Usage: fanout images"},
		{"unknown command", []string{"imagez"}, 2, "unknown command"},
		{"nats without credentials", []string{"images", "a.jpg", "--nats", "nats://127.0.0.1:1"}, 2, "credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(t.Context(), tc.args, strings.NewReader(""), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit status %d, want %d", code, tc.code)
			}
			if all := stdout.String() + stderr.String(); !strings.Contains(all, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, all)
			}
		})
	}
}

// TestImagesHelpOperations checks that images -h documents the operations
// --ops takes, resize's syntax included.
func TestImagesHelpOperations(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"images", "-h"}, strings.NewReader(""), &stdout, &stderr); code != exitOK {
		t.Fatalf("images -h: exit status %d, want %d; stderr:\n%s", code, exitOK, stderr.String())
	}
	help := stdout.String()
	for _, want := range []string{"Operations", "resize=", "cover", "only-shrink", "thumbnail=", "lanczos", imgproc.OpsHelp} {
		if !strings.Contains(help, want) {
			t.Errorf("images -h output lacks %q:\n%s", want, help)
		}
	}
}

// TestImagesBadOpsBeforeDownload checks that a bad operation is a usage
// error naming it, found before any download starts.
func TestImagesBadOpsBeforeDownload(t *testing.T) {
	for _, tc := range []struct {
		name string
		ops  string
	}{
		{"zero size", "resize=0x0"},
		{"unknown resize option", "resize=100x100:bogus"},
		{"thumbnail fit", "thumbnail=800x:cover"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var requests atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				http.NotFound(w, r)
			}))
			t.Cleanup(srv.Close)
			var stdout, stderr bytes.Buffer
			args := []string{"images", srv.URL + "/a.jpg", "--ops", tc.ops, "-o", t.TempDir()}
			code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("images --ops %s: exit status %d, want %d (usage error)", tc.ops, code, exitUsage)
			}
			if msg := stderr.String(); !strings.Contains(msg, tc.ops) || !strings.Contains(msg, "-h' for usage") {
				t.Errorf("images --ops %s: stderr = %q, want a usage error naming %q", tc.ops, msg, tc.ops)
			}
			srv.Close() // waits for requests in flight
			if n := requests.Load(); n != 0 {
				t.Errorf("images --ops %s: the server saw %d requests, want 0", tc.ops, n)
			}
		})
	}
}

// TestImagesInterrupt sends SIGINT mid-batch: the command stops taking new
// work, leaves only whole files, prints the summary and exits 1.
func TestImagesInterrupt(t *testing.T) {
	files := map[string][]byte{}
	var urls []string
	for i := range 40 {
		p := "/img-" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".jpg"
		files[p] = demoPhoto(t, "kde-eveningglow.jpg")
		urls = append(urls, p)
	}
	var served atomic.Int32
	midway := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(200 * time.Millisecond):
		case <-r.Context().Done():
			return
		}
		w.Write(files[r.URL.Path])
		if served.Add(1) == 8 {
			close(midway)
		}
	}))
	defer srv.Close()
	out := t.TempDir()
	args := []string{"images", "--blur", "15", "-o", out, "--downloads", "4"}
	for _, u := range urls {
		args = append(args, srv.URL+u)
	}
	cmd := fanoutCmd(t, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once a few images are done: 40 images at 4 in flight and
	// 200 ms each take 2 s, so the batch is mid-way.
	select {
	case <-midway:
	case <-time.After(30 * time.Second):
		t.Error("the batch did not get going")
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted {
		t.Errorf("exit: %v, want status %d; stderr:\n%s", err, exitInterrupted, stderr.String())
	}
	if s := stderr.String(); !strings.Contains(s, "interrupted") || !strings.Contains(s, " done, ") {
		t.Errorf("no summary after interrupt:\n%s", s)
	}
	// Items in flight at the interrupt are abandoned, not failures.
	if s := stderr.String(); !strings.Contains(s, " 0 failed") || !strings.Contains(s, " abandoned") || strings.Contains(s, "canceled") {
		t.Errorf("items stopped by the interrupt counted as failures:\n%s", s)
	}
	names := checkNoPartialFiles(t, out)
	if len(names) == 0 || len(names) >= 40 {
		t.Errorf("%d outputs after an interrupt mid-batch, want some but not all", len(names))
	}

	// --skip-existing resumes: the abandoned items and those never started
	// are done, the finished ones skipped.
	cmd = fanoutCmd(t, append(args, "--skip-existing")...)
	stderr.Reset()
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("resume: %v\n%s", err, stderr.String())
	}
	want := fmt.Sprintf("%d done, 0 failed, %d skipped", 40-len(names), len(names))
	if s := stderr.String(); !strings.Contains(s, want) {
		t.Errorf("resume summary, want %q:\n%s", want, s)
	}
	if names := checkNoPartialFiles(t, out); len(names) != 40 {
		t.Errorf("%d outputs after resuming, want 40", len(names))
	}
}

func TestDemo(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	code := run(ctx, []string{"demo", "-o", out, "--items", "6", "--latency", "20ms", "--task", "100ms"}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("demo exit status %d; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"one after the other", "in parallel", "10. task", "one at a time", "fanout:", "report:"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout.String())
		}
	}
	// As completed means as completed: the tasks' lengths are shuffled.
	var order []string
	for _, m := range regexp.MustCompile(`\d+\. task (\d+):`).FindAllStringSubmatch(stdout.String(), -1) {
		order = append(order, m[1])
	}
	if len(order) != 10 || slices.IsSorted(order) {
		t.Errorf("tasks completed in the order %v, want all ten, not in submission order", order)
	}
	for _, dir := range []string{"sequential", "fanout"} {
		if names := checkNoPartialFiles(t, filepath.Join(out, dir)); len(names) != 6 {
			t.Errorf("%s: %d outputs, want 6", dir, len(names))
		}
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
		t.Error(err)
	}
}

func TestVersion(t *testing.T) {
	var stdout bytes.Buffer
	if code := run(t.Context(), []string{"version"}, nil, &stdout, &stdout); code != 0 {
		t.Fatalf("exit status %d", code)
	}
	for _, line := range []string{"jpeg codec: ", "webp codec: ", "heic, avif codec: ", "avif encoder: "} {
		if !strings.Contains(stdout.String(), "\n"+line) {
			t.Errorf("version output lacks %q:\n%s", line, stdout.String())
		}
	}
}

// TestImagesManyFailures checks the summary of a batch with more failures
// than the recorder keeps without --report: every one is counted, the
// first ones are listed with their causes, and the rest are counted in a
// closing line.
func TestImagesManyFailures(t *testing.T) {
	dir := t.TempDir()
	var list strings.Builder
	const n = report.MaxKeptFailures + 5
	for i := range n {
		fmt.Fprintf(&list, "%s/missing-%d.jpg\n", dir, i)
	}
	listFile := filepath.Join(dir, "list.txt")
	if err := os.WriteFile(listFile, []byte(list.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runFanout(t, "images", "--quiet", "--list", listFile, "-o", filepath.Join(dir, "out"))
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	for _, want := range []string{
		fmt.Sprintf("0 done, %d failed", n),
		"missing-0.jpg: ",
		"  and 5 more (--json lists every item)",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("summary lacks %q:\n%s", want, stderr[max(0, len(stderr)-2000):])
		}
	}
	if got := strings.Count(stderr, "no such file"); got != report.MaxKeptFailures {
		t.Errorf("%d failures listed with their cause, want %d", got, report.MaxKeptFailures)
	}
}

// TestImagesFlagErrors checks the usage errors that say what is wrong: a
// duration without a unit, a report that has no folder to go in (found
// before any work), and counts with suffixes.
func TestImagesFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--timeout", "30"}, `"30" needs a unit, for example 30s`},
		{[]string{"--download-timeout", "soon"}, `"soon" is not a duration`},
		{[]string{"--report", "/no/such/dir/r.html"}, "no folder /no/such/dir"},
		{[]string{"--max-pixels", "lots"}, `"lots" is not a count`},
		{[]string{"--stall-timeout", "0s"}, "--stall-timeout 0s must be positive"},
		{[]string{"--max-bytes", "0"}, "--max-bytes 0 must be positive"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"images", "a.jpg", "-o", t.TempDir()}, tc.args...)
		if code := run(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("images %v: exit %d, %q; want a usage error saying %q", tc.args, code, stderr.String(), tc.want)
		}
	}
	for _, tc := range []struct {
		s      string
		binary bool
		want   int64
	}{
		{"50M", false, 50_000_000}, {"89.5M", false, 89_500_000}, {"1G", true, 1 << 30},
		{"512M", true, 512 << 20}, {"2MB", true, 2_000_000}, {"3Ki", false, 3072}, {"1234", false, 1234},
	} {
		if got, err := parseCount(tc.s, tc.binary); err != nil || got != tc.want {
			t.Errorf("parseCount(%q, %v) = %d, %v; want %d", tc.s, tc.binary, got, err, tc.want)
		}
	}
}

// TestHelpAndVersionAliases: "fanout help images" is "fanout images -h",
// and --version is the version command.
func TestHelpAndVersionAliases(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(t.Context(), []string{"help", "images"}, strings.NewReader(""), &stdout, &stderr); code != exitOK || !strings.Contains(stdout.String()+stderr.String(), "Usage: fanout images") {
		t.Errorf("help images: exit %d, %q", code, stdout.String()+stderr.String())
	}
	stdout.Reset()
	if code := run(t.Context(), []string{"--version"}, strings.NewReader(""), &stdout, &stderr); code != exitOK || !strings.HasPrefix(stdout.String(), "fanout ") {
		t.Errorf("--version: exit %d, %q", code, stdout.String())
	}
}

// TestImagesHelpGrouped checks that "fanout images -h" lists every flag
// once, under its topic.
func TestImagesHelpGrouped(t *testing.T) {
	code, help, _ := runFanout(t, "images", "-h")
	if code != 0 {
		t.Fatalf("exit status %d", code)
	}
	cmd := newCommand("images", "", io.Discard, io.Discard)
	(&imagesFlags{}).register(cmd.fs)
	seen := map[string]int{}
	for _, g := range imagesFlagGroups {
		if !strings.Contains(help, "\n"+g.title+":\n") {
			t.Errorf("help lacks the topic %q", g.title)
		}
		for _, name := range g.names {
			if cmd.fs.Lookup(name) == nil {
				t.Errorf("topic %q names %q, which is no flag", g.title, name)
			}
			seen[name]++
		}
	}
	cmd.fs.VisitAll(func(f *flag.Flag) {
		if seen[f.Name] != 1 {
			t.Errorf("flag --%s is under %d topics, want 1", f.Name, seen[f.Name])
		}
	})
	for _, want := range []string{"\n  --download-timeout duration\n", "\n  -j int\n", "\n  --workers number\n", "\nOperations (--ops"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestImagesSkipExistingAnyOrder is a resumed batch whose sources come in
// another order: two sources named x.jpg keep their own outputs, and
// --skip-existing finds both.
func TestImagesSkipExistingAnyOrder(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a", "x.jpg"), filepath.Join(dir, "b", "x.jpg")
	for p, photo := range map[string]string{a: "kde-fallenleaf.jpg", b: "skimage-chelsea.jpg"} {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, demoPhoto(t, photo), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	if code, _, stderr := runFanout(t, "images", "--ops", "thumbnail=64x64", "-o", out, a, b); code != 0 {
		t.Fatalf("exit status %d:\n%s", code, stderr)
	}
	outputs := map[string][]byte{}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		outputs[e.Name()], _ = os.ReadFile(filepath.Join(out, e.Name()))
	}
	if len(outputs) != 3 || outputs[batch.ClaimsFile] == nil {
		t.Fatalf("outputs %v, want two images and %s", slices.Collect(maps.Keys(outputs)), batch.ClaimsFile)
	}

	code, _, stderr := runFanout(t, "images", "--ops", "thumbnail=64x64", "-o", out, "--skip-existing", b, a)
	if code != 0 || !strings.Contains(stderr, "0 done, 0 failed, 2 skipped") {
		t.Fatalf("resumed in the other order: exit status %d:\n%s", code, stderr)
	}
	// Without --skip-existing, each source overwrites its own output.
	if code, _, stderr := runFanout(t, "images", "--ops", "thumbnail=64x64", "-o", out, b, a); code != 0 {
		t.Fatalf("exit status %d:\n%s", code, stderr)
	}
	for name, data := range outputs {
		if now, _ := os.ReadFile(filepath.Join(out, name)); !bytes.Equal(now, data) {
			t.Errorf("%s changed when the sources came in another order", name)
		}
	}
}

// TestImagesMaxBytes checks that --max-bytes caps a source, local or
// downloaded, and names the cause.
func TestImagesMaxBytes(t *testing.T) {
	photo := demoPhoto(t, "skimage-chelsea.jpg")
	local := filepath.Join(t.TempDir(), "big.jpg")
	if err := os.WriteFile(local, photo, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := imageServer(t, map[string][]byte{"/big.jpg": photo}, 0)
	limit := len(photo) - 1
	code, _, stderr := runFanout(t, "images", "-o", t.TempDir(), "--max-bytes", fmt.Sprint(limit), local, srv.URL+"/big.jpg")
	if code != exitFailed || strings.Count(stderr, fmt.Sprintf("source too large: %d bytes exceeds the limit of %d bytes", len(photo), limit)) != 2 {
		t.Errorf("exit status %d, want both sources refused as too large:\n%s", code, stderr)
	}
}
