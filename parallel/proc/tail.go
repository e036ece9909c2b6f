package proc

import (
	"bytes"
	"sync"
)

// oomMarkers are what runtimes print when an allocation fails: the Go
// runtime's "fatal error: runtime: out of memory", strerror(ENOMEM), and
// the two ways a binary built with -race reports a refused reservation.
var oomMarkers = [][]byte{
	[]byte("out of memory"),
	[]byte("Cannot allocate memory"),
	[]byte("ThreadSanitizer failed to allocate"),
	[]byte("too many address space collisions"),
}

// markerCarry is how many trailing bytes of output are kept to find a
// marker split across writes: one less than the longest marker.
const markerCarry = len("ThreadSanitizer failed to allocate") - 1

// containsMarker reports whether b contains one of oomMarkers.
func containsMarker(b []byte) bool {
	for _, m := range oomMarkers {
		if bytes.Contains(b, m) {
			return true
		}
	}
	return false
}

// tail is an io.Writer that keeps the last max bytes written to it, and
// notes whether the output ever contained one of oomMarkers (even in a
// part that has since been dropped). It is safe for concurrent use.
type tail struct {
	max int

	mu    sync.Mutex
	buf   []byte // guarded by mu; the kept bytes are the last max of buf
	oom   bool   // guarded by mu
	carry []byte // guarded by mu; the last markerCarry bytes written
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.oom {
		if containsMarker(p) {
			t.oom = true
		} else if len(t.carry) > 0 {
			head := p[:min(len(p), markerCarry)]
			t.oom = containsMarker(append(t.carry, head...))
		}
		t.carry = append(t.carry, p[max(0, len(p)-markerCarry):]...)
		t.carry = t.carry[max(0, len(t.carry)-markerCarry):]
	}
	if len(p) >= t.max {
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return len(p), nil
	}
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

// Bytes returns a copy of the last max bytes written.
func (t *tail) Bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.buf[max(0, len(t.buf)-t.max):])
}

// sawOOM reports whether the output contained one of oomMarkers.
func (t *tail) sawOOM() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.oom
}
