package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/batch"
	"github.com/fanout-dev/fanout/download"
	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/parallel/natsjs"
)

const workerUsage = `Usage: fanout worker --nats URL [credentials] [--concurrency N] [--tasks a,b]

Runs tasks from a fanout cluster (see "fanout server") until interrupted,
then finishes the tasks it runs (for up to --drain-timeout) and hands back
the others to the cluster.
Start one per machine; they share the work.

Credentials (required unless --insecure-no-auth): --token, --creds, or
--user and --password; or the environment variables NATS_TOKEN, NATS_USER
and NATS_PASSWORD, which keep secrets out of the process list.

Each task runs in a child process that may use --memory-limit more bytes
(4G by default): a task over it fails alone, for good, and the worker
carries on. Whatever a submitter asks, tasks are also held to --max-pixels,
--max-bytes, --max-output and --task-timeout.

`

// defaultWorkerMemory is the address space each task of a worker may add
// by default: an image at the default pixel budget (89.5 megapixels) took
// 1.1 GB at the most through decoding, a blur and encoding (peak RSS of
// fanout images on a 9400x9500 PNG, 2026-12-02), the rest is headroom.
const defaultWorkerMemory = 4 << 30

// natsOptions is the part of a command line that reaches a NATS cluster:
// the URL, credentials and TLS files. The worker uses it, and so can any
// command that submits to the cluster.
type natsOptions struct {
	url             string
	token           string
	creds           string
	user, password  string
	tlsCA           string
	tlsCert, tlsKey string
	insecureNoAuth  bool
	prefix          string
	ackWait         time.Duration
	replicas        int
	connectionName  string
	log             *slog.Logger // the connection's and the Backend's log; nil discards
}

// addFlags registers the connection flags on fs.
func (o *natsOptions) addFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.url, "nats", "", "`URL` of the NATS server or cluster (comma-separated for several)")
	fs.StringVar(&o.token, "token", "", "access `token` (default $NATS_TOKEN; prefer the variable: a command line shows in ps)")
	fs.StringVar(&o.creds, "creds", "", "NATS credentials `file` (JWT and nkey)")
	fs.StringVar(&o.user, "user", "", "user `name` (default $NATS_USER)")
	fs.StringVar(&o.password, "password", "", "`password` (default $NATS_PASSWORD)")
	fs.StringVar(&o.tlsCA, "tls-ca", "", "PEM `file` of the CA that signed the server's certificate")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM `file` of a client certificate, for servers that verify clients")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM `file` of the client certificate's key")
	fs.BoolVar(&o.insecureNoAuth, "insecure-no-auth", false, "connect without credentials (only to a server started with --no-auth)")
	fs.StringVar(&o.prefix, "prefix", natsjs.DefaultPrefix, "`name` prefix of the cluster's streams (as on the submitting side)")
	fs.DurationVar(&o.ackWait, "ack-wait", natsjs.DefaultAckWait, "time after which a silent worker's task goes to another worker (as on the submitting side)")
	fs.IntVar(&o.replicas, "replicas", 1, "copies of each stream: 3 on a three-node NATS cluster (as on the submitting side)")
}

// config returns the cluster configuration the flags describe.
func (o *natsOptions) config() natsjs.Config {
	return natsjs.Config{Prefix: o.prefix, AckWait: o.ackWait, Replicas: o.replicas, Logger: o.log}
}

// resolve fills the credentials from the environment when no flag gave
// them, and checks that the options make sense. The error is a usage error.
func (o *natsOptions) resolve(getenv func(string) string) error {
	if o.url == "" {
		return errors.New("--nats URL is required")
	}
	// The environment is a default: credentials in the URL, like those
	// of a flag, leave it unread.
	inURL := urlHasUserinfo(o.url)
	if o.token == "" && o.user == "" && o.creds == "" && !inURL {
		o.token = getenv("NATS_TOKEN")
	}
	if o.user == "" && o.token == "" && o.creds == "" && !inURL {
		o.user = getenv("NATS_USER")
	}
	if o.password == "" && o.user != "" {
		o.password = getenv("NATS_PASSWORD")
	}
	set := 0
	for _, b := range []bool{o.token != "", o.user != "", o.creds != "", inURL} {
		if b {
			set++
		}
	}
	switch {
	case set > 1:
		return errors.New("give one kind of credentials: --token, --creds, --user/--password, or a URL with user info")
	case o.user != "" && o.password == "":
		return errors.New("--user needs --password (or NATS_PASSWORD)")
	case o.password != "" && o.user == "":
		return errors.New("--password needs --user (or NATS_USER)")
	case set == 0 && !o.insecureNoAuth:
		return errors.New("no credentials: give --token, --creds or --user/--password (or NATS_TOKEN, NATS_USER/NATS_PASSWORD); --insecure-no-auth connects without")
	case set > 0 && o.insecureNoAuth:
		return errors.New("--insecure-no-auth excludes credentials")
	case (o.tlsCert == "") != (o.tlsKey == ""):
		return errors.New("--tls-cert and --tls-key go together")
	case o.replicas < 1:
		return fmt.Errorf("--replicas %d must be at least 1", o.replicas)
	case o.ackWait <= 0:
		return fmt.Errorf("--ack-wait %v must be positive", o.ackWait)
	}
	return nil
}

