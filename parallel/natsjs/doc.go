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
//     results through a durable consumer, results_<submitter id>,
//     replicated as the stream is, hands them to the waiting Runs,
//     acknowledges them and then deletes them; a result nobody collects
//     expires after [Config.ResultTTL], and the consumer of a submitter
//     that died after an hour without pulling;
//   - P_DLQ, the dead-letter stream on P.dlq.<task name>: tasks that
//     exhausted their deliveries, with their last error in the Fanout-Error
//     header, kept until an operator retries or removes them
//     ([RetryDeadLetters], [PurgeDeadLetters]; fanout dlq). A
//     dead letter whose input went through the object store names it in
//     its Fanout-Object header; the object is kept for ResultTTL;
//   - P_ADVISORIES, a work-queue stream capturing the server's
//     max-deliveries advisories for P_TASKS, read by the dead-letter mover
//     that every worker runs (the server leaves such tasks in a work-queue
//     stream for ever otherwise);
//   - P_OBJECTS, an object store for payloads over [Config.MaxInline]
//     (claim check: the message carries the object's name), deleted after
//     use and expired after ResultTTL otherwise;
//   - P_CANCEL, a key-value bucket of cancel flags that workers watch;
//   - P_JOBS, a key-value bucket of the tasks each job queued (see Jobs);
//   - P_WORKERS, a key-value bucket (in memory) where each running worker
//     says every 5 seconds who it is and what it does ([WorkerInfo]);
//     [ReadStatus] reads it with the queue's state.
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
// On a cluster with [Config.Replicas] 3, losing a node loses nothing and
// stalls nothing for long: while its streams and consumers elect new
// leaders, publishes are retried with the same message id (the server
// de-duplicates them), and workers and the result consumer re-issue their
// pull requests within 5 seconds. Every stream, bucket and consumer is
// replicated, the result consumer included (a client's ordered consumer
// would be a single in-memory copy, lost with its node). Should the result
// consumer be lost all the same, the Backend recreates it; and when no
// result has come for 5 seconds while Runs wait, it looks for their
// results in the stream itself, so a broken consumer slows a batch but
// never hangs it. A Run whose task has left the work queue without a
// result ends after [Config.LostResultWait] with [ErrNoResult]; a Run
// whose task waits with no worker to take it waits, and the Backend says
// so to [Config.Logger]. Measured on a three-node cluster of server
// processes on loopback (TestClusterNodeKilled, 40 tasks of 100 ms on two
// workers of two slots, about 1.2 s without a fault): killing the node
// leading the result consumer, the one the submitter is connected to, the
// work queue's leader, or a worker, mid-batch, cost at most 10 seconds
// (from 0.1 to 5.4 s in the last runs), with every result right and none
// twice.
//
// Long tasks do not need a long AckWait: workers send a heartbeat
// (InProgress) every AckWait/5 while a task runs. Keep AckWait short (the
// default is 10s): it is the time to notice a dead worker, so a crashed
// worker's task runs again elsewhere within 10 seconds. A worker that
// stops normally finishes its running tasks (for up to
// [Worker.DrainTimeout]) and hands back at once (Nak) the tasks it
// fetched but did not start and those the drain cut short, so only a
// crash costs the ack wait.
//
// # Operations
//
// [ReadStatus] gives the queue (waiting, running, redelivered, idle worker
// slots), the dead letters, the results not yet collected and the workers
// with their counters and last heartbeat; [ListDeadLetters],
// [RetryDeadLetters] and [PurgeDeadLetters] handle the dead letters; a
// Worker's [Worker.Stats] are its counters. The fanout command shows them
// (fanout status, fanout dlq) and serves them as Prometheus metrics.
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
// # Jobs
//
// A Backend with [Config.Job] submits a job: a batch with a durable
// identity in the cluster. Its task ids are made from the job, the task's
// name and its input; each task it queues is recorded in the P_JOBS
// key-value bucket with its sequence in the work queue; its results go to
// P.results.job_<job>.<task id> and are kept there (for ResultTTL) rather
// than deleted once read. A later Backend of the same job (the submitter
// restarted after a crash, or run again to collect a job submitted with
// [Config.Detach]) looks for each task first in the work queue (its
// recorded sequence, still there: wait for it) and then in the results
// (done: take the result), and queues only the tasks found in neither:
// nothing done runs again, nothing queued is queued twice. A task that a
// killed submitter was publishing when it died may be queued again; the
// work queue drops the copy within its two-minute duplicate window.
// [ReadJob] reads a job's counts and times.
//
// # Credentials
//
// The package never dials and never reads the environment: callers pass a
// connected [jetstream.JetStream], with the credentials and TLS settings of
// their choosing (see the fanout worker command).
package natsjs
