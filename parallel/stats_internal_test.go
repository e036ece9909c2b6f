package parallel

import (
	"testing"
	"time"
)

func TestHistogramBuckets(t *testing.T) {
	// Every value falls in a bucket whose middle is within 1/16 of it,
	// and buckets grow with the value.
	prev := -1
	for _, v := range []int64{0, 1, 7, 15, 16, 17, 31, 32, 100, 1000, 12345, 1e6, 1e9, 3.6e12, 1 << 62} {
		b := bucketOf(v)
		if b < prev || b >= numBuckets {
			t.Fatalf("bucketOf(%d) = %d after %d, want increasing and < %d", v, b, prev, numBuckets)
		}
		prev = b
		mid := bucketMid(b)
		if diff := float64(mid-v) / float64(max(v, 1)); diff > 1.0/16 || diff < -1.0/16 {
			t.Errorf("bucketMid(bucketOf(%d)) = %d, off by %.1f%%", v, mid, 100*diff)
		}
	}
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(int64(time.Duration(i) * time.Microsecond))
	}
	l := h.latency()
	if l.Count != 1000 || l.Max != time.Millisecond || l.Mean != 500500*time.Nanosecond {
		t.Errorf("latency = %+v, want 1000 values, max 1ms, mean 500.5µs", l)
	}
	for _, q := range []struct {
		got, want time.Duration
	}{{l.P50, 500 * time.Microsecond}, {l.P90, 900 * time.Microsecond}, {l.P99, 990 * time.Microsecond}} {
		if d := q.got - q.want; d > q.want/16 || d < -q.want/16 {
			t.Errorf("quantile = %v, want within 1/16 of %v", q.got, q.want)
		}
	}
}
