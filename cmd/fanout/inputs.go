package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fanout-dev/fanout/store"
)

// imageExts are the file extensions a folder walk picks up. Files named on
// the command line are taken whatever their name: their format is sniffed
// from their bytes.
var imageExts = []string{".jpg", ".jpeg", ".jpe", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".heif", ".avif"}

// sources expands the command line's inputs into a lazy sequence of image
// sources (URLs and file paths), in order: a URL or file as given, a folder
// as the image files beneath it (sorted), "@FILE" or a --list file as one
// source per line, and "-" as the same from stdin. A URL line may be
// indented or end in spaces; a path line is taken as it is written (a file
// name may start or end with spaces). Blank lines and comments ("#" alone
// or followed by a space) are skipped; "#1.jpg" is a file. With null, list
// entries are separated by NUL bytes instead of lines, as find -print0
// writes them, and taken exactly as they are. Folders are walked as so
// says (depth, include and exclude patterns). A source that cannot be
// expanded (a missing list file, an unreadable folder) is yielded with its
// error so that the batch reports it and carries on.
func sources(ctx context.Context, args, lists []string, so sourceOptions, stdin io.Reader) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for _, l := range lists {
			if !expandList(ctx, l, so, stdin, yield) {
				return
			}
		}
		for _, a := range args {
			if ctx.Err() != nil {
				return
			}
			var ok bool
			switch {
			case a == "-":
				ok = expandList(ctx, "-", so, stdin, yield)
			case strings.HasPrefix(a, "@"):
				ok = expandList(ctx, a[1:], so, stdin, yield)
			case store.IsObjectURL(a):
				ok = expandObjects(ctx, a, so, yield)
			case isURL(a):
				ok = yield(a, nil)
			default:
				ok = expandPath(ctx, a, so, yield)
			}
			if !ok {
				return
			}
		}
	}
}

// readsStdin reports whether the inputs [sources] expands from args and
// lists include stdin ("-", "@-" or --list -): those can be read only once,
// so they cannot be counted before the batch.
func readsStdin(args, lists []string) bool {
	return slices.Contains(lists, "-") || slices.Contains(args, "-") || slices.Contains(args, "@-")
}

// isURL reports whether s names a remote, object-store or file URL rather
// than a path.
func isURL(s string) bool {
	for _, p := range []string{"http://", "https://", "file://"} {
		if len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) {
			return true
		}
	}
	return store.IsObjectURL(s)
}

// sourceOptions are how lists are read and folders walked.
type sourceOptions struct {
	null             bool           // lists are NUL-separated
	depth            int            // folder levels walked below a folder source; 0: all
	include, exclude []string       // patterns (path.Match) a file's name must match, and must not
	objects          *store.Buckets // where object-store sources given as folders are listed; nil: each is one object
}

// selected reports whether a file found in a folder is taken: an image by
// its extension, not hidden, its name matching an include pattern (if
// any) and no exclude pattern.
func (so sourceOptions) selected(name string) bool {
	if strings.HasPrefix(name, ".") || !slices.Contains(imageExts, strings.ToLower(filepath.Ext(name))) {
		return false
	}
	match := func(patterns []string) bool {
		for _, p := range patterns {
			if ok, _ := path.Match(p, name); ok {
				return true
			}
		}
		return false
	}
	return (len(so.include) == 0 || match(so.include)) && !match(so.exclude)
}

// expandPath yields a file as it is, and a folder as the image files in it
// that so selects.
func expandPath(ctx context.Context, p string, so sourceOptions, yield func(string, error) bool) bool {
	fi, err := os.Stat(p)
	if err != nil || !fi.IsDir() {
		// A missing file is yielded too: fetching it reports the error
		// against its name, like every other failed item.
		return yield(p, nil)
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() && so.depth > 0 && path != p {
			if rel, err := filepath.Rel(p, path); err == nil && strings.Count(rel, string(filepath.Separator))+1 >= so.depth {
				return fs.SkipDir
			}
		}
		if d.Type().IsRegular() && so.selected(d.Name()) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		if !yield(p, fmt.Errorf("read folder %s: %w", p, err)) {
			return false
		}
	}
	for _, f := range files {
		if !yield(f, nil) {
			return false
		}
	}
	return true
}

