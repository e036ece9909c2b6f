package parallel

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"sync/atomic"
	"time"
)

// chunkPrefix starts the wire name of a chunk of a named task: a worker's
// registry runs each input of the chunk with the task named after the
// prefix and returns every result. Task names may not start with it.
const chunkPrefix = "parallel.chunk:"

// Automatic chunking (MapOptions.Chunk 0 on a Backend that runs chunks)
// starts with one input a round trip and then sizes each chunk so that its
// work takes about autoChunkTarget, from the time per input that the
// worker spent on the chunk that finished last (the round trip's own cost
// left out), between 1 and maxAutoChunk inputs: tiny tasks travel hundreds
// at a time, and a pipe's round trip of tens of microseconds is about one
// percent of the work it carries; the last chunks of a map keep a worker
// busy for about that time at most while others are idle; tasks slower
// than autoChunkTarget travel one at a time.
const (
	autoChunkTarget = 5 * time.Millisecond
	maxAutoChunk    = 512
)

// nextChunk returns the size of the next automatic chunk after one of n
// inputs ran in d.
func nextChunk(n int, d time.Duration) int64 {
	if d <= 0 {
		return maxAutoChunk
	}
	return min(max(int64(n)*int64(autoChunkTarget)/int64(d), 1), maxAutoChunk)
}

// chunkReply is a chunk's outcomes: the members' outputs in order, the
// errors of those that failed (marshalError's text) by index, and the
// time the worker spent running them, which sizes the next automatic
// chunk without the round trip's own cost. Outputs in one slice decode
// much faster than a record a member.
type chunkReply[Out any] struct {
	Outs []Out          `json:"o"`
	Errs map[int]string `json:"e,omitempty"`
	Took time.Duration  `json:"t,omitempty"`
}

// invokeChunk runs every input of a chunk (the task's codec's encoding of
// a []In) with the task, one after the other, and encodes their outcomes
// as a chunkReply: a failed input does not stop the others; once ctx is
// done the rest fail with its cause. The whole chunk is decoded and
// encoded in one call of the codec each way.
func (t *Task[In, Out]) invokeChunk(ctx context.Context, input []byte) ([]byte, error) {
	ins, err := protect(ctx, func(context.Context) ([]In, error) {
		var ins []In
		return ins, t.codec.Unmarshal(input, &ins)
	})
	if err != nil {
		return nil, Permanent(fmt.Errorf("parallel: task %s: decode chunk: %w", t.name, err))
	}
	res := chunkReply[Out]{Outs: make([]Out, len(ins))}
	start := time.Now()
	for i, in := range ins {
		err := context.Cause(ctx)
		if err == nil {
			res.Outs[i], err = t.call(ctx, in)
		}
		if err != nil {
			if res.Errs == nil {
				res.Errs = make(map[int]string)
			}
			res.Errs[i] = string(marshalError(err))
		}
	}
	res.Took = time.Since(start)
	b, err := protect(ctx, func(context.Context) ([]byte, error) { return t.codec.Marshal(res) })
	if err != nil {
		return nil, Permanent(fmt.Errorf("parallel: task %s: encode chunk: %w", t.name, err))
	}
	return b, nil
}

// call runs the task's function on in, a panic in it returned as a
// [*PanicError]: protect without a closure to allocate, for the members of
// a chunk.
func (t *Task[In, Out]) call(ctx context.Context, in In) (out Out, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = newPanicError(p)
		}
	}()
	return t.fn(ctx, in)
}

// chunk is a run of a MapCall's inputs that travels to the Backend in one
// round trip, and the futures of its members once it has run.
type chunk[In, Out any] struct {
	ins  []In
	outs []*Future[Out]
}

// mapChunked is MapCall on an executor whose Backend runs chunks: its
// inputs are sent in chunks of opts.Chunk (adaptive when 0). Each chunk
// holds one of ex's workers while it runs; each member gets a future of
// its own, with its own output or error, yielded in input order or, if
// opts.Unordered, with its chunk's other members when the chunk completes.
func mapChunked[In, Out any](ctx context.Context, ex *Executor, t *Task[In, Out], inputs iter.Seq[In], opts *MapOptions) iter.Seq[*Future[Out]] {
	var o MapOptions
	if opts != nil {
		o = *opts
	}
	return func(yield func(*Future[Out]) bool) {
		auto := o.Chunk <= 0
		var size atomic.Int64 // written by the workers, read by chunks
		size.Store(int64(max(o.Chunk, 1)))
		chunks := func(yieldChunk func(*chunk[In, Out]) bool) {
			c := &chunk[In, Out]{}
			for in := range inputs {
				c.ins = append(c.ins, in)
				if int64(len(c.ins)) >= size.Load() {
					if !yieldChunk(c) {
						return
					}
					c = &chunk[In, Out]{}
				}
			}
			if len(c.ins) > 0 {
				yieldChunk(c)
			}
		}
		b := ex.cfg.Backend
		run := func(ctx context.Context, c *chunk[In, Out]) (struct{}, error) {
			var took time.Duration
			c.outs, took = runChunk(ctx, b, t, c.ins)
			if auto && took >= 0 {
				size.Store(nextChunk(len(c.ins), took))
			}
			return struct{}{}, nil
		}
		for c, cf := range mapRun(ctx, ex, chunks, run, &MapOptions{Window: o.Window, Unordered: o.Unordered}) {
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
// own error for every member if the trip failed), and how long the worker
// took to run them (-1 if unknown).
func runChunk[In, Out any](ctx context.Context, b Backend, t *Task[In, Out], ins []In) ([]*Future[Out], time.Duration) {
	outs := make([]*Future[Out], len(ins))
	fail := func(err error) ([]*Future[Out], time.Duration) {
		for i := range outs {
			outs[i] = failed[Out](err, Failed)
		}
		return outs, -1
	}
	payload, err := t.codec.Marshal(ins)
	if err != nil {
		return fail(Permanent(fmt.Errorf("parallel: task %s: encode chunk: %w", t.name, err)))
	}
	reply, err := b.Run(ctx, chunkPrefix+t.name, payload)
	if err != nil {
		return fail(err)
	}
	var res chunkReply[Out]
	if err := t.codec.Unmarshal(reply, &res); err != nil {
		return fail(Permanent(fmt.Errorf("parallel: task %s: decode chunk: %w", t.name, err)))
	}
	if len(res.Outs) != len(ins) {
		return fail(Permanent(fmt.Errorf("parallel: task %s: chunk of %d results for %d inputs", t.name, len(res.Outs), len(ins))))
	}
	done := make([]Future[Out], len(ins)) // one allocation for the chunk's futures
	for i, v := range res.Outs {
		if msg, ok := res.Errs[i]; ok {
			outs[i] = failed[Out](unmarshalError([]byte(msg)), Failed)
			continue
		}
		f := &done[i]
		f.val = v
		f.state.Store(int32(Succeeded))
		f.done = closedChan
		outs[i] = f
	}
	return outs, res.Took
}

// isChunkName reports whether name is the wire name of a chunk.
func isChunkName(name string) (task string, ok bool) { return strings.CutPrefix(name, chunkPrefix) }
