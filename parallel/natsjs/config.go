package natsjs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of [Config].
const (
	DefaultPrefix     = "FANOUT"
	DefaultAckWait    = 10 * time.Second
	DefaultMaxDeliver = 5
	DefaultResultTTL  = 24 * time.Hour

	DefaultLostResultWait = 30 * time.Second
)

// Config names the streams, consumers and buckets of a fanout cluster and
// sets its delivery policy. Submitters ([New]) and workers ([Worker]) of one
// cluster must use the same Config. The zero value is ready to use: every
// field has a documented default. A Config must not be modified after it
// has been passed to New or Worker.Run.
type Config struct {
	// Prefix names everything the cluster creates: streams <Prefix>_TASKS,
	// <Prefix>_RESULTS, <Prefix>_DLQ and <Prefix>_ADVISORIES, the object
	// store <Prefix>_OBJECTS, the key-value buckets <Prefix>_CANCEL and
	// <Prefix>_JOBS, and the subjects <Prefix>.tasks.>,
	// <Prefix>.results.> and <Prefix>.dlq.>.
	// Two clusters with different prefixes share a NATS account without
	// seeing each other's work. It may hold letters, digits, '-' and '_';
	// "" means [DefaultPrefix].
	Prefix string

	// Replicas is the number of copies of every stream and bucket: 1 for a
	// single server, 3 on a three-node cluster. 0 means 1.
	Replicas int

	// AckWait is how long a task may run without a sign of life before it
	// is given to another worker. Workers send a heartbeat every AckWait/5
	// while a task runs, so AckWait bounds the time to notice a dead worker,
	// not the length of a task: with the default, a crashed worker's task
	// runs again elsewhere within 10 seconds. (A worker that stops
	// normally hands its tasks back at once.) 0 means [DefaultAckWait].
	AckWait time.Duration

	// MaxDeliver is how many times a task is delivered before it is moved
	// to the dead-letter stream: the first run plus MaxDeliver-1 retries.
	// 0 means [DefaultMaxDeliver]; a negative value retries for ever.
	MaxDeliver int

	// Backoff returns how long to wait before delivering again a task whose
	// delivered-th run failed with a transient error (delivered counts from
	// 1). nil means 1s, 2s, 4s, ... capped at one minute.
	Backoff func(delivered int) time.Duration

	// ResultWait bounds how long [Backend.Run] waits for a result after
	// publishing its task, however long the task waits in the queue or
	// runs; when it passes, the task is cancelled and Run returns an error
	// wrapping [ErrNoResult]. 0 means no such bound: Run waits while its
	// task is in the work queue (waiting for a worker, or running with
	// heartbeats, which AckWait, MaxDeliver and the dead-letter stream
	// bound), and for LostResultWait after it left it.
	ResultWait time.Duration

	// LostResultWait is how long [Backend.Run] waits for a result once its
	// task has left the work queue (done, or removed by an operator)
	// without one to be found in the results stream, before it returns an
	// error wrapping [ErrNoResult]. Runs check on their tasks after 5
	// seconds without any result, then at growing intervals up to 30
	// seconds. 0 means [DefaultLostResultWait].
	LostResultWait time.Duration

	// ResultTTL is how long results, claim-check objects and cancel flags
	// are kept when nobody collects or deletes them (a Backend deletes
	// each result and object once its Run has it). 0 means
	// [DefaultResultTTL].
	ResultTTL time.Duration

	// MaxInline is the largest input or output, in bytes, sent inside a
	// message; larger payloads go through the object store (claim check).
	// 0 means the server's maximum payload less 8 KiB for headers (1 MiB
	// less 8 KiB on a default server).
	MaxInline int

	// Logger receives a Backend's recoveries at info level (its result
	// consumer recreated, results fetched from the stream while the
	// consumer was quiet) and its failures to recover at warn level. It is
	// not part of the cluster's settings: submitters and workers may
	// differ. A Worker logs to [Worker.Logger], or to this one when that
	// is nil. nil discards.
	Logger *slog.Logger

	// Job gives a submitter's tasks a durable identity in the cluster:
	// with it, a [Backend]'s task ids are made from the job, the task's
	// name and its input, its results are kept (for ResultTTL) under the
	// job rather than removed as they are read, and each task it queues is
	// recorded under the job. A Backend made again with the same Job (the
	// submitter restarted after a crash, or run again to collect a
	// detached job) therefore finds the results of the tasks already done
	// without running them again, waits for the tasks still queued or
	// running without queueing them again, and queues only the rest. Two
	// identical tasks (the same name and input) of one job share a result.
	// It may hold letters, digits, '-' and '_', up to 64 of them; ""
	// means no job: task ids are random and results are removed once
	// read. Submitter only: workers ignore it.
	Job string

	// Detach makes [Backend.Run] return as soon as its task is queued (or
	// found queued or done), with an error wrapping [ErrDetached], instead
	// of waiting for the result: the tasks of a detached job run while
	// nobody waits, and a Backend with the same Job collects their results
	// later. It needs Job. Submitter only.
	Detach bool
}

