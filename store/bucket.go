package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file://
	_ "gocloud.dev/blob/s3blob"   // s3://
	"gocloud.dev/gcerrors"

	"github.com/fanout-dev/fanout/internal/atomicfile"
)

// Bucket is an open [Location]: the objects below its prefix. Keys are
// relative to the prefix, with "/" between folders. A Bucket is safe for
// concurrent use. Close it when done, unless it came from [Buckets], which
// closes its own.
type Bucket struct {
	loc    Location
	b      *blob.Bucket
	shared bool // owned by a Buckets
}

// Open opens loc. It does not reach the store: a bucket that does not
// exist, or credentials it refuses, fail the first read or write.
func Open(ctx context.Context, loc Location) (*Bucket, error) {
	b, err := blob.OpenBucket(ctx, loc.bucketURL())
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", loc, err)
	}
	return &Bucket{loc: loc, b: b}, nil
}

// Location returns the location b was opened at.
func (b *Bucket) Location() Location { return b.loc }

// Close releases the bucket; it does nothing to one that [Buckets] opened.
func (b *Bucket) Close() error {
	if b.shared {
		return nil
	}
	return b.b.Close()
}

// ErrNotFound is wrapped by the error of a read of an object that does not
// exist.
var ErrNotFound = errors.New("no such object")

// ErrTooLarge is wrapped by the error of a read of an object larger than
// its limit.
var ErrTooLarge = errors.New("object too large")

// wrap makes a store error name the object and the cause.
func (b *Bucket) wrap(op, key string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		err = ErrNotFound
	}
	return fmt.Errorf("store: %s %s: %w", op, b.loc.URL(key), err)
}

// Write writes data as the object key, replacing any object of that name,
// atomically: the object appears whole or not at all, and cancelling ctx
// before Write returns aborts it.
//
// In a file:// location the object is written through a hidden temporary
// file beside it (".<name>.fanout-tmp-<digits>", internal/atomicfile's
// rule), flushed to disk and renamed into place; the key must then be a
// plain relative path ("a/b.jpg": no "..", no empty or trailing folder, no
// control characters), and the error of a failed write names the file.
func (b *Bucket) Write(ctx context.Context, key string, data []byte) error {
	if b.loc.Scheme == "file" {
		return b.writeFile(ctx, key, data)
	}
	if err := b.b.WriteAll(ctx, b.loc.Prefix+key, data, nil); err != nil {
		return b.wrap("write", key, err)
	}
	return nil
}

// writeFile is Write for a file:// location. gocloud.dev's fileblob would
// write a visible "<name>.<hex>.tmp" beside the object, which a process
// killed mid-write leaves looking like an output; atomicfile's temporary
// files are hidden, ignored by List and removed by CleanTemp.
func (b *Bucket) writeFile(ctx context.Context, key string, data []byte) error {
	if !plainKey(key) {
		return b.wrap("write", key, fmt.Errorf("the key %q is not a plain relative path", key))
	}
	p := filepath.FromSlash(b.loc.Path(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return b.wrap("write", key, err)
	}
	_, err := atomicfile.WriteFrom(ctx, p, bytes.NewReader(data), 0o644) // "atomicfile: write <path>: <cause>"
	return err
}

// plainKey reports whether key names a file below a file:// location as
// gocloud.dev's fileblob finds it (which escapes other keys): a clean
// relative path with no control characters (and, on Windows, none of the
// characters it refuses in names).
func plainKey(key string) bool {
	if key == "" || path.Clean(key) != key || path.IsAbs(key) || key == ".." || strings.HasPrefix(key, "../") {
		return false
	}
	for _, c := range key {
		if c < 32 || runtime.GOOS == "windows" && strings.ContainsRune(`\:*?"<>|`, c) {
			return false
		}
	}
	return true
}

// CleanTemp removes the temporary files that writes to the folder dir of a
// file:// location ("" for the location itself; not the folders below it)
// leave when their process is killed outright, if they were last modified
// more than minAge ago: a minute or so leaves alone those of writes in
// progress elsewhere. A folder that does not exist has none. In an object
// store it does nothing: an object appears only when its upload
// completes, and the store expires an upload that never does (for S3, a
// lifecycle rule for incomplete multipart uploads).
func (b *Bucket) CleanTemp(ctx context.Context, dir string, minAge time.Duration) error {
	if b.loc.Scheme != "file" {
		return nil
	}
	if dir = strings.Trim(dir, "/"); dir != "" && !plainKey(dir) {
		return b.wrap("clean", dir, fmt.Errorf("the folder %q is not a plain relative path", dir))
	}
	err := atomicfile.CleanTemp(filepath.FromSlash(b.loc.Path(dir)), minAge)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// Read reads the object key. A limit above zero refuses an object larger
// than limit bytes, from its declared size, before reading it.
func (b *Bucket) Read(ctx context.Context, key string, limit int64) ([]byte, error) {
	r, size, err := b.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if limit > 0 && size > limit {
		return nil, b.wrap("read", key, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, size, limit))
	}
	var lr io.Reader = r
	if limit > 0 {
		lr = io.LimitReader(r, limit+1)
	}
	data := make([]byte, 0, max(size, 0)+1)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := lr.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, b.wrap("read", key, err)
		}
	}
	if limit > 0 && int64(len(data)) > limit {
		return nil, b.wrap("read", key, fmt.Errorf("%w: over the limit of %d bytes", ErrTooLarge, limit))
	}
	return data, nil
}

