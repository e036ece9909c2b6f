package parallel

import (
	"testing"
	"time"
)

// TestNextChunk checks the automatic chunk size: about 5 ms of work a
// round trip, one input for tasks slower than that, at most 512.
func TestNextChunk(t *testing.T) {
	tests := []struct {
		n    int
		d    time.Duration
		want int64
	}{
		{1, 100 * time.Microsecond, 50},    // 100 µs each
		{50, time.Millisecond, 250},        // 20 µs each
		{250, 500 * time.Microsecond, 512}, // 2 µs each: capped
		{4, 8 * time.Millisecond, 2},       // 2 ms each
		{1, 30 * time.Millisecond, 1},      // slow: alone
		{512, 2 * time.Second, 1},          // slowed down: back to one
		{3, 0, 512},                        // too fast to time
	}
	for _, tc := range tests {
		if got := nextChunk(tc.n, tc.d); got != tc.want {
			t.Errorf("nextChunk(%d, %v) = %d, want %d", tc.n, tc.d, got, tc.want)
		}
	}
}
