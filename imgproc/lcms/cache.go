package lcms

import (
	"container/list"
	"crypto/sha256"
	"sync"
)

// cacheSize is how many transforms a cache keeps. A batch usually meets a
// handful of profiles (the camera's, Display P3, Adobe RGB); an 8-bit
// matrix/TRC transform takes about 100 KB, a CMYK one about 500 KB.
const cacheSize = 16

// cacheKey identifies a transform: the profile's SHA-256, the formats, the
// intent and which implementation built it.
type cacheKey struct {
	sum      [sha256.Size]byte
	in, out  PixelFormat
	intent   Intent
	portable bool
}

func newKey(icc []byte, in, out PixelFormat, intent Intent, portable bool) cacheKey {
	return cacheKey{sum: sha256.Sum256(icc), in: in, out: out, intent: intent, portable: portable}
}

// transformer is a built transform: native (a LittleCMS handle) or
// portable (Go tables). apply may run on many goroutines at once.
type transformer interface {
	apply(dst, src Pixels, width, height int)
	free()
}

// cache keeps the most recently used transforms, and the errors of
// profiles that failed, up to max entries. Building a transform is costly
// (LittleCMS precomputes tables, a CMYK profile's grid takes tens of
// milliseconds); applying one is not. Entries are reference-counted so
// that an entry evicted while a conversion uses it is freed only when that
// conversion ends.
type cache struct {
	mu      sync.Mutex
	max     int
	entries map[cacheKey]*entry // guarded by mu
	order   list.List           // of *entry, most recently used first; guarded by mu
}

type entry struct {
	key  cacheKey
	once sync.Once // builds xf or err
	xf   transformer
	err  error
	refs int           // users, plus one while cached; guarded by cache.mu
	elem *list.Element // in cache.order while cached; guarded by cache.mu
}

// acquire returns the entry for key, built by build on first use; the
// caller must release it. Concurrent callers asking for the same key wait
// for one build. A failed build is cached as well, so that a batch of
// images with the same broken profile does not rebuild it each time.
func (c *cache) acquire(key cacheKey, build func() (transformer, error)) (*entry, error) {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = make(map[cacheKey]*entry)
	}
	e := c.entries[key]
	if e == nil {
		e = &entry{key: key, refs: 1}
		e.elem = c.order.PushFront(e)
		c.entries[key] = e
		for c.order.Len() > max(c.max, 1) {
			c.evictLocked(c.order.Back().Value.(*entry))
		}
	} else {
		c.order.MoveToFront(e.elem)
	}
	e.refs++
	c.mu.Unlock()

	// The Once orders the build before every use of xf and err.
	e.once.Do(func() { e.xf, e.err = build() })
	if e.err != nil {
		err := e.err
		c.release(e)
		return nil, err
	}
	return e, nil
}

// evictLocked removes e from the cache and drops the cache's reference.
func (c *cache) evictLocked(e *entry) {
	c.order.Remove(e.elem)
	delete(c.entries, e.key)
	e.elem = nil
	c.dropLocked(e)
}

// release drops a reference acquire gave.
func (c *cache) release(e *entry) {
	c.mu.Lock()
	c.dropLocked(e)
	c.mu.Unlock()
}

func (c *cache) dropLocked(e *entry) {
	e.refs--
	if e.refs == 0 && e.xf != nil {
		// No conversion uses it and the cache no longer holds it. xf is
		// read here after acquire's Once: every holder of a reference
		// passed through it.
		e.xf.free()
		e.xf = nil
	}
}

// len returns how many entries the cache holds.
func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
