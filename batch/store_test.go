package batch_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/batch"
	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/internal/atomicfile"
	"github.com/fanout-dev/fanout/internal/s3test"
	"github.com/fanout-dev/fanout/report"
	"github.com/fanout-dev/fanout/store"
)

// testStoreOutput runs a batch of URLs into the store location url, as
// bytes and as references, and checks every output is there, whole, and
// that a second run with SkipExisting skips them all, asking the store.
func testStoreOutput(t *testing.T, url string) {
	photo := readTestdata(t, "imgproc/skimage-chelsea.jpg")
	var gets atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		if r.URL.Path == "/missing.jpg" {
			http.NotFound(w, r)
			return
		}
		w.Write(photo)
	}))
	defer srv.Close()
	loc, err := store.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Open(t.Context(), loc)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	for _, refs := range []bool{false, true} {
		sub := "bytes"
		if refs {
			sub = "refs"
		}
		srcs := []string{srv.URL + "/" + sub + "/a.jpg", srv.URL + "/" + sub + "/b.jpg", srv.URL + "/missing.jpg"}
		name := sub + "-{name}"
		cfg := batch.Config{Out: b, Refs: refs, Name: name, Ops: mustOps("resize=100x"), Report: batch.ReportConfig{Full: true}}
		rep, err := batch.Run(t.Context(), cfg, sourcesOf(srcs...))
		if err != nil {
			t.Fatal(err)
		}
		if s := rep.Summary; s.OK != 2 || s.Failed != 1 {
			t.Errorf("refs %v: %d done, %d failed, want 2 and 1: %+v", refs, s.OK, s.Failed, rep.Items)
		}
		for _, it := range rep.Items {
			switch {
			case strings.HasSuffix(it.Input, "missing.jpg"):
				if !strings.Contains(it.Error, "404") {
					t.Errorf("refs %v: missing.jpg failed with %q, want a 404", refs, it.Error)
				}
			case it.Status != report.StatusOK:
				t.Errorf("refs %v: %s: %s %s", refs, it.Input, it.Status, it.Error)
			default:
				if want := loc.URL(sub + "-" + filepath.Base(it.Input)); it.Output != want || it.BytesIn != int64(len(photo)) || it.BytesOut == 0 {
					t.Errorf("refs %v: output %s, %d bytes in, %d out; want %s, %d in", refs, it.Output, it.BytesIn, it.BytesOut, want, len(photo))
				}
			}
		}
		for _, key := range []string{sub + "-a.jpg", sub + "-b.jpg"} {
			data, err := b.Read(t.Context(), key, 0)
			if err != nil {
				t.Fatal(err)
			}
			pic, err := imgproc.Decode(data, nil)
			if err != nil || pic.Width != 100 {
				t.Errorf("refs %v: %s: %v, width %v; want a whole 100 px wide image", refs, key, err, pic)
			}
		}

		before := gets.Load()
		cfg.SkipExisting = true
		rep, err = batch.Run(t.Context(), cfg, sourcesOf(srcs[:2]...))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Summary.Skipped != 2 || gets.Load() != before {
			t.Errorf("refs %v, SkipExisting: %d skipped, %d downloads; want 2 and none", refs, rep.Summary.Skipped, gets.Load()-before)
		}
	}
}

func TestRunStoreFile(t *testing.T) {
	testStoreOutput(t, "file://"+filepath.ToSlash(t.TempDir())+"/out")
}

func TestRunStoreS3(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an S3 server")
	}
	s := s3test.Start(t, "photos")
	s.Setenv(t)
	testStoreOutput(t, s.URL("photos/out"))
}

// TestRunStoreFileTemp: temporary files that writes killed outright left
// in a file:// output, at its top and in a sub-folder the batch writes in,
// are never taken for outputs (SkipExisting does not skip their sources)
// and are removed when stale; a recent one, perhaps another run's write in
// progress, stays.
func TestRunStoreFileTemp(t *testing.T) {
	root, dir := t.TempDir(), t.TempDir()
	jpg := readTestdata(t, "imgproc/skimage-chelsea.jpg")
	var srcs []string
	for _, p := range []string{"x.jpg", "a/y.jpg"} {
		full := filepath.Join(root, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, jpg, 0o644); err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, full)
	}
	// What a write cut short leaves: atomicfile's temporary file of the
	// output, never committed.
	cut := func(out string, age time.Duration) string {
		p := filepath.Join(dir, filepath.FromSlash(out))
		os.MkdirAll(filepath.Dir(p), 0o755)
		f, err := atomicfile.Create(p, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Write(jpg[:len(jpg)/2])
		entries, _ := os.ReadDir(filepath.Dir(p))
		for _, e := range entries {
			if tmp := filepath.Join(filepath.Dir(p), e.Name()); atomicfile.IsTemp(e.Name()) && strings.HasPrefix(e.Name(), "."+filepath.Base(p)) {
				old := time.Now().Add(-age)
				os.Chtimes(tmp, old, old)
				return tmp
			}
		}
		t.Fatalf("no temporary file for %s", out)
		return ""
	}
	stale := []string{cut("processed_x.jpg", 2*time.Minute), cut("a/processed_y.jpg", 2*time.Minute)}
	fresh := cut("processed_z.jpg", 0)

	loc, err := store.Parse("file://" + filepath.ToSlash(dir))
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Open(t.Context(), loc)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	cfg := batch.Config{Out: b, Roots: []string{root}, SkipExisting: true, Ops: mustOps("resize=50x")}
	rep, err := batch.Run(t.Context(), cfg, sourcesOf(srcs...))
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Summary; s.OK != 2 || s.Skipped != 0 {
		t.Errorf("%d done, %d skipped; want both done: a temporary file is not an output", s.OK, s.Skipped)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale temporary file %s: %v, want it removed", p, err)
		}
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("recent temporary file: %v, want it kept", err)
	}
	for _, out := range []string{"processed_x.jpg", "a/processed_y.jpg"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(out))); err != nil {
			t.Errorf("output %s: %v", out, err)
		}
	}
}
