package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/atomicfile"
	"github.com/fanout-dev/fanout/internal/s3test"
	"github.com/fanout-dev/fanout/store"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, scheme, bucket, prefix, str string
	}{
		{"file:///shared/out", "file", "/shared/out", "", "file:///shared/out"},
		{"file:///shared/out/", "file", "/shared/out", "", "file:///shared/out"},
		{"s3://photos", "s3", "photos", "", "s3://photos"},
		{"s3://photos/out/2024/?region=eu-west-1", "s3", "photos", "out/2024/", "s3://photos/out/2024/?region=eu-west-1"},
		{"gs://b/p", "gs", "b", "p/", "gs://b/p/"},
		{"AZBLOB://c/p", "azblob", "c", "p/", "azblob://c/p/"},
	} {
		l, err := store.Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if l.Scheme != tc.scheme || l.Bucket != tc.bucket || l.Prefix != tc.prefix || l.String() != tc.str {
			t.Errorf("Parse(%q) = %s %q %q (%s), want %s %q %q (%s)", tc.in, l.Scheme, l.Bucket, l.Prefix, l, tc.scheme, tc.bucket, tc.prefix, tc.str)
		}
		if again, err := store.Parse(l.String()); err != nil || again.String() != l.String() {
			t.Errorf("Parse(%q) = %v, %v: does not round-trip", l.String(), again, err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"out", "want a URL of scheme"},
		{"http://x/y", "want a URL of scheme"},
		{"file://host/x", `not one on host "host"`},
		{"s3:///x", "no bucket name"},
		{"s3://b/a/../../x", "not a clean path"},
		{"s3://user:pw@b/x", "no user information"},
	} {
		_, err := store.Parse(tc.in)
		if err == nil || !errors.Is(err, store.ErrNotLocation) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.in) {
			t.Errorf("Parse(%q) = %v, want an error naming it and saying %q", tc.in, err, tc.want)
		}
	}
}

func TestSplitObject(t *testing.T) {
	l, key, err := store.SplitObject("s3://b/photos/a.jpg?endpoint=http://127.0.0.1:1&use_path_style=true")
	if err != nil || l.Bucket != "b" || l.Prefix != "" || key != "photos/a.jpg" {
		t.Fatalf("SplitObject = %+v, %q, %v", l, key, err)
	}
	if got, want := l.Object(key), "s3://b/photos/a.jpg?endpoint=http%3A%2F%2F127.0.0.1%3A1&use_path_style=true"; got != want {
		t.Errorf("Object = %s, want %s", got, want)
	}
	if _, _, err := store.SplitObject("s3://b"); err == nil {
		t.Error("SplitObject of a bucket: no error")
	}
}

// testBucket runs the contract of a Bucket against the location url.
func testBucket(t *testing.T, url string) {
	ctx := t.Context()
	loc, err := store.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Open(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	if ok, err := b.Exists(ctx, "a.jpg"); ok || err != nil {
		t.Fatalf("Exists before writing = %v, %v", ok, err)
	}
	if _, err := b.Read(ctx, "a.jpg", 0); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "a.jpg") {
		t.Errorf("Read of a missing object = %v, want ErrNotFound naming it", err)
	}
	data := bytes.Repeat([]byte("fanout"), 100_000)
	for _, key := range []string{"a.jpg", "sub/b.jpg", "sub/deep/c.jpg"} {
		if err := b.Write(ctx, key, data); err != nil {
			t.Fatalf("Write %s: %v", key, err)
		}
	}
	if ok, err := b.Exists(ctx, "sub/b.jpg"); !ok || err != nil {
		t.Errorf("Exists after writing = %v, %v", ok, err)
	}
	got, err := b.Read(ctx, "sub/deep/c.jpg", 0)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("Read = %d bytes, %v; want the %d written", len(got), err, len(data))
	}
	if _, err := b.Read(ctx, "a.jpg", 1000); !errors.Is(err, store.ErrTooLarge) {
		t.Errorf("Read over its limit = %v, want ErrTooLarge", err)
	}
	var keys []string
	for k, err := range b.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"a.jpg", "sub/b.jpg", "sub/deep/c.jpg"}; !slices.Equal(keys, want) {
		t.Errorf("List = %q, want %q", keys, want)
	}
	keys = nil
	for k, err := range b.List(ctx, "sub") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if want := []string{"sub/b.jpg", "sub/deep/c.jpg"}; !slices.Equal(keys, want) {
		t.Errorf("List(sub) = %q, want %q", keys, want)
	}

	// A write cancelled before it returns leaves nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Write(cctx, "cancelled.jpg", data); err == nil {
		t.Error("Write with a cancelled context succeeded")
	}
	if ok, _ := b.Exists(ctx, "cancelled.jpg"); ok {
		t.Error("a cancelled write left an object")
	}

	// Objects are reached by URL too, as download.Downloader does.
	var bs store.Buckets
	defer bs.Close()
	r, size, err := bs.OpenObject(ctx, loc.Object("sub/b.jpg"))
	if err != nil {
		t.Fatalf("OpenObject: %v", err)
	}
	r.Close()
	if size != int64(len(data)) {
		t.Errorf("OpenObject size = %d, want %d", size, len(data))
	}
}

