package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"
)

// tempMarker separates the destination's name from the random suffix in a
// temporary file's name. [CleanTemp] relies on it.
const tempMarker = ".fanout-tmp-"

// maxTempBase caps the part of a temporary file's name taken from the
// destination, so that "." + base + tempMarker + a random number stays
// within the common 255-byte limit on a file name.
const maxTempBase = 200

// ErrDone is returned by [File.Write], [File.Commit] and friends once the
// file has been committed or aborted.
var ErrDone = errors.New("atomicfile: file already committed or aborted")

// File is a file being written to a temporary path; [File.Commit] moves it
// to its final path, [File.Abort] discards it. The zero value is not usable:
// create one with [Create]. A File is not safe for concurrent use.
//
// Callers should defer Abort right after Create: after a successful Commit
// it does nothing, so the temporary file is removed on every other path.
type File struct {
	f    *os.File
	path string // final path
	perm fs.FileMode
	done bool
}

// Create starts writing the file that will appear at path with permission
// bits perm (applied as given, without the process umask). Nothing appears
// at path until [File.Commit] succeeds. The error names path and the cause.
func Create(path string, perm fs.FileMode) (*File, error) {
	dir, base := filepath.Split(path)
	if base == "" {
		return nil, fmt.Errorf("atomicfile: create %s: no file name", path)
	}
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+truncate(base, maxTempBase)+tempMarker+"*")
	if err != nil {
		return nil, fmt.Errorf("atomicfile: create %s: %w", path, err)
	}
	return &File{f: f, path: path, perm: perm}, nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Name returns the final path the file will have once committed.
func (f *File) Name() string { return f.path }

// Write writes p to the temporary file. It implements [io.Writer].
func (f *File) Write(p []byte) (int, error) {
	if f.done {
		return 0, ErrDone
	}
	return f.f.Write(p)
}

// ReadFrom copies r to the temporary file until EOF. It implements
// [io.ReaderFrom], so io.Copy into a File uses the operating system's fast
// paths where it can.
func (f *File) ReadFrom(r io.Reader) (int64, error) {
	if f.done {
		return 0, ErrDone
	}
	return f.f.ReadFrom(r)
}

// Commit flushes the file to stable storage, closes it, renames it to its
// final path (replacing any file there) and flushes the directory. If a
// step up to the rename fails the temporary file is removed and the final
// path is left as it was. If only the flush of the directory fails, the
// error says so ("sync directory") and the file is already whole at its
// final path: only the rename's durability across a crash is in doubt.
// Either way the error names the final path. Commit after Commit or Abort
// returns [ErrDone].
func (f *File) Commit() error {
	if f.done {
		return ErrDone
	}
	f.done = true
	tmp := f.f.Name()
	err := f.f.Chmod(f.perm)
	if err == nil {
		err = f.f.Sync()
	}
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, f.path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("atomicfile: write %s: %w", f.path, err)
	}
	if err := syncDir(filepath.Dir(f.path)); err != nil {
		// The file is complete at its path; only its durability across a
		// crash is in doubt.
		return fmt.Errorf("atomicfile: write %s: sync directory: %w", f.path, err)
	}
	return nil
}

// Abort closes and removes the temporary file; the final path is left as it
// was. It does nothing after Commit or a previous Abort, so it is safe to
// defer. It returns an error only if the temporary file could not be removed.
func (f *File) Abort() error {
	if f.done {
		return nil
	}
	f.done = true
	f.f.Close()
	if err := os.Remove(f.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("atomicfile: abort %s: %w", f.path, err)
	}
	return nil
}

// syncDir fsyncs a directory so that a rename into it is durable. Windows
// cannot open a directory for syncing; NTFS journals the rename itself.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// WriteFile writes data to path atomically with permission bits perm: after
// it returns, path holds either all of data or whatever it held before,
// never a part. A nil error means all of data; an error means what it held
// before, except after a failed flush of the directory (see [File.Commit]).
// No temporary file is left behind either way.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	return f.Commit()
}

// WriteFrom copies r to path atomically with permission bits perm, and
// returns the number of bytes written. If reading r fails, writing fails or
// ctx is cancelled before the copy is committed, the temporary file is
// removed, path is left as it was, and the error wraps the cause (so that
// errors.Is(err, context.Canceled) holds after a cancellation). ctx is
// checked between reads; a Read that blocks is not interrupted by it, so
// callers streaming from the network should tie r's lifetime to ctx as
// net/http does for a request's body.
func WriteFrom(ctx context.Context, path string, r io.Reader, perm fs.FileMode) (int64, error) {
	f, err := Create(path, perm)
	if err != nil {
		return 0, err
	}
	defer f.Abort()
	n, err := io.Copy(f, ctxReader{ctx, r})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return n, fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	return n, f.Commit()
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// IsTemp reports whether name (a base name, not a path) is the name of a
// temporary file made by this package.
func IsTemp(name string) bool {
	if !strings.HasPrefix(name, ".") {
		return false
	}
	i := strings.LastIndex(name, tempMarker)
	if i < 1 {
		return false
	}
	suffix := name[i+len(tempMarker):]
	if suffix == "" {
		return false
	}
	for _, c := range suffix {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// CleanTemp removes the temporary files that this package leaves in dir when
// a process dies between [Create] and [File.Commit] (it does not descend into
// subdirectories), if they were last modified more than minAge ago. A
// temporary file that is being written is modified as it is written, so a
// minAge of a minute or so leaves alone the files of another process writing
// into dir at the same time; zero removes every temporary file. It returns
// the joined errors of the removals that failed, or of reading dir.
func CleanTemp(dir string, minAge time.Duration) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("atomicfile: clean %s: %w", dir, err)
	}
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !IsTemp(e.Name()) {
			continue
		}
		if minAge > 0 {
			fi, err := e.Info()
			if err != nil || time.Since(fi.ModTime()) < minAge {
				continue // gone already, or perhaps still being written
			}
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("atomicfile: clean %s: %w", dir, err))
		}
	}
	return errors.Join(errs...)
}
