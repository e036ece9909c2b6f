package proc

import (
	"bytes"
	"sync"
)

// oomMarker is what the Go runtime (and most C runtimes' abort paths)
// print when an allocation fails: "fatal error: runtime: out of memory".
var oomMarker = []byte("out of memory")

// tail is an io.Writer that keeps the last max bytes written to it, and
// notes whether the output ever contained oomMarker (even in a part that
// has since been dropped). It is safe for concurrent use.
type tail struct {
	max int

	mu    sync.Mutex
	buf   []byte // guarded by mu; the kept bytes are the last max of buf
	oom   bool   // guarded by mu
	carry []byte // guarded by mu; the last len(oomMarker)-1 bytes, to find a marker split across writes
}

func newTail(max int) *tail { return &tail{max: max} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.oom {
		if bytes.Contains(p, oomMarker) {
			t.oom = true
		} else if len(t.carry) > 0 {
			head := p[:min(len(p), len(oomMarker)-1)]
			t.oom = bytes.Contains(append(t.carry, head...), oomMarker)
		}
		keep := len(oomMarker) - 1
		t.carry = append(t.carry, p[max(0, len(p)-keep):]...)
		t.carry = t.carry[max(0, len(t.carry)-keep):]
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

// sawOOM reports whether the output contained oomMarker.
func (t *tail) sawOOM() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.oom
}
