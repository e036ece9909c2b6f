package parallel

import (
	"context"
	"testing"
)

// callbacksLen returns how many completion callbacks f holds.
func (c *core) callbacksLen() int {
	c.tc.mu.Lock()
	defer c.tc.mu.Unlock()
	if c.tc.x == nil {
		return 0
	}
	return len(c.tc.x.callbacks)
}

// Polling a long task with Wait or AsCompleted, each time with a ctx that
// ends, must not leave a callback on its future per call.
func TestWaitLeavesNoCallbacks(t *testing.T) {
	ex := New(Config{Workers: 1})
	defer ex.Close()
	release := make(chan struct{})
	f := Submit(t.Context(), ex, func(context.Context) (int, error) {
		<-release
		return 1, nil
	})
	fs := []*Future[int]{f}
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	for range 100 {
		if _, pending, err := Wait(ended, fs, WaitAny); len(pending) != 1 || err == nil {
			t.Fatalf("Wait with an ended ctx = %d pending, %v; want 1 pending and an error", len(pending), err)
		}
		for range AsCompleted(ended, fs) {
			t.Fatal("AsCompleted with an ended ctx yielded an unfinished future")
		}
	}
	f.OnDone(func(*Future[int]) {})
	if got := f.callbacksLen(); got != 1 {
		t.Errorf("after 100 Waits and AsCompleted loops and one OnDone: %d callbacks on the future, want 1", got)
	}
	close(release)
	if _, _, err := Wait(t.Context(), fs, WaitAll); err != nil {
		t.Errorf("Wait(WaitAll) after the task finished: %v", err)
	}
	if got := f.callbacksLen(); got != 0 {
		t.Errorf("after completion: %d callbacks left, want 0", got)
	}
}
