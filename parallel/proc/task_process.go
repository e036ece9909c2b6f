package proc

import (
	"context"
	"fmt"

	"github.com/fanout-dev/fanout/parallel"
)

// TaskProcess is a registered task running in a child process of its own,
// as [Start] runs one, with its input and output in their Go types:
// multiprocessing.Process(target=f, args=(x,)) with a result. Its Join
// returns the decoded output; the other methods are [Process]'s.
type TaskProcess[Out any] struct {
	*Process
	codec parallel.Codec
}

// StartTask starts the registered task t on in, in a child process of
// its own, as [Start] does: in is encoded with t's codec, and
// [TaskProcess.Join] decodes the output. Errors are Start's, and an
// encoding error wrapping [parallel.ErrPermanent].
func StartTask[In, Out any](ctx context.Context, cfg Config, t *parallel.Task[In, Out], in In) (*TaskProcess[Out], error) {
	input, err := t.Codec().Marshal(in)
	if err != nil {
		return nil, parallel.Permanent(fmt.Errorf("proc: task %s: encode input: %w", t.Name(), err))
	}
	p, err := Start(ctx, cfg, t.Name(), input)
	if err != nil {
		return nil, err
	}
	return &TaskProcess[Out]{Process: p, codec: t.Codec()}, nil
}

// Join waits for the child to exit, as [Process.Join] does, and returns
// the task's output decoded, or its error.
func (p *TaskProcess[Out]) Join(ctx context.Context) (Out, error) {
	var out Out
	data, err := p.Process.Join(ctx)
	if err != nil {
		return out, err
	}
	if err := p.codec.Unmarshal(data, &out); err != nil {
		return out, parallel.Permanent(fmt.Errorf("proc: task %s: decode output: %w", p.name, err))
	}
	return out, nil
}
