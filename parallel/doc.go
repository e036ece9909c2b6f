// Package parallel runs work concurrently and hands back futures, in the
// manner of Python's concurrent.futures, with Go's idioms: contexts,
// iterators, typed results and explicit ownership.
//
// An [Executor] runs tasks on a fixed set of worker goroutines fed by a
// bounded queue. [Submit] queues a closure and returns a [Future]: wait on
// it with [Future.Result] (ctx bounds the wait only), select on
// [Future.Done], cancel it with [Future.Cancel], or react with
// [Future.OnDone]. [AsCompleted] yields futures as they finish, [Wait]
// implements Python's wait(return_when=...), and [Map] streams an
// iter.Seq through the executor with a bounded window of tasks in flight,
// in input or completion order ([MapOptions]); [Collect] gathers its
// values or stops at the first error.
//
// Named tasks cross process and machine boundaries: a [Registry] maps a
// name to a function and a [Codec], and [Call] and [MapCall] (with chunks
// of inputs a round trip, as Python's chunksize) run a registered [Task]
// either in-process or on the executor's [Backend] (worker processes in
// package proc, a NATS JetStream cluster in package natsjs). Package
// backend holds what a Backend's author needs. The executor
// keeps the queue, limits, timeouts, cancellation and counters for every
// backend; a backend only carries the work.
//
// # Errors
//
// A task's error rides in its future. A panic becomes a [*PanicError]
// holding the value and stack; it never crashes the program and is never
// swallowed. A run timeout (Config.RunTimeout) cancels the task's ctx with
// a [*TimeoutError] as cause, and [Future.Cancel] with [ErrCancelled].
// A refusal is an error in the future too, never a second convention:
// submitting to a closed executor yields a future failed with [ErrClosed],
// [TrySubmit] on a full queue one failed with [ErrQueueFull] (known at
// once: its Err is set when TrySubmit returns). A nil context, executor,
// function or task is a programming error, and panics, as a nil context
// does in the standard library.
//
// # Goroutines and lifetime
//
// Every goroutine the package starts is a worker of an Executor: workers
// start as tasks arrive, up to Config.Workers, and [Executor.Close] or
// [Executor.Shutdown] stops them and waits for them. [Map] and
// [AsCompleted] start no goroutine: they run inside the caller's loop, and
// breaking out of a Map loop cancels its outstanding tasks and waits for
// them.
//
// # Cost
//
// The hot path is one allocation (the future) and one channel send per
// task. Counters are kept per worker (striped when there are many), so
// workers do not contend on them, and the clock is read for the latency
// figures on every task only while tasks run for 10µs or more (one task in
// 16 otherwise). A task's context is made lazily, the first time the task
// looks at it, so a task that never does costs no context allocation. On
// two cores, submitting tasks and collecting their results costs less per
// task than any of sourcegraph/conc, alitto/pond, panjf2000/ants and
// errgroup in the same run; a lone round trip (submit one task, wait for
// it) costs about 1.27 times what ants takes, which returns no result, and
// about what ants takes with a result channel per task. The figures and
// the command are in the bench module's BENCH-executor.md and the README.
package parallel
