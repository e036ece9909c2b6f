package batch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/fanout-dev/fanout/internal/atomicfile"
	"github.com/fanout-dev/fanout/store"
)

// outputs is where a batch writes: a local folder (Config.OutDir) or a
// store location (Config.Out). An output is named by its folder below the
// place (sub, "" for the top) and its file name.
type outputs interface {
	// prepare makes the place ready before the first item.
	prepare(ctx context.Context) error
	// clean removes the temporary files older than staleTemp that
	// interrupted writes left in the folder sub (not below it): they are
	// never outputs.
	clean(ctx context.Context, sub string) error
	// join returns the output of name in the folder sub: a path or a key.
	join(sub, name string) string
	// show returns what the report and the progress lines show for out.
	show(out string) string
	exists(ctx context.Context, out string) (bool, error)
	// write writes out atomically.
	write(ctx context.Context, out string, data []byte) error
	// read returns the bytes of out, or nil if it does not exist.
	read(ctx context.Context, out string) ([]byte, error)
}

// folder is a local output folder, written through atomicfile.
type folder string

// staleTemp is the age past which a temporary file of an interrupted
// write is removed from an output folder: those modified in the last
// minute may belong to another run writing into the same folder, and stay.
const staleTemp = time.Minute

func (f folder) prepare(context.Context) error {
	if err := os.MkdirAll(string(f), 0o755); err != nil {
		return fmt.Errorf("batch: output folder: %w", err)
	}
	return nil
}

func (f folder) clean(_ context.Context, sub string) error {
	err := atomicfile.CleanTemp(filepath.Join(string(f), sub), staleTemp)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("batch: output folder: %w", err)
	}
	return nil
}

func (f folder) join(sub, name string) string { return filepath.Join(string(f), sub, name) }
func (f folder) show(out string) string       { return out }

func (f folder) exists(_ context.Context, out string) (bool, error) {
	_, err := os.Stat(out)
	return err == nil, nil
}

func (f folder) write(_ context.Context, out string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("batch: output folder: %w", err)
	}
	return atomicfile.WriteFile(out, data, 0o644) // "atomicfile: write <output>: <cause>"
}

func (f folder) read(_ context.Context, out string) ([]byte, error) {
	b, err := os.ReadFile(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// bucket is a store location (file://, s3://, ...): outputs are keys in it.
type bucket struct{ b *store.Bucket }

func (b bucket) prepare(context.Context) error { return nil }
func (b bucket) clean(ctx context.Context, sub string) error {
	return b.b.CleanTemp(ctx, filepath.ToSlash(sub), staleTemp)
}
func (b bucket) join(sub, name string) string { return path.Join(filepath.ToSlash(sub), name) }
func (b bucket) show(key string) string       { return b.b.Location().URL(key) }
func (b bucket) exists(ctx context.Context, key string) (bool, error) {
	return b.b.Exists(ctx, key)
}
func (b bucket) write(ctx context.Context, key string, data []byte) error {
	return b.b.Write(ctx, key, data)
}

func (b bucket) read(ctx context.Context, key string) ([]byte, error) {
	data, err := b.b.Read(ctx, key, 0)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return data, err
}
