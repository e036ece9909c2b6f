// Package proc runs named tasks in worker processes: a [parallel.Backend]
// whose workers are isolated OS processes, and [Process], one task in one
// child, the counterpart of Python's multiprocessing.Process.
//
// Goroutines already run Go code in parallel; processes are for isolation.
// A crash, a runaway allocation, a hung decoder or a segfault in foreign
// code costs one task and one worker, never the batch. Where Python's
// ProcessPoolExecutor marks the whole pool broken when a worker dies, and
// multiprocessing.Pool hangs, a [Backend] fails only the task that was
// running on the dead worker, with a [*CrashError] (exit code or signal,
// memory-limit breach, the tail of the worker's stderr), replaces the
// worker on demand, and carries on.
//
// # Workers
//
// A worker is the program itself (or [Config.Command]) started again, with
// its own registry of named tasks. The program opts in with one call at the
// top of main, the counterpart of Python's `if __name__ == "__main__":`:
//
//	func main() {
//		reg := new(parallel.Registry)
//		resize := parallel.Register(reg, "resize", nil, resizeImage)
//		proc.ServeIfWorker(reg) // in a worker: serves tasks, never returns
//		// ... the program proper, which may use proc.New and parallel.Call
//	}
//
// The parent marks a worker with the FANOUT_PROC_WORKER variable in the
// child's environment. That is the mechanism by which the two roles of one
// binary tell each other apart, not configuration: it is set only by this
// package, read only by [ServeIfWorker], and removed by the worker at once.
// Tests start workers the same way: the test binary is re-executed, and its
// TestMain calls ServeIfWorker before m.Run. A program that forgets the
// call would have every worker run main again and start workers of its
// own: [New] and [Start] refuse to run in a process started as a worker
// that has not called ServeIfWorker, with [ErrNotServing], which says so,
// so the task fails at once and no process tree grows.
//
// # Protocol
//
// Tasks go to a worker on a pipe at file descriptor 3, replies come back on
// a pipe at file descriptor 4, so a task that prints to stdout cannot
// corrupt them. Each message is a length-prefixed frame: a task carries an
// id, the task's name and the encoded input; a reply carries the id and
// either the encoded output or the task's error as [backend.MarshalError]
// writes it. The parent refuses a reply frame longer than
// [Config.MaxFrame] before allocating it, and kills the worker that sent
// it. A worker runs one task at a time.
//
// # Failures, timeouts and limits
//
//   - A worker that dies while running a task (os.Exit, a crash, a signal,
//     the memory limit, the kernel's OOM killer) fails that task with a
//     [*CrashError] and is reaped; [Config.Retries] may run the task again
//     on another worker.
//   - A panic inside a task is recovered in the worker and comes back as a
//     [*parallel.PanicError] with the worker's stack; the worker lives on.
//   - When a running task's ctx is done (the executor's run timeout, a
//     Future's Cancel), the worker gets SIGTERM, which cancels the task's
//     ctx; after [Config.Grace] its whole process group gets SIGKILL, so
//     processes the task started die too. Run returns an error wrapping
//     context.Cause(ctx): a [*parallel.TimeoutError] stays a timeout.
//   - [Config.MaxTasks] recycles a worker after so many tasks.
//     [Config.MemoryLimit] caps each worker's address space with RLIMIT_AS,
//     set with prlimit(2) on the child once it has started, and an
//     allocation past it is reported as such in the [*CrashError]. A cgroup
//     v2 memory limit would count resident memory instead, but it needs a
//     delegated, writable cgroup hierarchy, which most hosts and containers
//     do not give a program; an rlimit works everywhere on Linux.
//   - Workers die with their parent: on Linux the kernel sends them SIGKILL
//     when the parent dies (Pdeathsig; strictly, when the OS thread that
//     started them exits, which the Go runtime does only for threads locked
//     by a goroutine that ended), and every worker exits when its task pipe
//     reaches end of file, which happens whenever the parent dies.
//     [Backend.Close] kills and reaps every worker, so no child is left
//     behind. Being in process groups of their own, workers do not get the
//     terminal's Ctrl-C: the parent decides, through ctx and Close.
//
// Workers start lazily, when a Run finds no idle one, at most
// [Config.Workers] of them; [Backend.Warm] starts them ahead of time.
//
// # Cost
//
// A round trip of a tiny task through a warm worker costs two pipe writes
// and two reads, a few tens of microseconds: see BENCH.md beside this file
// for the figures against Python's ProcessPoolExecutor.
//
// The package uses only the standard library. It needs Linux for the
// parent-death signal and the memory limit, and a Unix system for the rest;
// on Windows it compiles, so that programs importing it build there, but
// workers cannot start (the system cannot pass the extra pipes).
package proc
