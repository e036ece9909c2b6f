package natsjs

import (
	"testing"
	"time"
)

// ShortenResultTimings makes a Backend check on its results every watch,
// sweep after quiet without a result, and back off to at most max, until
// the end of the test. Call it before New.
func ShortenResultTimings(t testing.TB, watch, quiet, max time.Duration) {
	w, q, m := watchInterval, resultQuiet, sweepMax
	watchInterval, resultQuiet, sweepMax = watch, quiet, max
	t.Cleanup(func() { watchInterval, resultQuiet, sweepMax = w, q, m })
}
