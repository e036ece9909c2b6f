package main

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// startWorker starts "fanout worker" as a child process and waits until it
// serves.
func startWorker(t *testing.T, url, token string, flags ...string) *exec.Cmd {
	t.Helper()
	cmd, _ := startWorkerLog(t, url, token, flags...)
	return cmd
}

// workerLog is what a worker process has written on stderr so far.
type workerLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *workerLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *workerLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startWorkerLog is startWorker that also keeps what the worker logs.
func startWorkerLog(t *testing.T, url, token string, flags ...string) (*exec.Cmd, *workerLog) {
	t.Helper()
	cmd := fanoutCmd(t, append([]string{"worker", "--nats", url, "--token", token, "--workers", "1", "--ack-wait", "2s"}, flags...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	log := new(workerLog)
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		log.Write([]byte(sc.Text() + "\n"))
		if strings.Contains(sc.Text(), "serving") {
			go io.Copy(log, stderr) // keep the pipe drained; ends when the worker exits
			return cmd, log
		}
	}
	t.Fatalf("worker did not start: %v", sc.Err())
	return nil, nil
}

// TestImagesCluster runs a batch on a cluster of two worker processes and
// kills one of them with SIGKILL mid-batch: every image still arrives once,
// whole, in the output folder, and the broken image is reported.
func TestImagesCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS server and three processes")
	}
	srv := newCmdTestServer(t)
	url, token := srv.ClientURL(), "right-token"

	files := map[string][]byte{"/broken.jpg": readTestdata(t, "imgproc/corrupt-header.jpg")}
	var srcs []string
	photos := []string{"kde-fallenleaf.jpg", "skimage-coffee.jpg", "kde-coldripple.jpg", "skimage-chelsea.jpg"}
	const n = 24
	for i := range n {
		p := fmt.Sprintf("/photo-%02d.jpg", i)
		files[p] = demoPhoto(t, photos[i%len(photos)])
		srcs = append(srcs, p)
	}
	srcs = append(srcs[:n/2], append([]string{"/broken.jpg"}, srcs[n/2:]...)...)
	web := imageServer(t, files, 0)

	a := startWorker(t, url, token)
	startWorker(t, url, token)

	out := t.TempDir()
	// Upscaling makes each image take long enough for the kill to land
	// mid-batch.
	args := []string{"images", "--nats", url, "--token", token, "--ack-wait", "2s",
		"--ops", "resize=2000x,blur=8", "--quality", "60", "-o", out}
	for _, s := range srcs {
		args = append(args, web.URL+s)
	}
	cmd := fanoutCmd(t, args...)
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var all bytes.Buffer
	var wg sync.WaitGroup
	wg.Go(func() {
		sc := bufio.NewScanner(stderrPipe)
		done := 0
		for sc.Scan() {
			all.WriteString(sc.Text() + "\n")
			if strings.HasPrefix(sc.Text(), "ok ") {
				if done++; done == 4 {
					a.Process.Signal(syscall.SIGKILL)
				}
			}
		}
	})
	wg.Wait()
	err = cmd.Wait()
	stderr := all.String()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit status %d (%v), want 1 (one broken image); stderr:\n%s", code, err, stderr)
	}
	if !strings.Contains(stderr, fmt.Sprintf("%d done, 1 failed", n)) || !strings.Contains(stderr, "broken.jpg: ") {
		t.Errorf("summary wrong:\n%s", stderr)
	}
	names := checkNoPartialFiles(t, out)
	if len(names) != n {
		t.Errorf("%d outputs, want %d: %v", len(names), n, names)
	}
	for _, name := range names {
		if !strings.HasPrefix(name, "processed_photo-") {
			t.Errorf("unexpected output %s (a duplicate?)", name)
		}
	}
	if a.ProcessState == nil {
		a.Wait()
	}
	if ws, ok := a.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Errorf("worker A was not killed mid-batch: %v", a.ProcessState)
	}
}

// TestImagesClusterWrongToken checks that a submitter with a wrong token is
// refused and says so, without printing the token.
func TestImagesClusterWrongToken(t *testing.T) {
	srv := newCmdTestServer(t)
	code, _, stderr := runFanout(t, "images", "--nats", srv.ClientURL(), "--token", "wrong-secret", "a.jpg")
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if !strings.Contains(strings.ToLower(stderr), "authorization") {
		t.Errorf("stderr does not say the token was refused:\n%s", stderr)
	}
	if strings.Contains(stderr, "wrong-secret") {
		t.Errorf("stderr prints the secret:\n%s", stderr)
	}
}

// TestWorkerLimits checks that a worker holds every job to its own limits
// on the bytes a job brings and makes, whatever the submitter allows: the
// job fails permanently with the limit named, and the worker serves on.
func TestWorkerLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS server and two processes")
	}
	srv := newCmdTestServer(t)
	url, token := srv.ClientURL(), "right-token"
	small, big := demoPhoto(t, "skimage-chelsea.jpg"), demoPhoto(t, "kde-fallenleaf.jpg")
	if len(small) > len(big) {
		small, big = big, small
	}
	if len(small) == len(big) {
		t.Fatal("the two photos have the same size")
	}
	web := imageServer(t, map[string][]byte{"/small.jpg": small, "/big.jpg": big}, 0)
	startWorker(t, url, token, "--max-bytes", fmt.Sprint(len(small)), "--max-output", "4M")

	code, _, stderr := runFanout(t, "images", "--nats", url, "--token", token, "-o", t.TempDir(),
		"--ops", "blur=2", web.URL+"/big.jpg", web.URL+"/small.jpg")
	want := fmt.Sprintf("input of %d bytes: over the worker's limit of %d bytes", len(big), len(small))
	if code != exitFailed || !strings.Contains(stderr, "1 done, 1 failed") || !strings.Contains(stderr, want) {
		t.Errorf("exit status %d, want the big image refused by the worker (%q) and the small one done:\n%s", code, want, stderr)
	}
}

// TestWorkerMemoryLimit checks that a worker runs each task in a child
// process held to --memory-limit: a job that needs more (a 36-megapixel
// image blurred, under 200 MB) fails permanently, naming the limit, and
// the same worker then does the next job.
func TestWorkerMemoryLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS server and three processes")
	}
	srv := newCmdTestServer(t)
	url, token := srv.ClientURL(), "right-token"
	big := image.NewNRGBA(image.Rect(0, 0, 6000, 6000)) // 144 MB decoded, translucent
	for i := 3; i < len(big.Pix); i += 4 {
		big.Pix[i] = 128
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, big); err != nil {
		t.Fatal(err)
	}
	web := imageServer(t, map[string][]byte{"/big.png": buf.Bytes(), "/small.jpg": demoPhoto(t, "skimage-chelsea.jpg")}, 0)
	startWorker(t, url, token, "--memory-limit", "200M")

	code, _, stderr := runFanout(t, "images", "--nats", url, "--token", token, "-o", t.TempDir(), "--workers", "1",
		"--ops", "blur=2", "--format", "png", web.URL+"/big.png", web.URL+"/small.jpg")
	if code != exitFailed || !strings.Contains(stderr, "1 done, 1 failed") || !strings.Contains(stderr, "memory limit of 209715200 bytes") {
		t.Errorf("exit status %d, want the big image failed at the worker's memory limit and the small one done:\n%s", code, stderr)
	}
	t.Log(stderr)
}