// maxJob is the longest job name.
const maxJob = 64

// withDefaults returns c with its zero fields replaced by their defaults, or
// an error naming a field that cannot be used.
func (c Config) withDefaults() (Config, error) {
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if !validToken(c.Prefix) || strings.HasPrefix(c.Prefix, "_") {
		return c, fmt.Errorf("natsjs: Prefix %q must be letters, digits, '-' and '_'", c.Prefix)
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.AckWait == 0 {
		c.AckWait = DefaultAckWait
	}
	if c.MaxDeliver == 0 {
		c.MaxDeliver = DefaultMaxDeliver
	}
	if c.MaxDeliver < 0 {
		c.MaxDeliver = -1
	}
	if c.Backoff == nil {
		c.Backoff = defaultBackoff
	}
	if c.ResultTTL == 0 {
		c.ResultTTL = DefaultResultTTL
	}
	if c.LostResultWait == 0 {
		c.LostResultWait = DefaultLostResultWait
	}
	switch {
	case c.Replicas < 0:
		return c, fmt.Errorf("natsjs: Replicas %d must not be negative", c.Replicas)
	case c.AckWait < 0:
		return c, fmt.Errorf("natsjs: AckWait %v must not be negative", c.AckWait)
	case c.ResultWait < 0:
		return c, fmt.Errorf("natsjs: ResultWait %v must not be negative", c.ResultWait)
	case c.LostResultWait < 0:
		return c, fmt.Errorf("natsjs: LostResultWait %v must not be negative", c.LostResultWait)
	case c.ResultTTL < 0:
		return c, fmt.Errorf("natsjs: ResultTTL %v must not be negative", c.ResultTTL)
	case c.MaxInline < 0:
		return c, fmt.Errorf("natsjs: MaxInline %d must not be negative", c.MaxInline)
	case c.Job != "" && (!validToken(c.Job) || len(c.Job) > maxJob):
		return c, fmt.Errorf("natsjs: Job %q must be 1 to %d letters, digits, '-' and '_'", c.Job, maxJob)
	case c.Detach && c.Job == "":
		return c, errors.New("natsjs: Detach needs a Job, under which the results are collected later")
	}
	return c, nil
}

// defaultBackoff doubles from one second up to a minute.
func defaultBackoff(delivered int) time.Duration {
	if delivered < 1 {
		delivered = 1
	}
	if delivered > 7 {
		return time.Minute
	}
	return min(time.Second<<(delivered-1), time.Minute)
}

// maxInline returns the inline payload limit for a connection whose server
// accepts payloads of up to maxPayload bytes.
func (c Config) maxInline(maxPayload int64) int {
	limit := int(maxPayload) - 8<<10
	if c.MaxInline > 0 && c.MaxInline < limit {
		limit = c.MaxInline
	}
	return max(limit, 1)
}

func (c Config) tasksStream() string      { return c.Prefix + "_TASKS" }
func (c Config) resultsStream() string    { return c.Prefix + "_RESULTS" }
func (c Config) dlqStream() string        { return c.Prefix + "_DLQ" }
func (c Config) advisoriesStream() string { return c.Prefix + "_ADVISORIES" }
func (c Config) objectBucket() string     { return c.Prefix + "_OBJECTS" }
func (c Config) cancelBucket() string     { return c.Prefix + "_CANCEL" }
func (c Config) workersBucket() string    { return c.Prefix + "_WORKERS" }
func (c Config) jobsBucket() string       { return c.Prefix + "_JOBS" }

// taskSubject returns the subject tasks named name are published on.
func (c Config) taskSubject(name string) string { return c.Prefix + ".tasks." + subjectName(name) }

// dlqSubject returns the subject dead letters of task name are kept on.
func (c Config) dlqSubject(name string) string { return c.Prefix + ".dlq." + subjectName(name) }

// resultPrefix returns the subject prefix of every result.
func (c Config) resultPrefix() string { return c.Prefix + ".results." }

// subjectName turns a task name into subject tokens: the name itself when it
// is made of safe tokens (so that "images.blur" reads as such in monitoring
// tools), otherwise "_.x" and its hexadecimal bytes (a token even for the
// empty name).
func subjectName(name string) string {
	if !strings.HasPrefix(name, "_") && validSubject(name) {
		return name
	}
	return "_.x" + hex.EncodeToString([]byte(name))
}

// validSubject reports whether s is one or more dot-separated tokens of
// letters, digits, '-' and '_'.
func validSubject(s string) bool {
	for tok := range strings.SplitSeq(s, ".") {
		if !validToken(tok) {
			return false
		}
	}
	return true
}

// validToken reports whether s is a non-empty run of letters, digits, '-'
// and '_': safe as a subject token and as a stream or consumer name.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
		if !ok {
			return false
		}
	}
	return true
}

