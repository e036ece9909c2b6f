package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/imgproc"
)

// fetchCounter serves files slowly and counts the requests for each, so
// that a test knows how many times a reference job ran (each run fetches
// its source once).
type fetchCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *fetchCounter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := 0
	for _, v := range c.n {
		t += v
	}
	return t
}

func (c *fetchCounter) serve(t *testing.T, files map[string][]byte, latency time.Duration) *httptest.Server {
	c.n = make(map[string]int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.n[r.URL.Path]++
		c.mu.Unlock()
		time.Sleep(latency)
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

// countOutputs returns the number of finished outputs in dir.
func countOutputs(dir string) int {
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			n++
		}
	}
	return n
}

// TestImagesJobSurvivesSubmitter kills a job's submitter with SIGKILL
// mid-batch and runs the same command again: every output is there and
// whole, and the tasks ran at most once each plus those running at the
// kill. A second job is detached, followed with fanout status and
// collected later without running anything again.
func TestImagesJobSurvivesSubmitter(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS server and five processes")
	}
	srv := newCmdTestServer(t)
	url, token := srv.ClientURL(), "right-token"
	photos := []string{"kde-fallenleaf.jpg", "skimage-coffee.jpg", "kde-coldripple.jpg", "skimage-chelsea.jpg"}
	const n = 24
	files := map[string][]byte{}
	for i := range n {
		files[fmt.Sprintf("/p/photo-%02d.jpg", i)] = demoPhoto(t, photos[i%len(photos)])
	}
	var fetches fetchCounter
	web := fetches.serve(t, files, 100*time.Millisecond)
	const workers = 2 // each worker runs one task at a time
	startWorker(t, url, token)
	startWorker(t, url, token)

	args := func(job, out string, more ...string) []string {
		a := append([]string{"images", "--nats", url, "--token", token, "--quiet", "--job", job,
			"--ops", "resize=200x", "-o", "file://" + filepath.ToSlash(out)}, more...)
		for i := range n {
			a = append(a, fmt.Sprintf("%s/p/photo-%02d.jpg", web.URL, i))
		}
		return a
	}
	checkOutputs := func(dir string) {
		t.Helper()
		names := checkNoPartialFiles(t, dir)
		if len(names) != n {
			t.Errorf("%d outputs, want %d", len(names), n)
		}
		for _, name := range names {
			data, _ := os.ReadFile(filepath.Join(dir, name))
			if pic, err := imgproc.Decode(data, nil); err != nil || pic.Width != 200 {
				t.Errorf("%s is not a 200 px wide image: %v", name, err)
			}
		}
	}

	// The submitter is killed once a quarter of the outputs are written.
	out := t.TempDir()
	sub := fanoutCmd(t, args("kill-test", out)...)
	if err := sub.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for countOutputs(out) < n/4 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := sub.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	sub.Wait()
	atKill := fetches.total()
	t.Logf("killed the submitter with %d outputs written and %d tasks started", countOutputs(out), atKill)
	if atKill >= n {
		t.Fatalf("every task had started before the kill (%d): the test proves nothing; slow the source down", atKill)
	}

	code, _, stderr := runFanout(t, args("kill-test", out)...)
	if code != exitOK || !strings.Contains(stderr, fmt.Sprintf("%d done, 0 failed", n)) {
		t.Fatalf("the same command after the kill: exit status %d, want every image done:\n%s", code, stderr)
	}
	checkOutputs(out)
	if runs := fetches.total(); runs > n+workers {
		t.Errorf("%d task runs for %d images, want at most %d (each once, plus those running at the kill)", runs, n, n+workers)
	} else {
		t.Logf("%d task runs for %d images", runs, n)
	}
	code, stdout, stderr := runFanout(t, "status", "--nats", url, "--token", token, "kill-test")
	if code != exitOK || !strings.Contains(stdout, "finished") || !strings.Contains(stdout, fmt.Sprintf("%d queued, %d done (%d ok, 0 failed), 0 pending", n, n, n)) {
		t.Errorf("fanout status kill-test: exit status %d:\n%s%s", code, stdout, stderr)
	}

	// A detached job: queued at once, followed, then collected.
	before := fetches.total()
	out2 := t.TempDir()
	code, _, stderr = runFanout(t, args("detached", out2, "--detach")...)
	if code != exitOK || !strings.Contains(stderr, fmt.Sprintf("%d queued on the cluster", n)) || !strings.Contains(stderr, "fanout status") {
		t.Fatalf("--detach: exit status %d, want every image queued and a hint:\n%s", code, stderr)
	}
	deadline = time.Now().Add(60 * time.Second)
	for {
		_, stdout, _ = runFanout(t, "status", "--nats", url, "--token", token, "detached")
		if strings.Contains(stdout, "finished") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the detached job did not finish:\n%s", stdout)
		}
		time.Sleep(200 * time.Millisecond)
	}
	checkOutputs(out2)
	code, _, stderr = runFanout(t, args("detached", out2)...)
	if code != exitOK || !strings.Contains(stderr, fmt.Sprintf("%d done, 0 failed", n)) {
		t.Fatalf("collecting the detached job: exit status %d:\n%s", code, stderr)
	}
	if runs := fetches.total() - before; runs != n {
		t.Errorf("the detached job ran %d tasks for %d images, want each once (collecting runs nothing)", runs, n)
	}
	if !bytes.Contains([]byte(stdout), []byte(fmt.Sprintf("%d queued, %d done", n, n))) {
		t.Errorf("status of the detached job:\n%s", stdout)
	}
}
