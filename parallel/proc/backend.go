package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/backend"
)

// Config configures a [Backend] or a [Process]. The zero Config is ready to
// use: GOMAXPROCS workers running this program's own executable, no task
// limit, no memory limit, no retries. A Config must not be modified after
// it has been passed to [New] or [Start].
type Config struct {
	// Workers is the most worker processes a Backend runs at once, and so
	// the most tasks it runs at once. Zero means runtime.GOMAXPROCS(0).
	// Workers start lazily, on the first Runs that find no idle worker;
	// [Backend.Warm] starts them ahead of time.
	Workers int

	// Command is the worker executable; it must call [ServeIfWorker] at
	// the top of main. Empty means this program (os.Executable).
	Command string

	// Args are the worker's command-line arguments, without the program
	// name.
	Args []string

	// Env is the worker's environment. Nil means this process's
	// environment. The worker marker (see the package doc) is added
	// either way.
	Env []string

	// Dir is the worker's working directory; empty means this process's.
	Dir string

	// MaxTasks recycles a worker after it has answered this many tasks:
	// it is told to exit and a fresh one starts when needed. Zero means
	// no limit. Process ignores it.
	MaxTasks int

	// MemoryLimit is how many bytes of address space a worker may add to
	// what it uses once started; zero means no limit. On Linux it is
	// enforced with RLIMIT_AS, set with prlimit(2) right after the worker
	// says hello and before it gets a task. An allocation past it fails,
	// the Go runtime aborts, and the task's [*CrashError] reports
	// MemoryLimit. RLIMIT_AS counts reserved address space, not resident
	// memory: the Go heap grows in 64 MiB reservations, so the limit is
	// coarse by that much. Other systems return an error from the first
	// start.
	MemoryLimit int64

	// Retries is how many more times a Backend runs a task whose worker
	// crashed (each time on another worker: an idle one, or a new one)
	// before it returns the [*CrashError]. Zero means no retry. Task
	// errors, panics and stops by ctx are never retried. Process ignores
	// it.
	Retries int

	// Grace is how long a worker has, after SIGTERM, to finish before its
	// whole process group gets SIGKILL. Zero means 2 seconds.
	Grace time.Duration

	// StartTimeout bounds the wait for a new worker's hello. Zero means
	// 10 seconds.
	StartTimeout time.Duration

	// MaxFrame is the largest task or result, in bytes, that crosses the
	// pipes. Bigger inputs are refused before they are sent; a worker
	// that sends a bigger result is killed. Zero means 64 MiB; more than
	// 1 GiB, what a worker accepts, is an error.
	MaxFrame int

	// TailSize is how many of the last bytes of a worker's stderr are
	// kept for [CrashError.Stderr] (and of a Process's stdout and
	// stderr). Zero means 16 KiB.
	TailSize int

	// Stdout receives the workers' standard output; nil discards it. The
	// writes of concurrent workers are serialised, not interleaved within
	// a write.
	Stdout io.Writer

	// Stderr, if set, receives a copy of the workers' standard error,
	// serialised as Stdout is; the tail kept for [CrashError.Stderr] does
	// not depend on it.
	Stderr io.Writer
}

// ErrNotServing is wrapped by the error of [New] and [Start] called in a
// process that was started as a worker but did not call [ServeIfWorker]
// first: it would start workers of its own, each of which would do the
// same, a process tree growing without end.
var ErrNotServing = errors.New("proc: this process was started as a worker, and main starts workers before calling proc.ServeIfWorker: call proc.ServeIfWorker(registry) at the top of main")

// normalize returns cfg with its defaults filled in.
func (cfg Config) normalize() (Config, error) {
	if _, ok := os.LookupEnv(envWorker); ok {
		return cfg, ErrNotServing
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Command == "" {
		exe, err := os.Executable()
		if err != nil {
			return cfg, fmt.Errorf("proc: find own executable: %w", err)
		}
		cfg.Command = exe
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 2 * time.Second
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 10 * time.Second
	}
	if cfg.MaxFrame <= 0 {
		cfg.MaxFrame = 64 << 20
	}
	if cfg.TailSize <= 0 {
		cfg.TailSize = 16 << 10
	}
	if cfg.MaxTasks < 0 || cfg.Retries < 0 || cfg.MemoryLimit < 0 {
		return cfg, errors.New("proc: MaxTasks, Retries and MemoryLimit must not be negative")
	}
	if cfg.MaxFrame > maxFrame {
		return cfg, fmt.Errorf("proc: MaxFrame of %d bytes is over the protocol's limit of %d bytes", cfg.MaxFrame, maxFrame)
	}
	if cfg.Stdout != nil {
		cfg.Stdout = &lockedWriter{w: cfg.Stdout}
	}
	if cfg.Stderr != nil {
		cfg.Stderr = &lockedWriter{w: cfg.Stderr}
	}
	return cfg, nil
}

// checkTask returns an error naming the task if its frame would exceed
// cfg.MaxFrame or its name cannot be framed.
func (cfg *Config) checkTask(name string, input []byte) error {
	if len(name) > maxNameLen {
		return parallel.Permanent(fmt.Errorf("proc: task name of %d bytes is longer than %d", len(name), maxNameLen))
	}
	if n := taskOverhead + len(name) + len(input); n > cfg.MaxFrame {
		return parallel.Permanent(fmt.Errorf("proc: task %s: input of %d bytes exceeds the frame limit of %d bytes", name, len(input), cfg.MaxFrame))
	}
	return nil
}

// lockedWriter serialises the writes of several workers' output copiers.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer // guarded by mu
}

