package report

import (
	"testing"
	"time"
)

func TestFormatting(t *testing.T) {
	names := []struct{ in, want string }{
		{"https://example.com/photos/a.jpg?size=large#x", "a.jpg"},
		{"https://example.com/photos/", "photos"},
		{"/data/local/photo 1.png", "photo 1.png"},
		{`C:\photos\b.jpg`, "b.jpg"},
		{"plain.jpg", "plain.jpg"},
		{"odd?name.jpg", "odd?name.jpg"}, // a file name may hold a question mark
		{"", ""},
	}
	for _, tc := range names {
		if got := baseName(tc.in); got != tc.want {
			t.Errorf("baseName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	durations := []struct {
		in   time.Duration
		want string
	}{
		{0, "0 s"}, {1500 * time.Nanosecond, "1.5 µs"}, {42 * time.Millisecond, "42 ms"},
		{1234 * time.Millisecond, "1.23 s"}, {119 * time.Second, "1m59s"}, {8100 * time.Second, "2h15m"},
		{999700 * time.Nanosecond, "1 ms"}, {999700 * time.Microsecond, "1 s"}, {999 * time.Millisecond, "999 ms"},
	}
	for _, tc := range durations {
		if got := fmtDuration(tc.in); got != tc.want {
			t.Errorf("fmtDuration(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	sizes := []struct {
		in   int64
		want string
	}{{0, "0 B"}, {999, "999 B"}, {1500, "1.5 kB"}, {341_000_000, "341 MB"}, {2_500_000_000_000, "2.5 TB"},
		{999_999, "1 MB"}, {999_500, "1 MB"}, {999_499, "999 kB"}, {1_234_567, "1.23 MB"}}
	for _, tc := range sizes {
		if got := fmtBytes(tc.in); got != tc.want {
			t.Errorf("fmtBytes(%d) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
