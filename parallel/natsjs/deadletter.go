package natsjs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/parallel"
)

// maxDeliveriesAdvisory is the part of the server's max-deliveries advisory
// the mover reads.
type maxDeliveriesAdvisory struct {
	Stream     string `json:"stream"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries uint64 `json:"deliveries"`
}

// moveDeadLetters reads the advisories stream until ctx is done. The server
// leaves a task that reached MaxDeliver in the work-queue stream for ever
// (by design), and emits an advisory; for each one the mover copies the task
// to the dead-letter stream, tells its submitter, and deletes it from the
// work queue. The advisories are kept in a stream so that none is lost while
// no worker runs; every worker runs a mover on one shared consumer.
//
// Tasks that fail on their last delivery are dead-lettered by the worker
// itself, with their error; the mover handles the others: a worker that died
// or stalled during the last delivery.
func (w *worker) moveDeadLetters(ctx context.Context, letters jetstream.MessagesContext) {
	for {
		m, err := letters.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			return
		}
		if err != nil {
			continue
		}
		var adv maxDeliveriesAdvisory
		if err := json.Unmarshal(m.Data(), &adv); err != nil || adv.Stream != w.cfg.tasksStream() {
			m.Term() // not ours to handle, and retrying will not change it
			continue
		}
		if err := w.moveDeadLetter(ctx, adv); err != nil {
			w.log.Warn("natsjs: dead-letter mover", "seq", adv.StreamSeq, "err", err)
			m.NakWithDelay(time.Second)
			continue
		}
		m.Ack()
	}
}

// moveDeadLetter moves the task the advisory names to the dead-letter
// stream. A task no longer in the work queue (cancelled, or settled by the
// worker after all) needs nothing.
func (w *worker) moveDeadLetter(ctx context.Context, adv maxDeliveriesAdvisory) error {
	ctx, cancel := context.WithTimeout(ctx, cleanupTimeout)
	defer cancel()
	raw, err := w.c.tasks.GetMsg(ctx, adv.StreamSeq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get task: %w", err)
	}
	name := raw.Header.Get(hdrTask)
	cause := parallel.Permanent(fmt.Errorf("natsjs: task %s abandoned after %d deliveries: no worker finished it within the ack wait (worker lost or stalled)",
		name, adv.Deliveries))
	if err := w.deadLetter(ctx, raw, int(adv.Deliveries), cause); err != nil {
		return fmt.Errorf("publish dead letter: %w", err)
	}
	if reply, id := raw.Header.Get(hdrReply), raw.Header.Get(hdrID); id != "" && strings.HasPrefix(reply, w.cfg.resultPrefix()) {
		w.fail(ctx, w.log, reply, id, cause, false)
	}
	if err := w.c.tasks.DeleteMsg(ctx, adv.StreamSeq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("delete task: %w", err)
	}
	return nil
}