func (lw *lockedWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	return lw.w.Write(p)
}

// Backend is a [parallel.Backend] that runs named tasks in a pool of worker
// processes: this program (or [Config.Command]) started again in worker
// mode (see [ServeIfWorker]), fed over pipes one task at a time. Each worker
// is its own process group; a task that crashes its worker, runs past its
// context, or blows its memory limit costs that one task and that one
// worker, which is replaced.
//
// Make one with [New]; a Backend is safe for concurrent use, and its owner
// must call [Backend.Close].
type Backend struct {
	cfg   Config
	life  context.Context // done when Close starts; workers are killed with it
	stop  context.CancelFunc
	slots chan struct{} // one token per worker a Run may hold

	mu     sync.Mutex
	idle   []*worker // guarded by mu; most recently used last
	closed bool      // guarded by mu

	wg sync.WaitGroup // Runs in flight and workers being reaped

	started, crashed, recycled, stopped, retried, live atomic.Int64
}

var _ parallel.Backend = (*Backend)(nil)

// New returns a Backend configured by cfg. It starts no process: workers
// start on demand (see [Config.Workers]). It returns an error if cfg is
// invalid or, with an empty Command, if the executable cannot be found.
func New(cfg Config) (*Backend, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	b := &Backend{cfg: cfg, slots: make(chan struct{}, cfg.Workers)}
	b.life, b.stop = context.WithCancel(context.Background())
	return b, nil
}

// RunsChunks reports that the Backend's workers run chunks of a named task
// in one round trip (see parallel.MapOptions.Chunk): they call
// backend.Invoke with the names they are given.
func (b *Backend) RunsChunks() bool { return true }

// Run runs the task registered as name in a worker process and returns its
// encoded output. It blocks until a worker is free (at most
// [Config.Workers] tasks run at once), then until the task is done.
//
// The task's own error is returned as [backend.UnmarshalError] rebuilds
// it: a panic is a [*parallel.PanicError], and the worker lives on. If the worker
// dies or breaks the protocol, Run returns a [*CrashError] (after
// [Config.Retries] more tries on other workers). If ctx is done while the
// task runs, the worker gets SIGTERM, then after [Config.Grace] its process
// group gets SIGKILL, and Run returns an error wrapping context.Cause(ctx)
// once the worker is gone. Run returns an error wrapping
// [parallel.ErrPermanent] for an input over [Config.MaxFrame], and
// [ErrClosed] after Close.
func (b *Backend) Run(ctx context.Context, name string, input []byte) ([]byte, error) {
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("proc: task %s: %w", name, err)
	}
	if err := b.cfg.checkTask(name, input); err != nil {
		return nil, err
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	b.wg.Add(1)
	b.mu.Unlock()
	defer b.wg.Done()

	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("proc: task %s: %w", name, context.Cause(ctx))
	case <-b.life.Done():
		return nil, ErrClosed
	}
	defer func() { <-b.slots }()
	if err := context.Cause(ctx); err != nil {
		// select picks at random among ready cases: do not sacrifice a
		// worker to a task whose ctx is already done.
		return nil, fmt.Errorf("proc: task %s: %w", name, err)
	}

	for attempt := 0; ; {
		w, fresh, err := b.get(ctx)
		if err != nil {
			return nil, err
		}
		f, how, err := w.call(ctx, name, input)
		switch how {
		case replied:
			b.put(w)
			if f.kind == kindError {
				return nil, backend.UnmarshalError(f.payload)
			}
			return f.payload, nil
		case interrupted:
			b.gone(w)
			b.stopped.Add(1)
			if b.life.Err() != nil {
				return nil, ErrClosed
			}
			return nil, fmt.Errorf("proc: task %s stopped: %w", name, context.Cause(ctx))
		case unsent:
			b.gone(w)
			if b.life.Err() != nil {
				return nil, ErrClosed
			}
			if !fresh {
				// An idle worker had died: the task never reached it.
				continue
			}
			b.crashed.Add(1)
			return nil, fmt.Errorf("proc: task %s: send to new worker %d: %w", name, w.pid, err)
		case crashed:
			b.gone(w)
			if b.life.Err() != nil {
				return nil, ErrClosed
			}
			b.crashed.Add(1)
			if attempt < b.cfg.Retries && ctx.Err() == nil {
				attempt++
				b.retried.Add(1)
				continue
			}
			return nil, err
		}
	}
}