func TestFile(t *testing.T) {
	dir := t.TempDir()
	testBucket(t, "file://"+filepath.ToSlash(dir)+"/out")
	// Only the objects: no side files, no temporary files left.
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if want := []string{"out/a.jpg", "out/sub/b.jpg", "out/sub/deep/c.jpg"}; !slices.Equal(files, want) {
		t.Errorf("files = %q, want %q", files, want)
	}
}

// TestFileTemp: the temporary file a write killed mid-way leaves in a
// file:// location (made here as the write makes it, by atomicfile.Create,
// and never committed) is hidden, never listed as an object, and removed
// by CleanTemp once stale; a recent one, perhaps another process's write
// in progress, stays.
func TestFileTemp(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	loc, err := store.Parse("file://" + filepath.ToSlash(dir))
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Open(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Write(ctx, "sub/x.jpg", []byte("whole")); err != nil {
		t.Fatal(err)
	}
	cut := func(name string, age time.Duration) string {
		f, err := atomicfile.Create(filepath.Join(dir, filepath.FromSlash(name)), 0o644)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("half"))
		tmp := tempFiles(t, filepath.Dir(filepath.Join(dir, filepath.FromSlash(name))))
		if len(tmp) != 1 {
			t.Fatalf("temporary files %q, want one", tmp)
		}
		old := time.Now().Add(-age)
		if err := os.Chtimes(tmp[0], old, old); err != nil {
			t.Fatal(err)
		}
		return tmp[0]
	}
	stale := cut("sub/x.jpg", 2*time.Minute)
	fresh := cut("y.jpg", 0)
	if base := filepath.Base(stale); !strings.HasPrefix(base, ".x.jpg") {
		t.Errorf("temporary file %s is not hidden", base)
	}

	var keys []string
	for k, err := range b.List(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if want := []string{"sub/x.jpg"}; !slices.Equal(keys, want) {
		t.Errorf("List = %q, want %q: no temporary file", keys, want)
	}
	if ok, err := b.Exists(ctx, "y.jpg"); ok || err != nil {
		t.Errorf("Exists(y.jpg) = %v, %v while only its temporary file is there", ok, err)
	}
	for _, d := range []string{"", "sub", "nothing/here"} {
		if err := b.CleanTemp(ctx, d, time.Minute); err != nil {
			t.Errorf("CleanTemp(%q) = %v", d, err)
		}
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("recent temporary file removed: %v", err)
	}
	if got, err := b.Read(ctx, "sub/x.jpg", 0); string(got) != "whole" || err != nil {
		t.Errorf("Read = %q, %v; want the object untouched", got, err)
	}
	if err := b.Write(ctx, "../escape.jpg", []byte("x")); err == nil || !strings.Contains(err.Error(), "not a plain relative path") {
		t.Errorf("Write of a key outside the location = %v, want it refused", err)
	}
}

// tempFiles returns the paths of atomicfile's temporary files in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var tmp []string
	for _, e := range entries {
		if atomicfile.IsTemp(e.Name()) {
			tmp = append(tmp, filepath.Join(dir, e.Name()))
		}
	}
	return tmp
}

func TestS3(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an S3 server")
	}
	s := s3test.Start(t, "bucket")
	s.Setenv(t)
	testBucket(t, s.URL("bucket/out/run1"))
	// The prefix is a folder of the bucket.
	if _, err := os.Stat(filepath.Join(s.Dir, "bucket", "out", "run1", "sub", "deep", "c.jpg")); err != nil {
		t.Errorf("object not where the prefix says: %v", err)
	}

	// A bucket that does not exist fails the first write, naming it.
	loc, _ := store.Parse(s.URL("nobucket/x"))
	b, err := store.Open(t.Context(), loc)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Write(t.Context(), "a.jpg", []byte("x")); err == nil || !strings.Contains(err.Error(), "s3://nobucket/x/a.jpg") {
		t.Errorf("Write to a missing bucket = %v, want an error naming the object", err)
	}
}