// connect dials the cluster. Its errors never contain a secret: the URL is
// redacted. log, if not nil, receives the connection's life at info level:
// connected, disconnected, reconnected (a failover when to another node),
// nodes discovered, and its asynchronous errors at warn level.
func (o *natsOptions) connect(log *slog.Logger) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(o.connectionName),
		nats.Timeout(10 * time.Second),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
	}
	var lastServer atomic.Value // string: the node connected to last
	if log != nil {
		opts = append(opts,
			nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
				if nc.IsClosed() || err == nil {
					return // closed on purpose
				}
				log.Warn("disconnected from the cluster; reconnecting", "server", lastServer.Load(), "err", err)
			}),
			nats.ReconnectHandler(func(nc *nats.Conn) {
				now, was := nc.ConnectedServerName(), lastServer.Load()
				lastServer.Store(now)
				if was != now {
					log.Info("reconnected: failover to another node", "server", now, "was", was, "url", redactURL(nc.ConnectedUrlRedacted()))
				} else {
					log.Info("reconnected", "server", now, "url", redactURL(nc.ConnectedUrlRedacted()))
				}
			}),
			nats.DiscoveredServersHandler(func(nc *nats.Conn) {
				log.Info("cluster nodes discovered", "urls", strings.Join(nc.DiscoveredServers(), ","))
			}),
			nats.ErrorHandler(func(nc *nats.Conn, _ *nats.Subscription, err error) {
				log.Warn("cluster connection", "err", err)
			}),
			nats.ClosedHandler(func(nc *nats.Conn) {
				log.Debug("connection closed")
			}),
		)
	}
	switch {
	case o.token != "":
		opts = append(opts, nats.Token(o.token))
	case o.user != "":
		opts = append(opts, nats.UserInfo(o.user, o.password))
	case o.creds != "":
		opts = append(opts, nats.UserCredentials(o.creds))
	}
	if o.tlsCA != "" {
		opts = append(opts, nats.RootCAs(o.tlsCA))
	}
	if o.tlsCert != "" {
		opts = append(opts, nats.ClientCert(o.tlsCert, o.tlsKey))
	}
	nc, err := nats.Connect(o.url, opts...)
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), o.url, redactURL(o.url))
		return nil, fmt.Errorf("connect to %s: %s", redactURL(o.url), msg)
	}
	lastServer.Store(nc.ConnectedServerName())
	if log != nil {
		log.Info("connected", "server", nc.ConnectedServerName(), "url", redactURL(nc.ConnectedUrlRedacted()),
			"cluster", nc.ConnectedClusterName())
	}
	return nc, nil
}

// urlHasUserinfo reports whether one of the comma-separated URLs carries a
// user or token.
func urlHasUserinfo(urls string) bool {
	for s := range strings.SplitSeq(urls, ",") {
		if u, err := url.Parse(strings.TrimSpace(s)); err == nil && u.User != nil {
			return true
		}
	}
	return false
}

// redactURL replaces the user information (a token, or a user and
// password) of each comma-separated URL with "redacted", so that a URL can
// be printed.
func redactURL(urls string) string {
	parts := strings.Split(urls, ",")
	for i, s := range parts {
		u, err := url.Parse(strings.TrimSpace(s))
		switch {
		case err != nil && strings.Contains(s, "@"):
			parts[i] = "redacted@" + s[strings.LastIndex(s, "@")+1:]
		case err == nil && u.User != nil:
			u.User = url.User("redacted")
			parts[i] = u.String()
		}
	}
	return strings.Join(parts, ",")
}

