package lcms

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

type fakeTransform struct{ freed *atomic.Int32 }

func (f fakeTransform) apply(dst, src Pixels, width, height int) {}
func (f fakeTransform) free()                                    { f.freed.Add(1) }

func key(i int) cacheKey { return cacheKey{sum: [32]byte{byte(i)}} }

// TestCacheEviction checks that the cache keeps at most max transforms,
// frees an evicted one only when its last user releases it, and builds
// each key once however many goroutines ask for it together.
func TestCacheEviction(t *testing.T) {
	var freed atomic.Int32
	var builds atomic.Int32
	c := &cache{max: 2}
	build := func() (transformer, error) {
		builds.Add(1)
		return fakeTransform{&freed}, nil
	}
	held, err := c.acquire(key(0), build)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		e, err := c.acquire(key(i), build)
		if err != nil {
			t.Fatal(err)
		}
		c.release(e)
	}
	if n := c.len(); n != 2 {
		t.Errorf("cache holds %d entries, want 2", n)
	}
	// Keys 0 and 1 were evicted; 0 is still held.
	if n := freed.Load(); n != 1 {
		t.Errorf("%d transforms freed, want 1 (the evicted one nobody holds)", n)
	}
	c.release(held)
	if n := freed.Load(); n != 2 {
		t.Errorf("%d transforms freed after the last release, want 2", n)
	}

	builds.Store(0)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			e, err := c.acquire(key(9), build)
			if err != nil {
				t.Error(err)
				return
			}
			c.release(e)
		})
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Errorf("key built %d times by concurrent callers, want once", n)
	}
}

// TestCacheErrors checks that a failed build is cached: a batch of images
// with the same broken profile parses it once.
func TestCacheErrors(t *testing.T) {
	c := &cache{max: 4}
	builds := 0
	boom := errors.New("boom")
	for range 3 {
		_, err := c.acquire(key(1), func() (transformer, error) { builds++; return nil, boom })
		if !errors.Is(err, boom) {
			t.Fatalf("acquire: %v, want the build's error", err)
		}
	}
	if builds != 1 {
		t.Errorf("failing build ran %d times, want 1", builds)
	}
}

// TestSRGBColorants checks the built-in sRGB colorants against those
// LittleCMS wrote into the profile Pillow saved (s15Fixed16, so within
// half of 1/65536).
func TestSRGBColorants(t *testing.T) {
	p, err := ParseProfile(mustRead(t, "srgb-lcms-v4.icc"))
	if err != nil {
		t.Fatal(err)
	}
	want := srgbColorants()
	for i := range 3 {
		for j := range 3 {
			if d := p.colorants[i][j] - want[i][j]; d > 0.5/65536 || d < -0.5/65536 {
				t.Errorf("colorant [%d][%d]: %v, saved %v", i, j, want[i][j], p.colorants[i][j])
			}
		}
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "imgproc", "icc", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}
