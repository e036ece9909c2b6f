package main

import "testing"

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
