package main

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestImagesProgressBarOnTerminal runs the binary with its stderr on a
// pseudo-terminal: it must draw the live bar (done, failed, in flight,
// throughput, time left) instead of a line per item, then print the
// summary.
func TestImagesProgressBarOnTerminal(t *testing.T) {
	files := map[string][]byte{}
	for i := range 12 {
		files[fmt.Sprintf("/img-%02d.jpg", i)] = demoPhoto(t, "skimage-chelsea.jpg")
	}
	srv := imageServer(t, files, 150*time.Millisecond) // files is read-only from here
	out := t.TempDir()
	args := []string{"images", "--blur", "2", "-o", out, "--downloads", "2"}
	for i := range 12 {
		args = append(args, srv.URL+fmt.Sprintf("/img-%02d.jpg", i))
	}
	args = append(args, srv.URL+"/missing")

	cmd := fanoutCmd(t, args...)
	tty, err := pty.StartWithAttrs(cmd, &pty.Winsize{Rows: 24, Cols: 120}, nil)
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer tty.Close()
	var screen bytes.Buffer
	copied := make(chan struct{})
	go func() {
		io.Copy(&screen, tty) // ends with EIO once the child has exited
		close(copied)
	}()
	werr := cmd.Wait()
	select {
	case <-copied:
	case <-time.After(10 * time.Second):
		t.Fatal("terminal output did not end")
	}
	s := screen.String()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit status %d (%v), want 1 for the missing image; terminal:\n%q", code, werr, s)
	}
	// 13 items two at a time behind 150 ms take about a second: the bar is
	// redrawn on the way, with the counts as they stand.
	for _, re := range []string{
		`done \d+ failed [01] in flight \d+ of 13`,
		`\d+% \|█+ +\|`,                // the bar itself
		`img/s`,                        // throughput
		`\[\d+s:\d+s\]`,                // elapsed and time left
		`12 done, 1 failed, 0 skipped`, // the summary, after the bar
	} {
		if !regexp.MustCompile(re).MatchString(s) {
			t.Errorf("terminal output lacks %s:\n%q", re, s)
		}
	}
	if strings.Contains(s, "ok  ") {
		t.Errorf("terminal output has per-item lines, want the bar instead:\n%q", s)
	}
	if names := checkNoPartialFiles(t, out); len(names) != 12 {
		t.Errorf("outputs %v, want 12", names)
	}
}
