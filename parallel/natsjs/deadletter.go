package natsjs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
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
	w.stats.deadLettered.Add(1)
	w.log.Info("natsjs: dead-letter mover: abandoned task dead-lettered", "task", name, "deliveries", adv.Deliveries)
	return nil
}

// DeadLetter is a task in the dead-letter stream: it failed on every
// delivery, or its worker was lost on the last one.
type DeadLetter struct {
	Seq        uint64    // its sequence in the dead-letter stream, which names it to RetryDeadLetters and PurgeDeadLetters
	Task       string    // the task's name
	ID         string    // the task's id
	Error      string    // why it is there: the last error
	Deliveries int       // how often it was delivered
	Time       time.Time // when it was dead-lettered
	Size       int       // bytes of its input, when inline
	Object     string    // the object holding its input, when claim-checked (kept for ResultTTL)
}

// maxListed bounds how many dead letters ListDeadLetters returns.
const maxListed = 10000

// ListDeadLetters returns the dead letters of the cluster cfg names, oldest
// first, at most 10,000. It creates nothing: it returns an error wrapping
// [jetstream.ErrStreamNotFound] when the cluster has not been set up.
func ListDeadLetters(ctx context.Context, js jetstream.JetStream, cfg Config) ([]DeadLetter, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s, err := js.Stream(ctx, cfg.dlqStream())
	if err != nil {
		return nil, fmt.Errorf("natsjs: dead letters: stream %s: %w", cfg.dlqStream(), err)
	}
	st := s.CachedInfo().State
	var out []DeadLetter
	for seq := st.FirstSeq; seq != 0 && seq <= st.LastSeq && uint64(len(out)) < st.Msgs && len(out) < maxListed; seq++ {
		raw, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue // removed
		}
		if err != nil {
			return out, fmt.Errorf("natsjs: dead letters: get %d: %w", seq, err)
		}
		out = append(out, deadLetterOf(raw))
	}
	return out, nil
}

// deadLetterOf describes a message of the dead-letter stream.
func deadLetterOf(raw *jetstream.RawStreamMsg) DeadLetter {
	n, _ := strconv.Atoi(raw.Header.Get(hdrDeliveries))
	return DeadLetter{
		Seq:        raw.Sequence,
		Task:       raw.Header.Get(hdrTask),
		ID:         raw.Header.Get(hdrID),
		Error:      raw.Header.Get(hdrError),
		Deliveries: n,
		Time:       raw.Time,
		Size:       len(raw.Data),
		Object:     raw.Header.Get(hdrObject),
	}
}

// RetryDeadLetters puts the dead letters at sequences seqs (all of them
// when seqs is empty) back in the work queue, with their deliveries
// counted afresh, and removes them from the dead-letter stream. It returns
// how many it moved, and stops at the first failure. A retried task's
// result goes to its submitter if that still waits for it: a [Backend]
// has had the failure already and drops it, so retrying is for tasks whose
// work is what they do (write an output), not what they return. A
// sequence that is not a dead letter is an error wrapping
// [jetstream.ErrMsgNotFound].
func RetryDeadLetters(ctx context.Context, js jetstream.JetStream, cfg Config, seqs []uint64) (int, error) {
	return eachDeadLetter(ctx, js, cfg, seqs, func(s jetstream.Stream, raw *jetstream.RawStreamMsg) error {
		name := raw.Header.Get(hdrTask)
		msg := nats.NewMsg(cfg.taskSubject(name))
		for k, v := range raw.Header {
			switch k {
			case hdrError, hdrDeliveries, hdrStreamSeq:
			default:
				if !strings.HasPrefix(k, "Nats-") {
					msg.Header[k] = v
				}
			}
		}
		msg.Data = raw.Data
		id := fmt.Sprintf("retry-%s-%d", raw.Header.Get(hdrID), raw.Sequence)
		if _, err := publish(ctx, js, msg, id, nil); err != nil {
			return fmt.Errorf("requeue: %w", err)
		}
		return s.DeleteMsg(ctx, raw.Sequence)
	})
}

// PurgeDeadLetters removes the dead letters at sequences seqs, or all of
// them when seqs is empty, and returns how many it removed. Their
// claim-checked inputs expire with ResultTTL. A sequence that is not a
// dead letter is an error wrapping [jetstream.ErrMsgNotFound].
func PurgeDeadLetters(ctx context.Context, js jetstream.JetStream, cfg Config, seqs []uint64) (int, error) {
	if len(seqs) == 0 {
		c, err := cfg.withDefaults()
		if err != nil {
			return 0, err
		}
		s, err := js.Stream(ctx, c.dlqStream())
		if err != nil {
			return 0, fmt.Errorf("natsjs: dead letters: stream %s: %w", c.dlqStream(), err)
		}
		n := s.CachedInfo().State.Msgs
		if err := s.Purge(ctx); err != nil {
			return 0, fmt.Errorf("natsjs: dead letters: purge: %w", err)
		}
		return int(n), nil
	}
	return eachDeadLetter(ctx, js, cfg, seqs, func(s jetstream.Stream, raw *jetstream.RawStreamMsg) error {
		return s.DeleteMsg(ctx, raw.Sequence)
	})
}

// eachDeadLetter calls do for the dead letters at seqs, or for all of them.
func eachDeadLetter(ctx context.Context, js jetstream.JetStream, cfg Config, seqs []uint64, do func(jetstream.Stream, *jetstream.RawStreamMsg) error) (int, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return 0, err
	}
	s, err := js.Stream(ctx, cfg.dlqStream())
	if err != nil {
		return 0, fmt.Errorf("natsjs: dead letters: stream %s: %w", cfg.dlqStream(), err)
	}
	if len(seqs) == 0 {
		letters, err := ListDeadLetters(ctx, js, cfg)
		if err != nil {
			return 0, err
		}
		for _, l := range letters {
			seqs = append(seqs, l.Seq)
		}
	}
	n := 0
	for _, seq := range seqs {
		raw, err := s.GetMsg(ctx, seq)
		if err != nil {
			return n, fmt.Errorf("natsjs: dead letter %d: %w", seq, err)
		}
		if err := do(s, raw); err != nil {
			return n, fmt.Errorf("natsjs: dead letter %d: %w", seq, err)
		}
		n++
	}
	return n, nil
}
