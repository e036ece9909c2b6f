package download

import (
	"context"
	"sync"
)

// limiter bounds the fetches in progress: at most cap(slots) in all, and at
// most perHost per host. A fetch takes its host's token first and a global
// slot second, so fetches queued behind a busy host hold no global slot
// that a fetch from another host could use.
type limiter struct {
	slots   chan struct{}
	perHost int

	mu    sync.Mutex
	hosts map[string]*hostSlots // guarded by mu; entries live while refs > 0
}

type hostSlots struct {
	tokens chan struct{}
	refs   int // guarded by limiter.mu: fetches holding or waiting for a token
}

func newLimiter(total, perHost int) *limiter {
	return &limiter{
		slots:   make(chan struct{}, total),
		perHost: perHost,
		hosts:   make(map[string]*hostSlots),
	}
}

// acquire blocks until the fetch may start, or ctx is done. host "" (local
// files) takes only a global slot. On success the returned func releases
// what was taken; it must be called exactly once. On failure nothing is
// held and the error is ctx.Err().
//
// A send on a buffered channel happens before the matching receive
// completes, so work done under a slot happens before the release that lets
// the next fetch in: the usual semaphore guarantee.
func (l *limiter) acquire(ctx context.Context, host string) (release func(), err error) {
	var hs *hostSlots
	if host != "" && l.perHost < cap(l.slots) {
		hs = l.refHost(host)
		select {
		case hs.tokens <- struct{}{}:
		case <-ctx.Done():
			l.unref(host, hs)
			return nil, ctx.Err()
		}
	}
	select {
	case l.slots <- struct{}{}:
	case <-ctx.Done():
		if hs != nil {
			<-hs.tokens
			l.unref(host, hs)
		}
		return nil, ctx.Err()
	}
	return func() {
		<-l.slots
		if hs != nil {
			<-hs.tokens
			l.unref(host, hs)
		}
	}, nil
}

// refHost returns host's tokens with a reference taken; unref drops it.
func (l *limiter) refHost(host string) *hostSlots {
	l.mu.Lock()
	defer l.mu.Unlock()
	hs := l.hosts[host]
	if hs == nil {
		hs = &hostSlots{tokens: make(chan struct{}, l.perHost)}
		l.hosts[host] = hs
	}
	hs.refs++
	return hs
}

func (l *limiter) unref(host string, hs *hostSlots) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if hs.refs--; hs.refs == 0 {
		delete(l.hosts, host)
	}
}
