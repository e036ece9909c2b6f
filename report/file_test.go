package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fanout-dev/fanout/report"
)

func TestWriteFile(t *testing.T) {
	r, _ := simulate(t, simConfig{items: 20, workers: 2, downloads: 3, seed: 10})
	dir := t.TempDir()
	tests := []struct {
		name, file, wantPrefix string
	}{
		{"html", "batch.html", "<!DOCTYPE html>"},
		{"json by extension", "batch.JSON", `{"version":1,`},
		{"any other extension is html", "batch.report", "<!DOCTYPE html>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := filepath.Join(dir, tc.file)
			if err := report.WriteFile(name, r); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte(tc.wantPrefix)) {
				t.Errorf("%s starts %.40q, want %q", tc.file, b, tc.wantPrefix)
			}
			if fi, err := os.Stat(name); err != nil || fi.Mode().Perm() != 0o644 {
				t.Errorf("%s: mode %v, %v; want 0644", tc.file, fi.Mode(), err)
			}
		})
	}
	got, err := os.Open(filepath.Join(dir, "batch.JSON"))
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	back, err := report.ReadJSON(got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, back); diff != "" {
		t.Errorf("ReadJSON of WriteFile's JSON (-want +got):\n%s", diff)
	}

	// Failures leave the old file as it was and no temporary file behind.
	keep := filepath.Join(dir, "batch.html")
	old, _ := os.ReadFile(keep)
	bad := *r
	bad.Items = append([]report.Item(nil), r.Items...)
	bad.Items[0].Worker = 99
	if err := report.WriteFile(keep, &bad); err == nil || !strings.Contains(err.Error(), "worker lane 99") {
		t.Errorf("WriteFile of an invalid report: %v, want the validation error", err)
	}
	if err := report.WriteFile(filepath.Join(dir, "no such dir", "x.html"), r); err == nil || !strings.Contains(err.Error(), "no such dir") {
		t.Errorf("WriteFile into a missing directory: %v, want an error naming the path", err)
	}
	if now, _ := os.ReadFile(keep); !bytes.Equal(now, old) {
		t.Error("a failed WriteFile changed the existing file")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}
