// Package natsjs runs fanout's named tasks on a NATS JetStream cluster: a
// [Backend] for [parallel.Executor] on the submitting side, and [Worker]s,
// on any number of machines, that run the tasks. It is the only package of
// the module that imports the NATS client (github.com/nats-io/nats.go, the
// official client, whose jetstream package has every primitive used here;
// task ids come from its companion github.com/nats-io/nuid, a fast unique-id
// generator already required by the client).
//
// # Topology
//
// [Setup] (called by [New] and [Worker.Run]; idempotent) creates, for a
// [Config.Prefix] P (default FANOUT):
//
//   - P_TASKS, a work-queue stream on P.tasks.<task name>: one message per
//     task, de-duplicated on publish by its Nats-Msg-Id (the task id), and
//     removed once a worker acknowledges it. All workers share one durable
//     pull consumer, "workers", with explicit acks, [Config.AckWait] and
//     [Config.MaxDeliver];
//   - P_RESULTS, a stream on P.results.<submitter id>.<task id>: one result
//     per task, de-duplicated by message id. Each Backend reads its own
//     results with one ordered consumer, hands them to the waiting Runs and
//     then deletes them; a result nobody collects expires after
//     [Config.ResultTTL];
//   - P_DLQ, the dead-letter stream on P.dlq.<task name>: tasks that
//     exhausted their deliveries, with their last error in the Fanout-Error
//     header, kept until an operator removes them (nats stream purge). A
//     dead letter whose input went through the object store names it in
//     its Fanout-Object header; the object is kept for ResultTTL;
//   - P_ADVISORIES, a work-queue stream capturing the server's
//     max-deliveries advisories for P_TASKS, read by the dead-letter mover
//     that every worker runs (the server leaves such tasks in a work-queue
//     stream for ever otherwise);
//   - P_OBJECTS, an object store for payloads over [Config.MaxInline]
//     (claim check: the message carries the object's name), deleted after
//     use and expired after ResultTTL otherwise;
//   - P_CANCEL, a key-value bucket of cancel flags that workers watch.
//
// # Delivery
//
// Delivery is at least once. A worker that dies holds its tasks until
// AckWait passes, then the server hands them to other workers; a task can
// therefore run twice, and tasks must be idempotent (writing the same output
// twice is fine, appending to a file is not). The submitter sees exactly one
// result per [Backend.Run]: results carry the task id as their message id,
// so the server drops a second result within its duplicate window, and the
// Backend drops any later one.
//
// On a cluster with [Config.Replicas] 3, losing a node loses nothing: while
// its streams elect new leaders, publishes are retried with the same
// message id (the server de-duplicates them), and workers and the result
// consumer re-issue their pull requests within 5 seconds.
//
// Long tasks do not need a long AckWait: workers send a heartbeat
// (InProgress) every AckWait/3 while a task runs. Keep AckWait short (the
// default is 30s): it is the time to notice a dead worker.
//
// Errors keep their kind across the cluster ([backend.MarshalError]): a
// panic is a [parallel.PanicError] on the submitter's side, an unknown task
// wraps [parallel.ErrUnknownTask]. Errors matching [parallel.ErrPermanent]
// are not retried; others are, after [Config.Backoff], up to MaxDeliver
// deliveries.
//
// # Cancellation
//
// When a Run's context ends, the Backend deletes the task from the work
// queue (a waiting task never runs) and raises its cancel flag; the worker
// running it cancels the task's context. That second part is best effort: a
// task that ignores its context runs to the end, and its result is dropped.
//
// # Credentials
//
// The package never dials and never reads the environment: callers pass a
// connected [jetstream.JetStream], with the credentials and TLS settings of
// their choosing (see the fanout worker command).
package natsjs
