package natsjs

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// publishPatience bounds how long a publish is retried. When a node of a
// cluster is lost, its streams elect new leaders within a few seconds;
// publishes made meanwhile get no acknowledgement.
const publishPatience = 30 * time.Second

// publish publishes msg with message id msgID and returns the server's
// acknowledgement. When none comes (a cluster electing a new leader for the
// stream, a reconnecting client), it publishes again with the same id,
// which the server de-duplicates, until publishPatience has passed or
// giveUp is done. Each attempt is bounded by publishTimeout.
func publish(ctx context.Context, js jetstream.JetStream, msg *nats.Msg, msgID string, giveUp <-chan struct{}) (*jetstream.PubAck, error) {
	deadline := time.Now().Add(publishPatience)
	for {
		actx, cancel := context.WithTimeout(ctx, publishTimeout(len(msg.Data)))
		ack, err := js.PublishMsg(actx, msg, jetstream.WithMsgID(msgID))
		cancel()
		if err == nil || ctx.Err() != nil || !retryable(err) || time.Now().After(deadline) {
			return ack, err
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-t.C:
		case <-giveUp:
			t.Stop()
			return nil, err
		}
	}
}

// publishTimeout bounds one attempt to publish n bytes: 2 seconds plus
// one per MiB. An acknowledgement normally takes milliseconds; one that
// does not come was most often lost with a node or a connection (the
// client reconnects within a second), and the next attempt, de-duplicated
// by its message id, is the quicker way through.
func publishTimeout(n int) time.Duration {
	return 2*time.Second + time.Duration(n>>20)*time.Second
}

// retryable reports whether a publish that failed with err may succeed if
// tried again.
func retryable(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, nats.ErrConnectionReconnecting)
}
