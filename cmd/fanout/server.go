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

	"github.com/fanout-dev/fanout/internal/natsserver"
)

const serverUsage = `Usage: fanout server [--listen HOST:PORT] [--store DIR] [auth] [--tls-cert F --tls-key F]

Runs a single-node fanout cluster: a NATS server with JetStream, embedded
in this binary, until interrupted. Workers ("fanout worker") and submitters
connect to it. For more than one node, run a real NATS cluster instead (see
parallel/natsjs/BENCH.md).

Authentication is on: without --token or --user/--password (or NATS_TOKEN,
NATS_USER/NATS_PASSWORD), a token is generated and printed once, with the
command line that starts a worker. --no-auth turns authentication off.

`

// runServer is "fanout server": it runs an embedded NATS server with
// JetStream until ctx is done, and returns the exit status.
func runServer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := newCommand("server", serverUsage, stdout, stderr)
	fs := cmd.fs
	listen := fs.String("listen", "127.0.0.1:4222", "`address` to listen on; port 0 picks a free one")
	store := fs.String("store", filepath.Join(os.TempDir(), "fanout-jetstream"), "`folder` of the JetStream store; give a lasting one to keep queued tasks across restarts")
	token := fs.String("token", "", "access `token` clients must present (default $NATS_TOKEN, else generated; prefer the variable: a command line shows in ps)")
	user := fs.String("user", "", "user `name` clients log in with (default $NATS_USER)")
	password := fs.String("password", "", "`password` of --user (default $NATS_PASSWORD)")
	noAuth := fs.Bool("no-auth", false, "let any client connect, without credentials")
	tlsCert := fs.String("tls-cert", "", "PEM `file` of the server's certificate; turns TLS on")
	tlsKey := fs.String("tls-key", "", "PEM `file` of the certificate's key")
	maxPayload := fs.Int("max-payload", 8<<20, "largest message in `bytes`; larger task inputs and outputs go through the object store")
	tlsCA := fs.String("tls-ca", "", "PEM `file` of CAs; clients must then present a certificate they signed")
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
	}
	generated := !*noAuth && *token == "" && *user == ""
	if err := os.MkdirAll(*store, 0o700); err != nil {
		fmt.Fprintf(stderr, "fanout server: --store: %v\n", err)
		return exitFailed
	}

	s, err := natsserver.Start(natsserver.Options{
		Host:       host,
		Port:       port,
		StoreDir:   *store,
		Token:      *token,
		User:       *user,
		Password:   *password,
		NoAuth:     *noAuth,
		TLSCert:    *tlsCert,
		TLSKey:     *tlsKey,
		TLSCA:      *tlsCA,
		MaxPayload: int32(*maxPayload),
		NoLog:      true,
	})
	if err != nil {
		fmt.Fprintf(stderr, "fanout server: %v\n", err)
		return exitFailed
	}
	defer s.Shutdown()

	clientURL := workerURL(s.ClientURL(), *tlsCert != "")
	fmt.Fprintf(stdout, "fanout server: NATS with JetStream on %s, store %s\n", clientURL, *store)
	switch {
	case generated:
		// The only place a secret is ever printed: it was made here, and
		// nobody else knows it.
		// The token goes in the workers' environment, not on their command
		// line, where every user of the machine could read it with ps.
		fmt.Fprintf(stdout, "fanout server: generated an access token, shown only now; start workers with it in their environment (a command line shows in ps):\n  export NATS_TOKEN=%s\n  fanout worker --nats %s\n",
			s.Token(), clientURL)
	case *noAuth:
		fmt.Fprintf(stdout, "fanout server: authentication is OFF\nstart workers with:\n  fanout worker --nats %s --insecure-no-auth\n", clientURL)
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
