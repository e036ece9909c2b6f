package main

import (
	"flag"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantPos []string
		wantOut string
		wantN   int
	}{
		{"flags first", []string{"-o", "out", "a.jpg", "b.jpg"}, []string{"a.jpg", "b.jpg"}, "out", 0},
		{"flags after", []string{"a.jpg", "-o", "out", "b.jpg", "-n", "3"}, []string{"a.jpg", "b.jpg"}, "out", 3},
		{"double dash", []string{"-n", "2", "--", "-o", "x"}, []string{"-o", "x"}, "", 2},
		{"stdin dash", []string{"-", "-o", "out"}, []string{"-"}, "out", 0},
		{"none", nil, nil, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			out := fs.String("o", "", "")
			n := fs.Int("n", 0, "")
			pos, err := parseInterspersed(fs, tc.args)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantPos, pos); diff != "" {
				t.Errorf("positional (-want +got):\n%s", diff)
			}
			if *out != tc.wantOut || *n != tc.wantN {
				t.Errorf("flags = %q, %d; want %q, %d", *out, *n, tc.wantOut, tc.wantN)
			}
		})
	}
}
