package batch_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/fanout-dev/fanout/batch"
)

// TestRunStopsOnFullDisk writes into a real 96 KiB file system (a tmpfs,
// which needs root to mount): once it is full the batch stops, Run says
// why with its report, far fewer items than the batch has are fetched and
// processed, and no partial file is left.
func TestRunStopsOnFullDisk(t *testing.T) {
	out := t.TempDir()
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", out).Run(); err != nil {
		t.Skipf("mounting a small tmpfs needs root (mount -t tmpfs): %v", err)
	}
	t.Cleanup(func() { exec.Command("umount", out).Run() })
	photo := readTestdata(t, "imgproc/skimage-chelsea.jpg") // about 46 KB out at quality 90
	in := t.TempDir()
	var srcs []string
	for i := range 200 {
		p := filepath.Join(in, "p"+string(rune('a'+i%26))+string(rune('a'+i/26))+".jpg")
		if err := os.WriteFile(p, photo, 0o644); err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, p)
	}
	rep, err := batch.Run(t.Context(), batch.Config{
		OutDir: out, Quality: 90, Workers: 1, Downloads: 2,
		Report: batch.ReportConfig{Full: true},
	}, sourcesOf(srcs...))
	if !errors.Is(err, batch.ErrOutputFull) || rep == nil {
		t.Fatalf("Run on a full disk = %v, %v; want its report and ErrOutputFull", rep != nil, err)
	}
	if s := rep.Summary; s.OK < 1 || s.OK+s.Failed+s.Unfinished > 20 {
		t.Errorf("%d done, %d failed, %d unfinished of 200: want a few done, then a stop", s.OK, s.Failed, s.Unfinished)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if fi, _ := e.Info(); fi == nil || fi.Size() == 0 || filepath.Ext(e.Name()) != ".jpg" {
			t.Errorf("left %s in the output folder", e.Name())
		}
	}
	t.Logf("%v; %d outputs", err, len(entries))
}