// Open opens the object key for reading, and returns its size. The caller
// closes the reader.
func (b *Bucket) Open(ctx context.Context, key string) (io.ReadCloser, int64, error) {
	r, err := b.b.NewReader(ctx, b.loc.Prefix+key, nil)
	if err != nil {
		return nil, 0, b.wrap("read", key, err)
	}
	return r, r.Size(), nil
}

// Exists reports whether the object key exists.
func (b *Bucket) Exists(ctx context.Context, key string) (bool, error) {
	ok, err := b.b.Exists(ctx, b.loc.Prefix+key)
	if err != nil {
		return false, b.wrap("look up", key, err)
	}
	return ok, nil
}

// List yields the keys of the objects below the folder dir ("" for the
// whole location; "a/b" or "a/b/" for a folder in it), in every folder
// beneath, in the store's order (lexical for the object stores and
// file://). Keys are relative to the location, as [Bucket.Read] takes
// them. The temporary files of writes to a file:// location are not
// objects, and are left out. An error ends the sequence.
func (b *Bucket) List(ctx context.Context, dir string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		prefix := b.loc.Prefix
		if dir = strings.Trim(dir, "/"); dir != "" {
			prefix += dir + "/"
		}
		it := b.b.List(&blob.ListOptions{Prefix: prefix})
		for {
			obj, err := it.Next(ctx)
			if err == io.EOF {
				return
			}
			if err != nil {
				yield("", b.wrap("list", dir, err))
				return
			}
			if obj.IsDir || b.loc.Scheme == "file" && atomicfile.IsTemp(path.Base(obj.Key)) {
				continue // a folder, or a write in progress or cut short
			}
			if !yield(strings.TrimPrefix(obj.Key, b.loc.Prefix), nil) {
				return
			}
		}
	}
}

// Buckets keeps the buckets a process has opened, by store, so that each
// is opened once: a cluster worker writes every job's output through it.
// The zero value is ready to use and safe for concurrent use. Close
// closes every bucket it opened.
type Buckets struct {
	mu   sync.Mutex
	open map[string]*blob.Bucket // by bucket URL; guarded by mu
}

// Open returns loc opened, sharing the store's connection with every other
// location of the same bucket and options. Closing the returned Bucket
// does nothing; [Buckets.Close] closes them all.
func (bs *Buckets) Open(ctx context.Context, loc Location) (*Bucket, error) {
	u := loc.bucketURL()
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if b := bs.open[u]; b != nil {
		return &Bucket{loc: loc, b: b, shared: true}, nil
	}
	b, err := blob.OpenBucket(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", loc, err)
	}
	if bs.open == nil {
		bs.open = map[string]*blob.Bucket{}
	}
	bs.open[u] = b
	return &Bucket{loc: loc, b: b, shared: true}, nil
}

// OpenObject opens the object named by the URL src (s3://bucket/a.jpg,
// with the bucket's options as query parameters) for reading, and returns
// its size: download.Downloader reads object-store sources through it.
func (bs *Buckets) OpenObject(ctx context.Context, src string) (io.ReadCloser, int64, error) {
	loc, key, err := SplitObject(src)
	if err != nil {
		return nil, 0, err
	}
	b, err := bs.Open(ctx, loc)
	if err != nil {
		return nil, 0, err
	}
	return b.Open(ctx, key)
}

// Close closes every bucket bs opened; bs may be used again afterwards.
func (bs *Buckets) Close() error {
	bs.mu.Lock()
	defer bs.mu.Unlock()
	var errs []error
	for u, b := range bs.open {
		errs = append(errs, b.Close())
		delete(bs.open, u)
	}
	return errors.Join(errs...)
}
