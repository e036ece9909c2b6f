package parallel

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// chunkPrefix starts the wire name of a chunk of a named task: a worker's
// registry runs each input of the chunk with the task named after the
// prefix and returns every result. Task names may not start with it.
const chunkPrefix = "parallel.chunk:"

// Automatic chunking (MapConfig.Chunk 0 on a Backend) starts with one
// input a round trip and doubles the chunk while its tasks take under
// autoChunkTask each, up to maxAutoChunk: tiny tasks travel hundreds at a
// time, slow ones one at a time, so that the workers stay balanced.
const (
	autoChunkTask = 2 * time.Millisecond
	maxAutoChunk  = 512
)

// appendChunkItem appends a length-prefixed item to a chunk's encoding.
func appendChunkItem(dst []byte, kind byte, item []byte) []byte {
	dst = append(dst, kind)
	dst = binary.AppendUvarint(dst, uint64(len(item)))
	return append(dst, item...)
}

// chunkItems splits a chunk's encoding into its items and their kinds.
func chunkItems(b []byte) (kinds []byte, items [][]byte, err error) {
	for len(b) > 0 {
		kind := b[0]
		n, k := binary.Uvarint(b[1:])
		if k <= 0 || n > uint64(len(b)-1-k) {
			return nil, nil, errors.New("parallel: malformed chunk")
		}
		kinds = append(kinds, kind)
		items = append(items, b[1+k:1+k+int(n)])
		b = b[1+k+int(n):]
	}
	return kinds, items, nil
}

// Kinds of chunk items: an input, an output, an error.
const (
	itemInput  = 'i'
	itemOutput = 'o'
	itemError  = 'e'
)

// invokeChunk runs every input of a chunk with the task name, one after
// the other, and encodes each output or error: a failed input does not
// stop the others; once ctx is done the rest fail with its cause.
func (r *Registry) invokeChunk(ctx context.Context, name string, input []byte) ([]byte, error) {
	_, items, err := chunkItems(input)
	if err != nil {
		return nil, Permanent(err)
	}
	var out []byte
	for _, in := range items {
		res, err := r.Invoke(ctx, name, in)
		if err == nil {
			if err = context.Cause(ctx); err == nil {
				out = appendChunkItem(out, itemOutput, res)
				continue
			}
		}
		out = appendChunkItem(out, itemError, MarshalError(err))
	}
	return out, nil
}

// chunk is a run of a MapCall's inputs that travels to the Backend in one
// round trip, and the futures of its members once it has run.
type chunk[In, Out any] struct {
	ins  []In
	outs []*Future[Out]
}

// completed returns a future that has already succeeded with v.
func completed[T any](v T) *Future[T] {
	f := &Future[T]{val: v}
	f.state.Store(int32(Succeeded))
	f.done = closedChan
	return f
}

// mapChunked is MapCall in input order on an executor with a Backend,
// its inputs sent in chunks of cfg.Chunk (adaptive when 0). Each chunk
// holds one of ex's workers while it runs; each member gets a future of
// its own, with its own output or error.
func mapChunked[In, Out any](ctx context.Context, ex *Executor, t *Task[In, Out], inputs iter.Seq[In], cfg MapConfig) iter.Seq[*Future[Out]] {
	return func(yield func(*Future[Out]) bool) {
		auto := cfg.Chunk <= 0
		var size atomic.Int64
		size.Store(int64(max(cfg.Chunk, 1)))
		var mu sync.Mutex
		var pulled []*chunk[In, Out] // in input order, until yielded
		chunks := func(yieldChunk func(*chunk[In, Out]) bool) {
			c := &chunk[In, Out]{}
			for in := range inputs {
				c.ins = append(c.ins, in)
				if int64(len(c.ins)) >= size.Load() {
					mu.Lock()
					pulled = append(pulled, c)
					mu.Unlock()
					if !yieldChunk(c) {
						return
					}
					c = &chunk[In, Out]{}
				}
			}
			if len(c.ins) > 0 {
				mu.Lock()
				pulled = append(pulled, c)
				mu.Unlock()
				yieldChunk(c)
			}
		}
		b := ex.cfg.Backend
		run := func(ctx context.Context, c *chunk[In, Out]) (*chunk[In, Out], error) {
			start := time.Now()
			c.outs = runChunk(ctx, b, t, c.ins)
			if n := size.Load(); auto && n < maxAutoChunk && time.Since(start) < autoChunkTask*time.Duration(len(c.ins)) {
				size.CompareAndSwap(n, min(2*n, maxAutoChunk))
			}
			return c, nil
		}
		window := cfg.Window
		if window <= 0 {
			ex.init()
			window = 2 * min(ex.workers, maxWindow)
		}
		for cf := range mapWith(ctx, ex, chunks, run, MapConfig{Window: window}) {
			mu.Lock()
			c := pulled[0]
			pulled = pulled[1:]
			mu.Unlock()
			if err := cf.Err(); err != nil { // the chunk never ran: the map is stopping
				for range c.ins {
					if !yield(failed[Out](err, cf.State())) {
						return
					}
				}
				continue
			}
			for _, f := range c.outs {
				if !yield(f) {
					return
				}
			}
		}
	}
}

// runChunk runs the inputs on the Backend in one round trip and returns a
// finished future for each: its output, or its error (the round trip's
// own error for every member if the trip failed).
func runChunk[In, Out any](ctx context.Context, b Backend, t *Task[In, Out], ins []In) []*Future[Out] {
	outs := make([]*Future[Out], len(ins))
	var payload []byte
	for i, in := range ins {
		data, err := t.codec.Marshal(in)
		if err != nil {
			outs[i] = failed[Out](Permanent(fmt.Errorf("parallel: task %s: encode input: %w", t.name, err)), Failed)
			continue
		}
		payload = appendChunkItem(payload, itemInput, data)
	}
	fail := func(err error) {
		for i := range outs {
			if outs[i] == nil {
				outs[i] = failed[Out](err, Failed)
			}
		}
	}
	res, err := b.Run(ctx, chunkPrefix+t.name, payload)
	if err != nil {
		fail(err)
		return outs
	}
	kinds, items, err := chunkItems(res)
	if err != nil {
		fail(Permanent(err))
		return outs
	}
	k := 0
	for i := range outs {
		if outs[i] != nil {
			continue // failed to encode: not sent
		}
		if k >= len(items) {
			outs[i] = failed[Out](Permanent(fmt.Errorf("parallel: task %s: chunk of %d results for %d inputs", t.name, len(items), len(ins))), Failed)
			continue
		}
		switch kinds[k] {
		case itemOutput:
			var out Out
			if err := t.codec.Unmarshal(items[k], &out); err != nil {
				outs[i] = failed[Out](Permanent(fmt.Errorf("parallel: task %s: decode output: %w", t.name, err)), Failed)
			} else {
				outs[i] = completed(out)
			}
		default:
			outs[i] = failed[Out](UnmarshalError(items[k]), Failed)
		}
		k++
	}
	return outs
}

// isChunkName reports whether name is the wire name of a chunk.
func isChunkName(name string) (task string, ok bool) { return strings.CutPrefix(name, chunkPrefix) }

// backendOf returns ex's Backend, or nil.
func backendOf(ex *Executor) Backend {
	if ex == nil {
		return nil
	}
	return ex.cfg.Backend
}
