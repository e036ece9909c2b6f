package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/fanout-dev/fanout/internal/natsserver"
	"github.com/fanout-dev/fanout/parallel/natsjs"
)

const serverUsage = `Usage: fanout server [--listen HOST:PORT] [--store DIR] [auth] [--tls-cert F --tls-key F]
                     [--cluster HOST:PORT --routes URL,URL,...] [--http HOST:PORT] [--metrics HOST:PORT]

Runs a node of a fanout cluster: a NATS server with JetStream, embedded in
this binary, until interrupted. Workers ("fanout worker") and submitters
connect to it. Alone it is a single-node cluster; with --cluster and
--routes, three of them (on three machines, or on one with different ports)
form a JetStream cluster that survives the loss of a node: give workers and
submitters every node's URL and --replicas 3.

Authentication is on: without --token or --user/--password (or NATS_TOKEN,
NATS_USER/NATS_PASSWORD), the credentials kept in the store from an earlier
start are used, or else a token is generated, kept in the store and printed
once, with the command line that starts a worker. --no-auth turns
authentication off. The nodes of a cluster must share their credentials
(the routes between them log in with them).

The store keeps, in fanout-server.json (readable by its owner only), the
node's name, its credentials and its TLS files, so that a restart without
those flags is the same server and lets its workers back in.

The server logs at info level to standard error (--log debug for more,
--log off for nothing).

`

