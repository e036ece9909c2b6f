package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestReadsStdin checks every way of naming stdin. Counting the sources for
// the progress bar is done without stdin (a nil reader), so missing one of
// them there panicked, on a terminal, before the batch began.
func TestReadsStdin(t *testing.T) {
	tests := []struct {
		name        string
		args, lists []string
		want        bool
	}{
		{name: "files", args: []string{"a.jpg", "photos/"}, want: false},
		{name: "list file", args: []string{"@urls.txt"}, lists: []string{"more.txt"}, want: false},
		{name: "dash", args: []string{"a.jpg", "-"}, want: true},
		{name: "at dash", args: []string{"@-"}, want: true},
		{name: "list dash", lists: []string{"urls.txt", "-"}, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := readsStdin(tc.args, tc.lists); got != tc.want {
				t.Errorf("readsStdin(%q, %q) = %v, want %v", tc.args, tc.lists, got, tc.want)
			}
		})
	}
}

// TestSourcesStdinInterrupt checks that an interrupt ends a list read from
// stdin at once, while stdin has no next line to give: a terminal nobody
// types into, or a pipe whose writer is slow.
func TestSourcesStdinInterrupt(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close() // lets the reading goroutine go
	go io.WriteString(pw, "https://example.com/a.jpg\n")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var got []string
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for src, err := range sources(ctx, []string{"-"}, nil, sourceOptions{}, pr) {
			if err != nil {
				t.Errorf("source %q: %v", src, err)
			}
			got = append(got, src)
			cancel() // Ctrl-C after the first line; stdin gives no more
		}
	}()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("sources still waiting for stdin 10s after the interrupt")
	}
	if want := []string{"https://example.com/a.jpg"}; !slices.Equal(got, want) {
		t.Errorf("sources = %q, want %q", got, want)
	}
}

// TestSourcesList checks list reading: blank lines and comments skipped,
// every line yielded in order, from stdin and from a file.
func TestSourcesList(t *testing.T) {
	const list = "https://example.com/a.jpg\n\n# a comment\n  https://example.com/b.png  \nhttps://example.com/c.gif"
	want := []string{"https://example.com/a.jpg", "https://example.com/b.png", "https://example.com/c.gif"}
	file := filepath.Join(t.TempDir(), "urls.txt")
	if err := os.WriteFile(file, []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		args, lists []string
	}{
		{"stdin", []string{"-"}, nil},
		{"at file", []string{"@" + file}, nil},
		{"list flag", nil, []string{file}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for src, err := range sources(t.Context(), tc.args, tc.lists, sourceOptions{}, strings.NewReader(list)) {
				if err != nil {
					t.Fatalf("source %q: %v", src, err)
				}
				got = append(got, src)
			}
			if !slices.Equal(got, want) {
				t.Errorf("sources = %q, want %q", got, want)
			}
		})
	}
}

// TestSourcesListNames checks the list rules for file names: a path is
// taken as written (spaces kept, "#1.jpg" a file), comments are "#" alone
// or followed by a space, URLs are trimmed; and -0 reads NUL-separated
// entries as find -print0 writes them.
func TestSourcesListNames(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"#1.jpg", " lead.jpg", "a\nb.jpg"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	lines := "# a comment\n" + filepath.Join(dir, "#1.jpg") + "\r\n" + dir + "/ lead.jpg\n  https://example.com/u.jpg  \n#\n"
	var got []string
	for src, err := range sources(t.Context(), []string{"-"}, nil, sourceOptions{}, strings.NewReader(lines)) {
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		got = append(got, src)
	}
	want := []string{filepath.Join(dir, "#1.jpg"), dir + "/ lead.jpg", "https://example.com/u.jpg"}
	if !slices.Equal(got, want) {
		t.Errorf("lines: sources = %q, want %q", got, want)
	}
	null := filepath.Join(dir, "a\nb.jpg") + "\x00" + dir + "/ lead.jpg\x00"
	got = nil
	for src, err := range sources(t.Context(), []string{"-"}, nil, sourceOptions{null: true}, strings.NewReader(null)) {
		if err != nil {
			t.Fatalf("%q: %v", src, err)
		}
		got = append(got, src)
	}
	want = []string{filepath.Join(dir, "a\nb.jpg"), dir + "/ lead.jpg"}
	if !slices.Equal(got, want) {
		t.Errorf("-0: sources = %q, want %q", got, want)
	}
}

// TestSourcesSelection: --include, --exclude and --depth on a folder tree.
func TestSourcesSelection(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"x.jpg", "a/x.jpg", "a/b/y.png", "c/z.webp", "a/notes.txt", ".hidden.jpg"} {
		full := filepath.Join(dir, p)
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		so   sourceOptions
		want []string
	}{
		{sourceOptions{}, []string{"a/b/y.png", "a/x.jpg", "c/z.webp", "x.jpg"}},
		{sourceOptions{include: []string{"*.jpg", "*.webp"}}, []string{"a/x.jpg", "c/z.webp", "x.jpg"}},
		{sourceOptions{exclude: []string{"x.*"}}, []string{"a/b/y.png", "c/z.webp"}},
		{sourceOptions{depth: 1}, []string{"x.jpg"}},
		{sourceOptions{depth: 2}, []string{"a/x.jpg", "c/z.webp", "x.jpg"}},
	} {
		var got []string
		for src, err := range sources(t.Context(), []string{dir}, nil, tc.so, nil) {
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(dir, src)
			got = append(got, filepath.ToSlash(rel))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %q, want %q", tc.so, got, tc.want)
		}
	}
}