// runWorker is "fanout worker": it serves the tasks of newRegistry from a
// cluster until ctx is done, and returns the exit status.
func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := newCommand("worker", workerUsage, stdout, stderr)
	fs := cmd.fs
	o := natsOptions{connectionName: "fanout worker"}
	o.addFlags(fs)
	concurrency := fs.Int("workers", runtime.GOMAXPROCS(0), "`number` of tasks run at once")
	fs.IntVar(concurrency, "j", runtime.GOMAXPROCS(0), "same as --workers")
	fs.IntVar(concurrency, "concurrency", runtime.GOMAXPROCS(0), "same as --workers (the old name)")
	tasks := fs.String("tasks", "", "comma-separated `names` of the tasks to serve (default all)")
	taskTimeout := fs.Duration("task-timeout", 10*time.Minute, "stop a task that runs longer and fail it (0: no limit)")
	maxInput, maxOutput := new(int64), new(int64)
	countFlag(fs, maxInput, "max-bytes", download.DefaultMaxBytes, true, "largest image a task may bring, in `bytes` (e.g. 64M)")
	countFlag(fs, maxOutput, "max-output", 4*download.DefaultMaxBytes, true, "largest result a task may make, in `bytes` (e.g. 256M)")
	memoryLimit := new(int64)
	countFlag(fs, memoryLimit, "memory-limit", defaultWorkerMemory, true, "address-space `bytes` each task may add, in a child process of its own, so that a task over it fails alone (0: run tasks in this process, no limit)")
	maxPixels := new(int64)
	countFlag(fs, maxPixels, "max-pixels", imgproc.DefaultMaxPixels, false, "largest image, in `pixels`, this worker decodes or makes, whatever a submitter asks (e.g. 50M)")
	verbose := fs.Bool("v", false, "log at debug level too (each failed task and each connection event are logged at info level anyway)")
	metricsAddr := fs.String("metrics", "", "`address` (HOST:PORT) serving this worker's Prometheus metrics at /metrics")
	drain := fs.Duration("drain-timeout", 30*time.Second, "on interrupt, how long running tasks may take to finish before they are handed back to other workers (0: no limit)")
	if _, code, ok := cmd.parse(args, 0); !ok {
		return code
	}
	fail := cmd.fail
	if *taskTimeout < 0 {
		return fail(fmt.Errorf("--task-timeout %v must not be negative", *taskTimeout))
	}
	if *concurrency < 1 {
		return fail(fmt.Errorf("--workers %d must be at least 1", *concurrency))
	}
	if *maxInput < 1 || *maxOutput < 1 {
		return fail(fmt.Errorf("--max-bytes %d and --max-output %d must be at least 1", *maxInput, *maxOutput))
	}
	if err := o.resolve(os.Getenv); err != nil {
		return fail(err)
	}
	if *maxPixels < 1 {
		return fail(fmt.Errorf("--max-pixels %d must be at least 1", *maxPixels))
	}
	if *memoryLimit < 0 {
		return fail(fmt.Errorf("--memory-limit %d must not be negative", *memoryLimit))
	}
	lim := batch.Limits{MaxPixels: *maxPixels, MaxInput: *maxInput, MaxOutput: *maxOutput}
	reg := newRegistry(lim)
	if *memoryLimit > 0 {
		var stop func()
		var err error
		if reg, stop, err = isolatedRegistry(lim, *concurrency, *memoryLimit); err != nil {
			fmt.Fprintf(stderr, "fanout worker: %v\n", err)
			return exitFailed
		}
		defer stop()
	}
	var names []string
	if *tasks != "" {
		for name := range strings.SplitSeq(*tasks, ",") {
			name = strings.TrimSpace(name)
			if !reg.Has(name) {
				return fail(fmt.Errorf("--tasks: unknown task %q (this binary has: %s)", name, strings.Join(reg.Names(), ", ")))
			}
			names = append(names, name)
		}
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	o.log = log
	nc, err := o.connect(log)
	if err != nil {
		fmt.Fprintf(stderr, "fanout worker: %v\n", err)
		return exitFailed
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		fmt.Fprintf(stderr, "fanout worker: %v\n", err)
		return exitFailed
	}
	w := &natsjs.Worker{
		JS:           js,
		Registry:     reg,
		Config:       o.config(),
		Concurrency:  *concurrency,
		Tasks:        names,
		DrainTimeout: *drain,
		TaskTimeout:  *taskTimeout,
		Logger:       log,
	}
	if *metricsAddr != "" {
		reg := newMetricsRegistry()
		registerWorkerMetrics(reg, w, *concurrency, nc)
		stop, addr, err := serveMetrics(*metricsAddr, reg)
		if err != nil {
			fmt.Fprintf(stderr, "fanout worker: --metrics: %v\n", err)
			return exitFailed
		}
		defer stop()
		fmt.Fprintf(stderr, "fanout worker: Prometheus metrics on http://%s/metrics\n", addr)
	}
	serving := "all tasks"
	if len(names) > 0 {
		serving = strings.Join(names, ", ")
	}
	fmt.Fprintf(stderr, "fanout worker: serving %s from %s, %d at a time\n", serving, redactURL(nc.ConnectedUrlRedacted()), *concurrency)
	if err := w.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "fanout worker: %v\n", err)
		return exitFailed
	}
	fmt.Fprintln(stderr, "fanout worker: stopped")
	return exitOK
}
