package report

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestCover checks the union against a brute-force count of covered
// milliseconds, for intervals added in random order and folded on the way.
func TestCover(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		var c cover
		covered := make([]bool, 1000)
		floor := 0
		for range 1 + rng.IntN(40) {
			s := floor + rng.IntN(1000-floor)
			e := min(s+rng.IntN(80), 1000)
			c.add(time.Duration(s), time.Duration(e))
			for i := s; i < e; i++ {
				covered[i] = true
			}
			if rng.IntN(8) == 0 {
				// Fold at a horizon no later interval starts before.
				floor = max(floor, rng.IntN(1000))
				c.fold(time.Duration(floor))
			}
		}
		want := 0
		for _, b := range covered {
			if b {
				want++
			}
		}
		if got := c.total(); got != time.Duration(want) {
			t.Fatalf("round %d: total = %d, want %d", round, got, want)
		}
		for i := 1; i < len(c.ivs); i++ {
			if c.ivs[i].Start <= c.ivs[i-1].End {
				t.Fatalf("round %d: intervals %v and %v not merged", round, c.ivs[i-1], c.ivs[i])
			}
		}
	}
}