// get returns an idle worker, or starts one (fresh).
func (b *Backend) get(ctx context.Context) (w *worker, fresh bool, err error) {
	b.mu.Lock()
	if n := len(b.idle); n > 0 {
		w = b.idle[n-1]
		b.idle = b.idle[:n-1]
		b.mu.Unlock()
		return w, false, nil
	}
	b.mu.Unlock()
	w, err = b.start(ctx)
	if err != nil {
		return nil, false, err
	}
	return w, true, nil
}

// start starts a worker and counts it. It returns [ErrClosed] if the start
// failed because Close has begun.
func (b *Backend) start(ctx context.Context) (*worker, error) {
	w, err := startWorker(ctx, b.life, &b.cfg, false, b.cfg.Stdout)
	if err != nil {
		if b.life.Err() != nil {
			return nil, ErrClosed
		}
		return nil, err
	}
	b.started.Add(1)
	b.live.Add(1)
	return w, nil
}

// put returns a worker that answered a task to the idle list, or retires
// it if it has reached MaxTasks or the backend is closing.
func (b *Backend) put(w *worker) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cfg.MaxTasks > 0 && w.ran >= b.cfg.MaxTasks {
		b.recycled.Add(1)
		b.retireLocked(w)
		return
	}
	if b.closed {
		b.retireLocked(w)
		return
	}
	b.idle = append(b.idle, w)
}

// retireLocked closes w's task pipe, so that it exits, and reaps it in the
// background; Close waits for that.
func (b *Backend) retireLocked(w *worker) {
	b.wg.Go(func() {
		w.reap()
		b.gone(w)
	})
}

// gone records that a worker has been reaped.
func (b *Backend) gone(*worker) { b.live.Add(-1) }

// Warm starts workers until [Config.Workers] are running, so that the
// first tasks do not wait for process start-up. It returns the first start
// error, or an error wrapping context.Cause(ctx), or [ErrClosed].
func (b *Backend) Warm(ctx context.Context) error {
	for b.live.Load() < int64(b.cfg.Workers) {
		b.mu.Lock()
		if b.closed {
			b.mu.Unlock()
			return ErrClosed
		}
		b.wg.Add(1)
		b.mu.Unlock()
		err := b.warmOne(ctx)
		b.wg.Done()
		if err != nil {
			return err
		}
	}
	return nil
}

func (b *Backend) warmOne(ctx context.Context) error {
	select {
	case b.slots <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("proc: warm: %w", context.Cause(ctx))
	case <-b.life.Done():
		return ErrClosed
	}
	defer func() { <-b.slots }()
	// Holding a slot, the workers that exist are the idle ones and those
	// held by the other slots; start one only if that is under Workers.
	if b.live.Load() >= int64(b.cfg.Workers) {
		return nil
	}
	w, err := b.start(ctx)
	if err != nil {
		return err
	}
	b.put(w)
	return nil
}

// Close kills every worker (a task still running fails with [ErrClosed])
// and waits until each has exited and been reaped: no child is left
// behind. Close is idempotent and always returns nil.
func (b *Backend) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.wg.Wait()
		return nil
	}
	b.closed = true
	idle := b.idle
	b.idle = nil
	for _, w := range idle {
		b.retireLocked(w)
	}
	b.mu.Unlock()
	b.stop() // SIGKILL to every worker's process group, busy or idle
	b.wg.Wait()
	return nil
}

// Stats are a Backend's counters since [New].
type Stats struct {
	Started  int64 // worker processes started
	Crashed  int64 // workers that died or broke the protocol while running a task
	Recycled int64 // workers retired after Config.MaxTasks tasks
	Stopped  int64 // workers stopped because a task's ctx was done (timeout, cancel)
	Retried  int64 // tasks run again after a crash
	Live     int64 // worker processes running now, busy or idle
}

// Stats returns the Backend's counters. It is safe to call at any time;
// the fields are read one by one, not as an atomic snapshot.
func (b *Backend) Stats() Stats {
	return Stats{
		Started:  b.started.Load(),
		Crashed:  b.crashed.Load(),
		Recycled: b.recycled.Load(),
		Stopped:  b.stopped.Load(),
		Retried:  b.retried.Load(),
		Live:     b.live.Load(),
	}
}
