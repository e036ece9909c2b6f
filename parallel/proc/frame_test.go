package proc

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFrameRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		f    frame
	}{
		{"hello", frame{kind: kindHello, version: protocolVersion}},
		{"task", frame{kind: kindTask, id: 1<<64 - 1, name: "paralleltest.echo", payload: []byte(`"x"`)}},
		{"task-empty", frame{kind: kindTask, id: 7, name: "t", payload: []byte{}}},
		{"task-long-name", frame{kind: kindTask, id: 2, name: strings.Repeat("n", maxNameLen), payload: []byte{1, 2}}},
		{"result", frame{kind: kindResult, id: 3, payload: []byte("49")}},
		{"error", frame{kind: kindError, id: 4, payload: []byte(`{"kind":"panic","msg":"x"}`)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc := appendFrame([]byte("prefix"), tc.f)
			if !bytes.HasPrefix(enc, []byte("prefix")) {
				t.Fatalf("appendFrame overwrote dst")
			}
			r := bytes.NewReader(enc[len("prefix"):])
			got, err := readFrame(r, 1<<20)
			if err != nil {
				t.Fatalf("readFrame(appendFrame(%v)): %v", tc.name, err)
			}
			if diff := cmp.Diff(tc.f, got, cmp.AllowUnexported(frame{}), cmp.Comparer(bytes.Equal)); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
			if _, err := readFrame(r, 1<<20); err != io.EOF {
				t.Errorf("readFrame at end = %v, want io.EOF", err)
			}
		})
	}
}

func TestReadFrameErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		limit int
		want  string
	}{
		{"too-large", []byte{0xff, 0xff, 0xff, 0xff, 'R'}, 1 << 20, "frame too large: 4294967295 bytes, limit 1048576"},
		{"truncated-header", []byte{0, 0}, 100, "truncated frame header"},
		{"truncated-body", []byte{0, 0, 0, 10, 'R', 0}, 100, "truncated frame of 10 bytes"},
		{"empty", []byte{0, 0, 0, 0}, 100, "empty frame"},
		{"unknown-kind", []byte{0, 0, 0, 1, 'Z'}, 100, `unknown frame kind 'Z'`},
		{"short-result", []byte{0, 0, 0, 3, 'R', 0, 0}, 100, "result frame of 3 bytes is too short"},
		{"short-task", []byte{0, 0, 0, 3, 'T', 0, 0}, 100, "task frame of 3 bytes is too short"},
		{"task-name-overrun", append([]byte{0, 0, 0, 12, 'T', 0, 0, 0, 0, 0, 0, 0, 1, 0, 9}, 'a'), 100, "task frame names 9 bytes but holds 1"},
		{"bad-hello", []byte{0, 0, 0, 2, 'H', 1}, 100, "hello frame of 2 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readFrame(bytes.NewReader(tc.in), tc.limit)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("readFrame(%x) = %v, want an error containing %q", tc.in, err, tc.want)
			}
		})
	}
	_, err := readFrame(bytes.NewReader([]byte{0, 0, 1, 0}), 255)
	if !errors.Is(err, errFrameTooLarge) {
		t.Errorf("readFrame over the limit = %v, want errFrameTooLarge", err)
	}
}

// FuzzReadFrame checks that no input makes readFrame panic or allocate
// past its limit, and that what it accepts encodes back to the same bytes.
func FuzzReadFrame(f *testing.F) {
	f.Add(appendFrame(nil, frame{kind: kindHello, version: protocolVersion}))
	f.Add(appendFrame(nil, frame{kind: kindTask, id: 9, name: "square", payload: []byte("12")}))
	f.Add(appendFrame(nil, frame{kind: kindResult, id: 9, payload: []byte("144")}))
	f.Add(appendFrame(nil, frame{kind: kindError, id: 9, payload: []byte(`{"msg":"boom"}`)}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	const limit = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		fr, err := readFrame(r, limit)
		if err != nil {
			return
		}
		if len(fr.payload) > limit {
			t.Fatalf("payload of %d bytes over the limit %d", len(fr.payload), limit)
		}
		consumed := len(data) - r.Len()
		if enc := appendFrame(nil, fr); !bytes.Equal(enc, data[:consumed]) {
			t.Errorf("re-encoding %x gave %x", data[:consumed], enc)
		}
	})
}

func TestTail(t *testing.T) {
	tests := []struct {
		name    string
		writes  []string
		want    string
		wantOOM bool
	}{
		{"short", []string{"a", "bc"}, "abc", false},
		{"keeps-last", []string{"0123456789", "abcdef"}, "89abcdef", false},
		{"one-big-write", []string{"0123456789abcdef"}, "89abcdef", false},
		{"oom", []string{"fatal error: runtime: out of memory\n", strings.Repeat("x", 100)}, strings.Repeat("x", 8), true},
		{"oom-split", []string{"fatal error: runtime: out of me", "mory"}, "f memory", true},
		{"oom-split-tiny", []string{"out of", " ", "m", "emory"}, "f memory", true},
		{"no-oom", []string{"out of mem", "x", "ory"}, " memxory", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tl := newTail(8)
			for _, w := range tc.writes {
				if n, err := tl.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			if got := string(tl.Bytes()); got != tc.want {
				t.Errorf("Bytes() = %q, want %q", got, tc.want)
			}
			if got := tl.sawOOM(); got != tc.wantOOM {
				t.Errorf("sawOOM() = %v, want %v", got, tc.wantOOM)
			}
		})
	}
}

func TestCheckReply(t *testing.T) {
	broken := errors.New("proc: frame of 9000000000 bytes is over the limit")
	tests := []struct {
		name  string
		f     frame
		rerr  error
		ok    bool
		cause string // "" means a nil cause
	}{
		{"result", frame{kind: kindResult, id: 7}, nil, true, ""},
		{"error", frame{kind: kindError, id: 7}, nil, true, ""},
		{"died before replying", frame{}, io.EOF, false, ""},
		{"died mid-reply", frame{}, io.ErrUnexpectedEOF, false, ""},
		{"bad frame", frame{}, broken, false, broken.Error()},
		{"wrong kind", frame{kind: kindHello, id: 7}, nil, false, `proc: unexpected frame 'H' in reply to a task`},
		{"wrong id", frame{kind: kindResult, id: 6}, nil, false, "proc: reply to task 7 carries id 6"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cause, ok := checkReply(tc.f, tc.rerr, 7)
			got := ""
			if cause != nil {
				got = cause.Error()
			}
			if ok != tc.ok || got != tc.cause {
				t.Errorf("checkReply = %q, %v; want %q, %v", got, ok, tc.cause, tc.ok)
			}
		})
	}
}
