package download

import (
	"context"
	"iter"
	"sync"
)

// FetchAll fetches every source in srcs with [Downloader.Fetch], keeping up
// to MaxInFlight fetches going, and calls fn with each outcome as it
// completes: res on success, err (as Fetch returns it) on failure.
//
// fn is called from the goroutine that called FetchAll, one call at a
// time, between pulls from srcs, so it needs no locking. A fetch that has
// finished counts against MaxInFlight until fn has been called for it, so
// a slow fn slows the fetching down rather than piling up images in
// memory. Names are reserved in the order of srcs, so they do not depend
// on the order in which fetches complete.
//
// FetchAll returns when every source pulled has been reported. If ctx is
// done, it stops pulling sources, reports the fetches in progress (they
// fail with ctx's error) and returns ctx.Err(); otherwise it returns nil.
func (d *Downloader) FetchAll(ctx context.Context, srcs iter.Seq[string], fn func(src string, res *Result, err error)) error {
	d.init()
	type outcome struct {
		src string
		res *Result
		err error
	}
	limit := cap(d.lim.slots)
	// Buffered so that a finished fetch never waits for fn: every goroutine
	// can send, as at most limit are running.
	done := make(chan outcome, limit)
	var wg sync.WaitGroup
	defer wg.Wait()
	running := 0
	report := func(o outcome) {
		running--
		fn(o.src, o.res, o.err)
	}
	var stopped error
	for src := range srcs {
		for running >= limit {
			report(<-done)
		}
	drain:
		for {
			select {
			case o := <-done:
				report(o)
			default:
				break drain
			}
		}
		d.names.stem(src)
		running++
		wg.Go(func() {
			res, err := d.Fetch(ctx, src)
			done <- outcome{src, res, err}
		})
		// Checked after the start, not before: a source pulled once ctx
		// is done is still reported, failed with ctx's error by Fetch.
		if err := ctx.Err(); err != nil {
			stopped = err
			break
		}
	}
	for running > 0 {
		report(<-done)
	}
	return stopped
}
