package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/internal/s3test"
)

// procIO returns the bytes a process has read and written through system
// calls so far (rchar + wchar of /proc/PID/io): its network traffic,
// pipes and files. ok is false when the process is gone.
func procIO(pid int) (n int64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ": ")
		if k == "rchar" || k == "wchar" {
			x, _ := strconv.ParseInt(v, 10, 64)
			n += x
		}
	}
	return n, true
}

// runMeasured runs fanout with args and returns its exit status, stderr and
// the bytes it read and wrote (procIO, sampled until it exits).
func runMeasured(t *testing.T, args ...string) (int, string, int64) {
	t.Helper()
	cmd := fanoutCmd(t, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var last int64
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		for {
			if n, ok := procIO(cmd.Process.Pid); ok && n > last {
				last = n
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	})
	cmd.Wait()
	close(done)
	wg.Wait()
	return cmd.ProcessState.ExitCode(), stderr.String(), last
}

// TestImagesClusterReferences runs one batch of URLs on a cluster of two
// worker processes three ways: into a local folder (the images travel
// through the submitter), into an S3 bucket (versitygw) and into a
// file:// folder (references: the workers download and write themselves).
// Every output is whole, and the submitter's own I/O per image is measured:
// in reference mode it carries no image.
func TestImagesClusterReferences(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS server, an S3 server and five processes")
	}
	if _, ok := procIO(os.Getpid()); !ok {
		t.Skip("needs /proc/PID/io to measure the submitter's I/O")
	}
	s3 := s3test.Start(t, "photos")
	s3.Setenv(t) // for the submitter and the workers, children of this test
	srv := newCmdTestServer(t)
	url, token := srv.ClientURL(), "right-token"

	photos := []string{"kde-fallenleaf.jpg", "skimage-coffee.jpg", "kde-coldripple.jpg", "skimage-chelsea.jpg"}
	const n = 16
	files := map[string][]byte{}
	var srcs []string
	var in int64
	for i := range n {
		p := fmt.Sprintf("/p/photo-%02d.jpg", i)
		files[p] = demoPhoto(t, photos[i%len(photos)])
		in += int64(len(files[p]))
		srcs = append(srcs, p)
	}
	web := imageServer(t, files, 0)
	startWorker(t, url, token)
	startWorker(t, url, token)

	shared := t.TempDir()
	local := t.TempDir()
	runs := []struct {
		name, out string
		dir       string // where the outputs land on disk
	}{
		{"bytes, local folder", local, local},
		{"references, s3://", s3.URL("photos/out"), filepath.Join(s3.Dir, "photos", "out")},
		{"references, file://", "file://" + filepath.ToSlash(shared), shared},
	}
	// The submitter's I/O per image is the difference between a batch of
	// n images and one of a single image, over n-1: what it costs to start
	// (loading libraries, connecting) is the same in both.
	per := map[string]float64{}
	for _, run := range runs {
		measure := func(srcs []string) (int64, string) {
			args := []string{"images", "--nats", url, "--token", token, "--ack-wait", "2s", "--quiet",
				"--ops", "resize=800x", "-o", run.out}
			for _, s := range srcs {
				args = append(args, web.URL+s)
			}
			code, stderr, io := runMeasured(t, args...)
			if code != 0 || !strings.Contains(stderr, fmt.Sprintf("%d done, 0 failed", len(srcs))) {
				t.Fatalf("%s: exit status %d, want every image done:\n%s", run.name, code, stderr)
			}
			return io, stderr
		}
		one, _ := measure(srcs[:1])
		all, _ := measure(srcs)
		names := checkNoPartialFiles(t, run.dir)
		if len(names) != n {
			t.Errorf("%s: %d outputs, want %d: %v", run.name, len(names), n, names)
		}
		for _, name := range names {
			data, _ := os.ReadFile(filepath.Join(run.dir, name))
			if pic, err := imgproc.Decode(data, nil); err != nil || pic.Width != 800 {
				t.Errorf("%s: %s is not an 800 px wide image: %v", run.name, name, err)
			}
		}
		per[run.name] = float64(all-one) / (n - 1)
		t.Logf("%s: the submitter read and wrote %d bytes for 1 image, %d for %d: %.0f per image (the images average %d bytes)",
			run.name, one, all, n, per[run.name], in/n)
	}
	if b := per["bytes, local folder"]; b < float64(in/n) {
		t.Errorf("bytes through the submitter per image in byte mode: %.0f, want at least the image (%d)", b, in/n)
	}
	for _, name := range []string{"references, s3://", "references, file://"} {
		if per[name] > 2048 {
			t.Errorf("%s: %.0f bytes through the submitter per image, want at most 2 KB", name, per[name])
		}
	}

	// A prefix of the bucket as a folder source, by reference: the workers
	// read the objects and write each below the output in its sub-folder.
	for _, k := range []string{"tree/a.jpg", "tree/2024/06/b.jpg"} {
		p := filepath.Join(s3.Dir, "photos", filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, files[srcs[0]], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tree := t.TempDir()
	if code, stderr, _ := runMeasured(t, "images", "--nats", url, "--token", token, "--quiet", "--ops", "resize=800x",
		"-o", "file://"+filepath.ToSlash(tree), s3.URL("photos/tree")); code != 0 || !strings.Contains(stderr, "2 done, 0 failed") {
		t.Errorf("a prefix by reference: exit status %d, want both done:\n%s", code, stderr)
	}
	if got := strings.Join(checkNoPartialFiles(t, tree), " "); got != "2024/06/processed_b.jpg processed_a.jpg" {
		t.Errorf("a prefix by reference: outputs %s, want the prefix's folders kept", got)
	}

	// --skip-existing asks the store: nothing is sent again.
	args := []string{"images", "--nats", url, "--token", token, "--quiet", "--skip-existing", "--ops", "resize=800x", "-o", s3.URL("photos/out")}
	for _, s := range srcs {
		args = append(args, web.URL+s)
	}
	if code, stderr, _ := runMeasured(t, args...); code != 0 || !strings.Contains(stderr, fmt.Sprintf("0 done, 0 failed, %d skipped", n)) {
		t.Errorf("--skip-existing into s3: exit status %d, want every image skipped:\n%s", code, stderr)
	}
}

// TestImagesObjectSources reads sources from an S3 bucket in a local run:
// a prefix as a folder of images (its sub-folders kept in the output), one
// object by its key, and a key that names nothing, which fails alone with
// its cause.
func TestImagesObjectSources(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an S3 server")
	}
	s3 := s3test.Start(t, "photos")
	s3.Setenv(t)
	for name, data := range map[string][]byte{
		"in/a.jpg": demoPhoto(t, "skimage-chelsea.jpg"), "in/sub/b.jpg": demoPhoto(t, "skimage-coffee.jpg"),
		"in/notes.txt": []byte("not an image"), "c.jpg": demoPhoto(t, "kde-coldripple.jpg"),
	} {
		p := filepath.Join(s3.Dir, "photos", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	code, _, stderr := runFanout(t, "images", "--ops", "resize=100x", "-o", out,
		s3.URL("photos/in"), s3.URL("photos/c.jpg"), s3.URL("photos/nothing"))
	if code != exitFailed || !strings.Contains(stderr, "3 done, 1 failed") || !strings.Contains(stderr, "no such object, and no images below it") {
		t.Errorf("exit status %d, want 3 done and the missing key failed with its cause:\n%s", code, stderr)
	}
	names := checkNoPartialFiles(t, out)
	// The prefix's sub-folder is kept, as a local folder's would be.
	if got := strings.Join(names, " "); got != "processed_a.jpg processed_c.jpg sub/processed_b.jpg" {
		t.Errorf("outputs %s", got)
	}
}

// TestImagesClusterReferenceFetch checks that a worker fetches the
// source of a reference job with the submitter's download settings
// (--retries, --stall-timeout, --download-timeout, --max-bytes), its own
// --max-bytes staying the upper bound, and that a fetch that used up the
// submitter's retries fails for good instead of going round the cluster.
func TestImagesClusterReferenceFetch(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS server and worker processes")
	}
	srv := newCmdTestServer(t)
	url, token := srv.ClientURL(), "right-token"
	small, large := demoPhoto(t, "kde-coldripple.jpg"), demoPhoto(t, "skimage-coffee.jpg") // 11 KB, 25 KB
	var mu sync.Mutex
	gets := map[string]int{}
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gets[r.URL.Path]++
		n := gets[r.URL.Path]
		mu.Unlock()
		switch {
		case strings.HasPrefix(r.URL.Path, "/flaky/") && n <= 2: // the first two requests fail
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case r.URL.Path == "/stall.jpg": // 100 bytes, then nothing
			w.Write(small[:100])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case r.URL.Path == "/hang.jpg": // no response at all
			<-r.Context().Done()
		case r.URL.Path == "/large.jpg":
			w.Write(large)
		default:
			w.Write(small)
		}
	}))
	t.Cleanup(web.Close)
	startWorker(t, url, token, "--max-bytes", "16K", "--memory-limit", "0")
	out := "file://" + filepath.ToSlash(t.TempDir())

	tests := []struct {
		name, path string
		flags      []string
		ok         bool
		want       string // in the failure's message
		gets       int    // requests the source gets
	}{
		{"no retry", "/flaky/a.jpg", []string{"--retries", "0"}, false, "503", 1},
		{"two retries", "/flaky/b.jpg", []string{"--retries", "2"}, true, "", 3},
		{"stall timeout", "/stall.jpg", []string{"--retries", "0", "--stall-timeout", "300ms"}, false, "stalled", 1},
		{"download timeout", "/hang.jpg", []string{"--retries", "0", "--download-timeout", "500ms"}, false, "no result within 500ms", 1},
		{"submitter's size cap", "/small.jpg", []string{"--max-bytes", "8K"}, false, "limit of 8192 bytes", 1},
		{"worker's size cap", "/large.jpg", []string{"--max-bytes", "64M"}, false, "limit of 16384 bytes", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"images", "--nats", url, "--token", token, "--quiet", "--ops", "resize=100x", "-o", out,
				web.URL + tc.path}, tc.flags...)
			start := time.Now()
			code, _, stderr := runFanout(t, args...)
			elapsed := time.Since(start)
			if tc.ok {
				if code != exitOK || !strings.Contains(stderr, "1 done, 0 failed") {
					t.Errorf("exit status %d, want the image done:\n%s", code, stderr)
				}
			} else if code != exitFailed || !strings.Contains(stderr, "0 done, 1 failed") || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit status %d, want the image failed with %q:\n%s", code, tc.want, stderr)
			}
			// A worker's own settings would have taken 30 s to find the
			// stall, and made 4 requests.
			if elapsed > 15*time.Second {
				t.Errorf("took %v", elapsed)
			}
			mu.Lock()
			defer mu.Unlock()
			if got := gets[tc.path]; got != tc.gets {
				t.Errorf("%s got %d requests, want %d", tc.path, got, tc.gets)
			}
		})
	}
}
