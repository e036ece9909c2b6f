package natsjs

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestSubjectName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"images.blur", "images.blur"},
		{"paralleltest.echo", "paralleltest.echo"},
		{"a-b_c", "a-b_c"},
		{"", "_.x"},
		{"no such > task *", "_.x" + hex.EncodeToString([]byte("no such > task *"))},
		{"a..b", "_.x" + hex.EncodeToString([]byte("a..b"))},
		{"_.61", "_.x" + hex.EncodeToString([]byte("_.61"))},
		{"ünï", "_.x" + hex.EncodeToString([]byte("ünï"))},
	}
	for _, tc := range tests {
		if got := subjectName(tc.name); got != tc.want {
			t.Errorf("subjectName(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// FuzzSubjectName checks that every task name maps to subject tokens that
// are safe in a subject, and that no two names share a subject.
func FuzzSubjectName(f *testing.F) {
	for _, s := range []string{"images.blur", "", "_", "_.", "a b", "a.>", "*", "ü", "x..y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		subj := subjectName(name)
		if hexed, ok := strings.CutPrefix(subj, "_.x"); ok {
			b, err := hex.DecodeString(hexed)
			if err != nil || string(b) != name || !validSubject(subj) {
				t.Fatalf("subjectName(%q) = %q: does not decode back", name, subj)
			}
			return
		}
		if subj != name || !validSubject(subj) || strings.HasPrefix(subj, "_") {
			t.Fatalf("subjectName(%q) = %q: neither the name itself as safe tokens nor its hex form", name, subj)
		}
	})
}