// runServer is "fanout server": it runs an embedded NATS server with
// JetStream until ctx is done, and returns the exit status.
func runServer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := newCommand("server", serverUsage, stdout, stderr)
	fs := cmd.fs
	listen := fs.String("listen", "127.0.0.1:4222", "`address` to listen on; port 0 picks a free one")
	store := fs.String("store", filepath.Join(os.TempDir(), "fanout-jetstream"), "`folder` of the JetStream store; give a lasting one to keep queued tasks across restarts")
	token := fs.String("token", "", "access `token` clients must present (default $NATS_TOKEN, else the one kept in the store, else generated; prefer the variable: a command line shows in ps)")
	user := fs.String("user", "", "user `name` clients log in with (default $NATS_USER)")
	password := fs.String("password", "", "`password` of --user (default $NATS_PASSWORD)")
	noAuth := fs.Bool("no-auth", false, "let any client connect, without credentials")
	tlsCert := fs.String("tls-cert", "", "PEM `file` of the server's certificate; turns TLS on (kept in the store)")
	tlsKey := fs.String("tls-key", "", "PEM `file` of the certificate's key")
	maxPayload := fs.Int("max-payload", 8<<20, "largest message in `bytes`; larger task inputs and outputs go through the object store")
	tlsCA := fs.String("tls-ca", "", "PEM `file` of CAs; clients must then present a certificate they signed")
	name := fs.String("name", "", "this node's `name`, unique in the cluster (default the host name, with -CLUSTERPORT in a cluster; kept in the store)")
	clusterAddr := fs.String("cluster", "", "`address` (HOST:PORT, e.g. 0.0.0.0:6222) the other nodes of a cluster connect to")
	routes := fs.String("routes", "", "comma-separated `URLs` of the cluster's nodes (nats://host:6222,...); this node's own is ignored")
	clusterName := fs.String("cluster-name", "fanout", "`name` of the cluster, the same on every node")
	httpAddr := fs.String("http", "", "`address` (HOST:PORT) of the server's monitoring endpoint (/varz, /jsz, /healthz, ...)")
	metricsAddr := fs.String("metrics", "", "`address` (HOST:PORT) serving Prometheus metrics at /metrics: the server's and the fanout cluster's (queue, workers, dead letters)")
	logLevel := fs.String("log", "info", "the server's log: info, debug or off")
	prefix := fs.String("prefix", natsjs.DefaultPrefix, "`name` prefix of the fanout cluster whose state --metrics reports (as its workers')")
	if _, code, ok := cmd.parse(args, 0); !ok {
		return code
	}
	fail := cmd.fail
	host, portText, err := net.SplitHostPort(*listen)
	if err != nil {
		return fail(fmt.Errorf("--listen %q: %v", *listen, err))
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return fail(fmt.Errorf("--listen %q: port must be a number from 0 to 65535", *listen))
	}
	if port == 0 {
		port = -1 // the server's "pick a free port"
	}
	if !*noAuth && *token == "" && *user == "" {
		*token = os.Getenv("NATS_TOKEN")
		if *token == "" {
			*user, *password = os.Getenv("NATS_USER"), os.Getenv("NATS_PASSWORD")
		}
	}
	if *user != "" && *password == "" {
		*password = os.Getenv("NATS_PASSWORD")
	}
	var routeList []string
	for r := range strings.SplitSeq(*routes, ",") {
		if r = strings.TrimSpace(r); r != "" {
			routeList = append(routeList, r)
		}
	}
	switch {
	case *noAuth && (*token != "" || *user != "" || *password != ""):
		return fail(errors.New("--no-auth excludes --token, --user and --password"))
	case *token != "" && *user != "":
		return fail(errors.New("give --token or --user/--password, not both"))
	case (*user == "") != (*password == ""):
		return fail(errors.New("--user and --password go together"))
	case (*tlsCert == "") != (*tlsKey == ""):
		return fail(errors.New("--tls-cert and --tls-key go together"))
	case *tlsCA != "" && *tlsCert == "":
		return fail(errors.New("--tls-ca needs --tls-cert and --tls-key"))
	case *maxPayload < 64<<10 || *maxPayload > 64<<20:
		return fail(fmt.Errorf("--max-payload %d must be from 64 KiB to 64 MiB", *maxPayload))
	case len(routeList) > 0 && *clusterAddr == "":
		return fail(errors.New("--routes needs --cluster, the address the other nodes connect to"))
	case *logLevel != "info" && *logLevel != "debug" && *logLevel != "off":
		return fail(fmt.Errorf("--log %q: want info, debug or off", *logLevel))
	}
	for _, a := range []struct{ flag, value string }{{"--cluster", *clusterAddr}, {"--http", *httpAddr}, {"--metrics", *metricsAddr}} {
		if a.value == "" {
			continue
		}
		if _, p, err := net.SplitHostPort(a.value); err != nil {
			return fail(fmt.Errorf("%s %q: %v", a.flag, a.value, err))
		} else if n, err := strconv.Atoi(p); err != nil || n < 0 || n > 65535 {
			return fail(fmt.Errorf("%s %q: port must be a number from 0 to 65535", a.flag, a.value))
		}
	}
	if err := os.MkdirAll(*store, 0o700); err != nil {
		fmt.Fprintf(stderr, "fanout server: --store: %v\n", err)
		return exitFailed
	}
	kept, err := loadServerSettings(*store)
	if err != nil {
		fmt.Fprintf(stderr, "fanout server: %v\n", err)
		return exitFailed
	}
	// What the flags and the environment leave unset, the store gives.
	reused := false
	if !*noAuth && *token == "" && *user == "" {
		*token, *user, *password = kept.Token, kept.User, kept.Password
		reused = *token != "" || *user != ""
	}
	if *tlsCert == "" && *tlsCA == "" {
		*tlsCert, *tlsKey, *tlsCA = kept.TLSCert, kept.TLSKey, kept.TLSCA
	}
	if *name == "" {
		*name = kept.Name
	}
	if *name == "" {
		// A name that stays: JetStream knows the nodes of a cluster by
		// name, and clients tell a failover from a reconnection by it.
		*name, _ = os.Hostname()
		if *clusterAddr != "" {
			_, p, _ := net.SplitHostPort(*clusterAddr)
			*name += "-" + p
		}
	}
	generated := !*noAuth && *token == "" && *user == ""
	if generated {
		*token = natsserver.NewToken()
	}

	s, err := natsserver.Start(natsserver.Options{
		Host:        host,
		Port:        port,
		StoreDir:    *store,
		Token:       *token,
		User:        *user,
		Password:    *password,
		NoAuth:      *noAuth,
		TLSCert:     *tlsCert,
		TLSKey:      *tlsKey,
		TLSCA:       *tlsCA,
		MaxPayload:  int32(*maxPayload),
		NoLog:       *logLevel == "off",
		LogTo:       stderr,
		Debug:       *logLevel == "debug",
		Name:        *name,
		Cluster:     *clusterAddr,
		ClusterName: *clusterName,
		Routes:      routeList,
		HTTP:        *httpAddr,
	})
	if err != nil {
		fmt.Fprintf(stderr, "fanout server: %v\n", err)
		return exitFailed
	}
	defer s.Shutdown()
	keep := serverSettings{Name: *name, TLSCert: *tlsCert, TLSKey: *tlsKey, TLSCA: *tlsCA}
	if !*noAuth {
		keep.Token, keep.User, keep.Password = *token, *user, *password
	}
	if keep != kept {
		if err := keep.save(*store); err != nil {
			fmt.Fprintf(stderr, "fanout server: keep settings in the store: %v\n", err)
			return exitFailed
		}
	}

	clientURL := workerURL(s.ClientURL(), *tlsCert != "")
	fmt.Fprintf(stdout, "fanout server: NATS with JetStream on %s, store %s\n", clientURL, *store)
	if a := s.ClusterAddr(); a != "" {
		fmt.Fprintf(stdout, "fanout server: node %s of cluster %q, routes on %s\n", s.Name(), *clusterName, a)
	}
	if a := s.MonitorAddr(); a != "" {
		fmt.Fprintf(stdout, "fanout server: monitoring on http://%s/ (/varz, /jsz, /healthz)\n", a)
	}
	if *metricsAddr != "" {
		var creds []nats.Option
		switch {
		case *token != "":
			creds = append(creds, nats.Token(*token))
		case *user != "":
			creds = append(creds, nats.UserInfo(*user, *password))
		}
		stop, addr, err := serveServerMetrics(*metricsAddr, s, creds, natsjs.Config{Prefix: *prefix})
		if err != nil {
			fmt.Fprintf(stderr, "fanout server: --metrics: %v\n", err)
			return exitFailed
		}
		defer stop()
		fmt.Fprintf(stdout, "fanout server: Prometheus metrics on http://%s/metrics\n", addr)
	}
	switch {
	case generated:
		// The only place a secret is ever printed: it was made here, and
		// nobody else knows it.
		// The token goes in the workers' environment, not on their command
		// line, where every user of the machine could read it with ps.
		fmt.Fprintf(stdout, "fanout server: generated an access token, kept in the store and shown only now; start workers with it in their environment (a command line shows in ps):\n  export NATS_TOKEN=%s\n  fanout worker --nats %s\n",
			s.Token(), clientURL)
	case *noAuth:
		fmt.Fprintf(stdout, "fanout server: authentication is OFF\nstart workers with:\n  fanout worker --nats %s --insecure-no-auth\n", clientURL)
	case reused && *user != "":
		fmt.Fprintf(stdout, "fanout server: the credentials kept in the store (user %s) hold\nstart workers with:\n  NATS_USER=%s NATS_PASSWORD=... fanout worker --nats %s\n", *user, *user, clientURL)
	case reused:
		fmt.Fprintf(stdout, "fanout server: the access token kept in the store holds\nstart workers with:\n  NATS_TOKEN=... fanout worker --nats %s\n", clientURL)
	case *user != "":
		fmt.Fprintf(stdout, "start workers with:\n  NATS_USER=%s NATS_PASSWORD=... fanout worker --nats %s\n", *user, clientURL)
	default:
		fmt.Fprintf(stdout, "start workers with:\n  NATS_TOKEN=... fanout worker --nats %s\n", clientURL)
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "fanout server: stopped")
	return exitOK
}

// workerURL returns the URL workers on other machines should dial: the
// server's own, with the host name in place of an unspecified address, and
// tls:// when TLS is on.
func workerURL(clientURL string, tls bool) string {
	u, err := url.Parse(clientURL)
	if err != nil {
		return clientURL
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsUnspecified() {
		if h, err := os.Hostname(); err == nil {
			u.Host = net.JoinHostPort(h, u.Port())
		}
	}
	if tls {
		u.Scheme = "tls"
	}
	return u.String()
}
