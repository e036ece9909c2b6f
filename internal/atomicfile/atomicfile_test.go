package atomicfile_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/atomicfile"
	"github.com/google/go-cmp/cmp"
)

// listDir returns the names in dir, sorted.
func listDir(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

func mustReadFile(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.jpg")
	if err := atomicfile.WriteFile(path, []byte("first"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteFile(path, []byte("second"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := mustReadFile(t, path), "second"; got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fi.Mode().Perm(), fs.FileMode(0o644); got != want {
		t.Errorf("mode = %v, want %v", got, want)
	}
	if diff := cmp.Diff([]string{"a.jpg"}, listDir(t, dir)); diff != "" {
		t.Errorf("directory (-want +got):\n%s", diff)
	}
}

func TestWriteFileLongName(t *testing.T) {
	dir := t.TempDir()
	name := strings.Repeat("é", 125) + ".jpg" // 254 bytes
	if err := atomicfile.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{name}, listDir(t, dir)); diff != "" {
		t.Errorf("directory (-want +got):\n%s", diff)
	}
}

// errReader yields some bytes, then fails.
type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// cancelReader cancels its context after handing out its first chunk, as
// an interrupt arriving mid-download would.
type cancelReader struct {
	cancel context.CancelFunc
}

func (r cancelReader) Read(p []byte) (int, error) {
	r.cancel()
	return copy(p, "partial"), nil
}

func TestFailureLeavesNothing(t *testing.T) {
	errBroken := errors.New("connection reset")
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string) // runs before the write
		write   func(ctx context.Context, path string) error
		wantErr error  // matched with errors.Is, if set
		keep    string // content of path that must survive, if any
	}{
		{
			name: "reader fails mid-stream",
			write: func(ctx context.Context, path string) error {
				_, err := atomicfile.WriteFrom(ctx, path, &errReader{bytes.Repeat([]byte("x"), 100<<10), errBroken}, 0o644)
				return err
			},
			wantErr: errBroken,
		},
		{
			name: "reader fails, old file survives",
			prepare: func(t *testing.T, path string) {
				if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			write: func(ctx context.Context, path string) error {
				_, err := atomicfile.WriteFrom(ctx, path, &errReader{[]byte("new"), errBroken}, 0o644)
				return err
			},
			wantErr: errBroken,
			keep:    "old",
		},
		{
			name: "context cancelled mid-stream",
			write: func(ctx context.Context, path string) error {
				ctx, cancel := context.WithCancel(ctx)
				defer cancel()
				_, err := atomicfile.WriteFrom(ctx, path, cancelReader{cancel}, 0o644)
				return err
			},
			wantErr: context.Canceled,
		},
		{
			name: "rename onto a non-empty directory",
			prepare: func(t *testing.T, path string) {
				if err := os.MkdirAll(filepath.Join(path, "child"), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			write: func(ctx context.Context, path string) error {
				return atomicfile.WriteFile(path, []byte("data"), 0o644)
			},
		},
		{
			name: "aborted",
			write: func(ctx context.Context, path string) error {
				f, err := atomicfile.Create(path, 0o644)
				if err != nil {
					return err
				}
				if _, err := f.Write([]byte("partial")); err != nil {
					return err
				}
				if err := f.Abort(); err != nil {
					return err
				}
				return f.Commit()
			},
			wantErr: atomicfile.ErrDone,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "out.png")
			if tc.prepare != nil {
				tc.prepare(t, path)
			}
			before := listDir(t, dir)
			err := tc.write(t.Context(), path)
			if err == nil {
				t.Fatal("write succeeded, want an error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("error = %v, want one wrapping %v", err, tc.wantErr)
			}
			if errors.Is(err, atomicfile.ErrDone) {
				// Only the misuse error itself need not name the path.
			} else if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
			if diff := cmp.Diff(before, listDir(t, dir)); diff != "" {
				t.Errorf("directory changed (-before +after):\n%s", diff)
			}
			if tc.keep != "" {
				if got := mustReadFile(t, path); got != tc.keep {
					t.Errorf("old content = %q, want %q", got, tc.keep)
				}
			}
		})
	}
}

func TestCreateErrors(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{
		filepath.Join(dir, "missing", "a.jpg"),
		dir + string(filepath.Separator),
	} {
		if _, err := atomicfile.Create(path, 0o644); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("Create(%q) error = %v, want one naming the path", path, err)
		}
	}
	if diff := cmp.Diff([]string(nil), listDir(t, dir)); diff != "" {
		t.Errorf("directory (-want +got):\n%s", diff)
	}
}

func TestCommitThenAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.gif")
	f, err := atomicfile.Create(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if _, err := io.Copy(f, strings.NewReader("GIF89a")); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("Abort after Commit = %v, want nil", err)
	}
	if _, err := f.Write([]byte("more")); !errors.Is(err, atomicfile.ErrDone) {
		t.Errorf("Write after Commit = %v, want ErrDone", err)
	}
	if got, want := mustReadFile(t, path), "GIF89a"; got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
}

func TestCleanTemp(t *testing.T) {
	dir := t.TempDir()
	// A run that died between Create and Commit.
	crashed, err := atomicfile.Create(filepath.Join(dir, "a.jpg"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := crashed.Write([]byte("half")); err != nil {
		t.Fatal(err)
	}
	keep := []string{"b.jpg", ".hidden", ".c.fanout-tmp-notdigits", "d.fanout-tmp-123"}
	for _, name := range keep {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".e.fanout-tmp-42"), 0o755); err != nil {
		t.Fatal(err)
	}
	keep = append(keep, ".e.fanout-tmp-42")
	// Another writer's temporary file, still fresh, stays while minAge
	// has not passed.
	fresh, err := atomicfile.Create(filepath.Join(dir, "f.jpg"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Abort()
	crashedTemp, err := filepath.Glob(filepath.Join(dir, ".a.jpg.fanout-tmp-*"))
	if err != nil || len(crashedTemp) != 1 {
		t.Fatalf("temporary file of a.jpg: %v %v", crashedTemp, err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(crashedTemp[0], old, old); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.CleanTemp(dir, time.Minute); err != nil {
		t.Fatal(err)
	}
	if n := len(listDir(t, dir)); n != len(keep)+1 {
		t.Errorf("CleanTemp(dir, time.Minute) left %d entries %v, want the %d kept and the fresh temporary file", n, listDir(t, dir), len(keep))
	}
	fresh.Abort()
	slices.Sort(keep)
	if diff := cmp.Diff(keep, listDir(t, dir)); diff != "" {
		t.Errorf("after CleanTemp (-want +got):\n%s", diff)
	}
	crashed.Abort() // already gone: must not fail
	if err := atomicfile.CleanTemp(filepath.Join(dir, "missing"), 0); err == nil {
		t.Error("CleanTemp of a missing directory succeeded")
	}
}

func TestIsTemp(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{".a.jpg.fanout-tmp-123", true},
		{"..fanout-tmp-1", true},
		{".a.fanout-tmp-", false},
		{".a.fanout-tmp-12x", false},
		{"a.fanout-tmp-12", false},
		{".fanout-tmp-12", false},
		{"a.jpg", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := atomicfile.IsTemp(tc.name); got != tc.want {
				t.Errorf("IsTemp(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}
