package main

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// scrape returns the metrics served at http://addr/metrics.
func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s, %v", resp.Status, err)
	}
	return string(body)
}

// TestMetrics runs a batch on a server and a worker that both serve
// Prometheus metrics, and reads them.
func TestMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and two processes")
	}
	const token = "metrics-token"
	serverMetrics, workerMetrics := fmt.Sprintf("127.0.0.1:%d", freePort(t)), fmt.Sprintf("127.0.0.1:%d", freePort(t))
	srv := startServerArgs(t, "--listen", "127.0.0.1:0", "--store", t.TempDir(), "--log", "off", "--token", token,
		"--metrics", serverMetrics, "--http", "127.0.0.1:0")
	out := strings.Join(srv.lines, "\n")
	if !strings.Contains(out, "Prometheus metrics on http://"+serverMetrics) || !strings.Contains(out, "monitoring on http://127.0.0.1:") {
		t.Errorf("server does not say where its metrics and monitoring are:\n%s", out)
	}
	if m := regexp.MustCompile(`monitoring on http://(\S+)/ `).FindStringSubmatch(out); m != nil {
		resp, err := http.Get("http://" + m[1] + "/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("GET /healthz of the monitoring endpoint: %v, %v", resp, err)
		} else {
			resp.Body.Close()
		}
	}
	url := strings.Fields(srv.lines[len(srv.lines)-1])[4]
	startWorker(t, url, token, "--metrics", workerMetrics)
	web := imageServer(t, map[string][]byte{"/a.jpg": demoPhoto(t, "skimage-chelsea.jpg")}, 0)
	if code, _, stderr := runFanout(t, "images", "--nats", url, "--token", token, "--ack-wait", "2s", "-o", t.TempDir(), "--blur", "2", web.URL+"/a.jpg"); code != exitOK {
		t.Fatalf("batch: exit status %d:\n%s", code, stderr)
	}
	w := scrape(t, workerMetrics)
	for _, want := range []string{"fanout_worker_concurrency 1", "fanout_worker_tasks_done_total 1", "fanout_worker_tasks_running 0",
		"fanout_worker_nats_connected 1", "go_goroutines "} {
		if !strings.Contains(w, want) {
			t.Errorf("worker metrics lack %q", want)
		}
	}
	// The worker announces itself every 5 s; the server reads the bucket.
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := scrape(t, serverMetrics)
		ok := true
		for _, want := range []string{`fanout_workers{server_name="`, `fanout_tasks_queued{server_name="`, `gnatsd_varz_connections{server_name="`,
			`jetstream_server_total_storage_bytes{server_name="`} {
			if !strings.Contains(s, want) {
				ok = false
				if time.Now().After(deadline) {
					t.Errorf("server metrics lack %q:\n%s", want, s)
				}
			}
		}
		if ok || time.Now().After(deadline) {
			if ok && !regexp.MustCompile(`(?m)^fanout_workers\{server_name="[^"]+"\} 1$`).MatchString(s) {
				t.Errorf("server metrics show no worker:\n%s", s)
			}
			break
		}
		time.Sleep(200 * time.Millisecond) // the worker's first announcement races the first scrape
	}
}