// expandObjects yields an object-store URL as it is when it names an
// object, and as the image objects below it that so selects when it names
// a folder (a prefix, or a URL ending in "/"), in the store's order, each
// with the URL's options.
func expandObjects(ctx context.Context, src string, so sourceOptions, yield func(string, error) bool) bool {
	if so.objects == nil {
		return yield(src, nil)
	}
	loc, key, err := store.SplitObject(src)
	if err != nil {
		// A bucket alone: the folder of all its objects.
		if loc, err = store.Parse(src); err != nil {
			return yield(src, err)
		}
		key = strings.TrimSuffix(loc.Prefix, "/")
		loc.Prefix = ""
	}
	b, err := so.objects.Open(ctx, loc)
	if err != nil {
		return yield(src, err)
	}
	if !strings.HasSuffix(strings.SplitN(src, "?", 2)[0], "/") && key != "" {
		ok, err := b.Exists(ctx, key)
		if err != nil {
			return yield(src, err)
		}
		if ok {
			return yield(src, nil)
		}
	}
	n := 0
	for k, err := range b.List(ctx, key) {
		if err != nil {
			return yield(src, err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(k, key), "/")
		if so.depth > 0 && strings.Count(rel, "/") >= so.depth {
			continue
		}
		if !so.selected(path.Base(k)) {
			continue
		}
		n++
		if !yield(loc.Object(k), nil) {
			return false
		}
	}
	if n == 0 {
		return yield(src, fmt.Errorf("read %s: no such object, and no images below it", src))
	}
	return true
}

// expandList yields one source per non-blank, non-comment line of the list
// file name, or of stdin when name is "-". It returns false, at once, when
// ctx is done, even while stdin has no line to give (see [lineReader]).
func expandList(ctx context.Context, name string, so sourceOptions, stdin io.Reader, yield func(string, error) bool) bool {
	null := so.null
	r := stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return yield("@"+name, fmt.Errorf("read list: %w", err))
		}
		defer f.Close()
		r = f
	}
	ls := readLines(r, null)
	defer ls.stop()
	for {
		line, ok := ls.next(ctx)
		if ctx.Err() != nil {
			return false
		}
		if !ok {
			break
		}
		if !null {
			line = strings.TrimSuffix(line, "\r")
			if t := strings.TrimSpace(line); t == "" || t == "#" || strings.HasPrefix(t, "# ") {
				continue // blank, or a comment
			} else if isURL(t) {
				line = t
			}
		} else if line == "" {
			continue
		}
		if !isURL(line) {
			if !expandPath(ctx, line, so, yield) {
				return false
			}
			continue
		}
		if !yield(line, nil) {
			return false
		}
	}
	if err := ls.err(); err != nil {
		return yield("@"+name, fmt.Errorf("read list: %w", err))
	}
	return true
}

// lineReader reads the lines of a list on a goroutine of its own, so that
// an interrupt ends the list at once: a read of stdin blocks until a line
// is typed or piped in, and nothing interrupts it.
//
// The goroutine ends when its reader does, or at its next line after stop.
// A list file gives its next line at once; stdin may never give another,
// and then the goroutine stays blocked in Read until the process exits,
// which the command does once the batch is over. That is why it has no
// owner waiting for it.
type lineReader struct {
	lines   chan string
	quit    chan struct{}
	done    chan struct{} // closed after scanErr is set
	scanErr error
}

func readLines(r io.Reader, null bool) *lineReader {
	ls := &lineReader{lines: make(chan string), quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(ls.done)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		if null {
			sc.Split(scanNull)
		}
		for sc.Scan() {
			select {
			case ls.lines <- sc.Text():
			case <-ls.quit:
				return
			}
		}
		ls.scanErr = sc.Err()
	}()
	return ls
}

// next returns the next line, or false when the list has ended or ctx is
// done.
func (ls *lineReader) next(ctx context.Context) (string, bool) {
	select {
	case line := <-ls.lines:
		return line, true
	case <-ls.done:
		return "", false
	case <-ctx.Done():
		return "", false
	}
}

// err returns the error that ended the list, once next has returned false
// for that reason.
func (ls *lineReader) err() error {
	select {
	case <-ls.done:
		return ls.scanErr // written before done was closed
	default:
		return nil
	}
}

// stop lets the goroutine go at its next line.
func (ls *lineReader) stop() { close(ls.quit) }

// scanNull is a bufio.SplitFunc for NUL-terminated entries (the last one
// may lack its NUL).
func scanNull(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
