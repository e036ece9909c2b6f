// Package chromiumtest runs headless Chromium for tests that check what a
// browser shows: it finds the binary (skipping the test, with what to
// install, when there is none) and runs it off the network.
package chromiumtest

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Binary returns the path of a Chromium binary, or skips the test saying
// what to install.
func Binary(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "/usr/bin/chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("headless Chromium is needed: no chromium, chromium-browser or google-chrome on PATH (Debian: apt-get install chromium)")
	return ""
}

// Run runs headless Chromium bin with args after the flags that keep it off
// the network, quiet and in a fresh profile, and returns its standard
// output. A failure or a run over 90 seconds fails the test with the tail
// of Chromium's standard error.
func Run(t testing.TB, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tail := stderr.Bytes()
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, tail)
	}
	return stdout.Bytes()
}