// workerConsumer returns the durable name and subject filters of the pull
// consumer shared by every worker that serves tasks: "workers" on all task
// subjects when tasks is empty, otherwise a name derived from the set of
// tasks, so that workers serving the same tasks share one consumer.
func (c Config) workerConsumer(tasks []string) (string, []string) {
	if len(tasks) == 0 {
		return "workers", []string{c.Prefix + ".tasks.>"}
	}
	subjects := make([]string, len(tasks))
	for i, name := range tasks {
		subjects[i] = c.taskSubject(name)
	}
	slices.Sort(subjects)
	subjects = slices.Compact(subjects)
	sum := sha256.Sum256([]byte(strings.Join(subjects, "\n")))
	return "workers_" + hex.EncodeToString(sum[:6]), subjects
}

// deadLetterConsumer is the durable consumer of the advisories stream shared
// by the dead-letter movers of all workers.
const deadLetterConsumer = "deadletter"

// cluster holds the streams and buckets [Setup] made.
type cluster struct {
	cfg     Config
	tasks   jetstream.Stream
	results jetstream.Stream
	objects jetstream.ObjectStore
	cancels jetstream.KeyValue
	workers jetstream.KeyValue
	jobs    jetstream.KeyValue
}

// Setup creates or updates the streams, the object store and the key-value
// bucket of the cluster that cfg names, so that they match cfg. It is
// idempotent: [New] and [Worker.Run] call it, and an operator may call it
// ahead of them. It returns an error if cfg is invalid or the server
// refuses a change (for example a stream created with other subjects).
func Setup(ctx context.Context, js jetstream.JetStream, cfg Config) error {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	_, err = setup(ctx, js, cfg)
	return err
}

// setup is [Setup] for a Config with its defaults applied.
func setup(ctx context.Context, js jetstream.JetStream, cfg Config) (*cluster, error) {
	if js == nil {
		return nil, errors.New("natsjs: nil JetStream")
	}
	dup := min(2*time.Minute, cfg.ResultTTL)
	streams := []jetstream.StreamConfig{{
		Name:        cfg.tasksStream(),
		Description: "fanout tasks waiting for a worker",
		Subjects:    []string{cfg.Prefix + ".tasks.>"},
		Retention:   jetstream.WorkQueuePolicy,
		Duplicates:  2 * time.Minute,
	}, {
		Name:        cfg.resultsStream(),
		Description: "fanout task results, keyed by submitter and task id",
		Subjects:    []string{cfg.resultPrefix() + ">"},
		MaxAge:      cfg.ResultTTL,
		Duplicates:  dup,
	}, {
		Name:        cfg.dlqStream(),
		Description: "fanout tasks that exhausted their deliveries, with their last error",
		Subjects:    []string{cfg.Prefix + ".dlq.>"},
		Duplicates:  2 * time.Minute,
	}, {
		Name:        cfg.advisoriesStream(),
		Description: "max-deliveries advisories of the fanout task stream, for the dead-letter mover",
		Subjects:    []string{jsMaxDeliveriesAdvisory + "." + cfg.tasksStream() + ".*"},
		Retention:   jetstream.WorkQueuePolicy,
	}}
	c := &cluster{cfg: cfg}
	for _, sc := range streams {
		sc.Storage = jetstream.FileStorage
		sc.Replicas = cfg.Replicas
		s, err := ensureStream(ctx, js, sc)
		if err != nil {
			return nil, fmt.Errorf("natsjs: create stream %s: %w", sc.Name, err)
		}
		switch sc.Name {
		case cfg.tasksStream():
			c.tasks = s
		case cfg.resultsStream():
			c.results = s
		}
	}
	ocfg := jetstream.ObjectStoreConfig{
		Bucket:      cfg.objectBucket(),
		Description: "fanout payloads too large for a message (claim check)",
		TTL:         cfg.ResultTTL,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	}
	var err error
	if matches(ctx, js, "OBJ_"+ocfg.Bucket, ocfg.Description, ocfg.TTL, ocfg.Replicas) {
		c.objects, err = js.ObjectStore(ctx, ocfg.Bucket)
	} else {
		c.objects, err = retryRace(ctx, func() (jetstream.ObjectStore, error) { return js.CreateOrUpdateObjectStore(ctx, ocfg) })
	}
	if err != nil {
		return nil, fmt.Errorf("natsjs: create object store %s: %w", cfg.objectBucket(), err)
	}
	buckets := []struct {
		kv  *jetstream.KeyValue
		cfg jetstream.KeyValueConfig
	}{{&c.cancels, jetstream.KeyValueConfig{
		Bucket:      cfg.cancelBucket(),
		Description: "fanout cancel flags of running tasks, keyed by task id",
		TTL:         cfg.ResultTTL,
		Storage:     jetstream.FileStorage,
	}}, {&c.workers, jetstream.KeyValueConfig{
		Bucket:      cfg.workersBucket(),
		Description: "fanout workers and what they do, each refreshed every few seconds",
		TTL:         workerTTL,
		Storage:     jetstream.MemoryStorage,
	}}, {&c.jobs, jetstream.KeyValueConfig{
		Bucket:      cfg.jobsBucket(),
		Description: "fanout jobs: the work-queue sequence of each task a job queued, keyed by job and task id",
		TTL:         cfg.ResultTTL,
		Storage:     jetstream.FileStorage,
	}}}
	for _, bk := range buckets {
		kcfg := bk.cfg
		kcfg.Replicas = cfg.Replicas
		if matches(ctx, js, "KV_"+kcfg.Bucket, kcfg.Description, kcfg.TTL, kcfg.Replicas) {
			*bk.kv, err = js.KeyValue(ctx, kcfg.Bucket)
		} else {
			*bk.kv, err = retryRace(ctx, func() (jetstream.KeyValue, error) { return js.CreateOrUpdateKeyValue(ctx, kcfg) })
		}
		if err != nil {
			return nil, fmt.Errorf("natsjs: create key-value bucket %s: %w", kcfg.Bucket, err)
		}
	}
	return c, nil
}

