package natsjs

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"
)

// queue is the state of the work queue as its consumers see it.
type queue struct {
	Consumers int    // worker consumers (one per set of tasks served)
	Queued    uint64 // tasks no worker has taken yet
	Running   int    // tasks delivered to a worker and not yet settled
	Redeliver int    // of those, tasks delivered more than once
	Pulling   int    // pull requests waiting: idle worker slots
}

// queueState sums the state of the work queue's consumers.
func queueState(ctx context.Context, tasks jetstream.Stream) (queue, error) {
	var q queue
	l := tasks.ListConsumers(ctx)
	for info := range l.Info() {
		q.Consumers++
		q.Queued += info.NumPending
		q.Running += info.NumAckPending
		q.Redeliver += info.NumRedelivered
		q.Pulling += info.NumWaiting
	}
	return q, l.Err()
}