// ensureStream returns the stream sc names, creating it, or updating it if
// its settings differ from sc. A stream that already matches is left alone:
// every submitter and worker calls this at start, and an update for nothing
// still makes the server rewrite the stream's configuration.
func ensureStream(ctx context.Context, js jetstream.JetStream, sc jetstream.StreamConfig) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, sc.Name)
	switch {
	case err == nil:
		have := s.CachedInfo().Config
		if slices.Equal(have.Subjects, sc.Subjects) && have.Retention == sc.Retention && have.MaxAge == sc.MaxAge &&
			unsetOrEqual(sc.Duplicates, have.Duplicates) && have.Replicas == sc.Replicas && have.Storage == sc.Storage &&
			have.Description == sc.Description {
			return s, nil
		}
	case !errors.Is(err, jetstream.ErrStreamNotFound):
		return nil, err
	}
	return retryRace(ctx, func() (jetstream.Stream, error) { return js.CreateOrUpdateStream(ctx, sc) })
}

// unsetOrEqual reports whether a setting asked for as want is satisfied by
// have: a zero want leaves the setting to the server, which stores its
// default instead (a 2 minute duplicate window, a MaxAckPending of 1000,
// a MaxDeliver of -1), so only a set want is compared.
func unsetOrEqual[T comparable](want, have T) bool {
	var zero T
	return want == zero || want == have
}

// matches reports whether the stream behind a bucket exists with these
// settings.
func matches(ctx context.Context, js jetstream.JetStream, stream, description string, ttl time.Duration, replicas int) bool {
	s, err := js.Stream(ctx, stream)
	if err != nil {
		return false
	}
	have := s.CachedInfo().Config
	return have.Description == description && have.MaxAge == ttl && have.Replicas == replicas
}

// retryRace calls create again if it lost a race with another process that
// created the same stream between its update and its create attempts (the
// stream exists now, so the next call updates it), or if the JetStream API
// request timed out while ctx is still live: a busy server (many workers
// setting up at once) can take longer than the client's request timeout,
// and creating is idempotent. It gives up after a few attempts.
func retryRace[T any](ctx context.Context, create func() (T, error)) (T, error) {
	const attempts = 4
	for i := 1; ; i++ {
		v, err := create()
		switch {
		case err == nil || i == attempts:
			return v, err
		case errors.Is(err, jetstream.ErrStreamNameAlreadyInUse):
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			select {
			case <-time.After(time.Duration(i) * 100 * time.Millisecond):
			case <-ctx.Done():
				return v, err
			}
		default:
			return v, err
		}
	}
}

// jsMaxDeliveriesAdvisory is the subject prefix of the server's advisory
// for a message that reached its consumer's MaxDeliver.
const jsMaxDeliveriesAdvisory = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES"
