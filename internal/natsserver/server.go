package natsserver

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// readyTimeout bounds how long Start waits for the server to accept clients.
const readyTimeout = 10 * time.Second

// Options configures an embedded server. The zero value listens on
// 127.0.0.1:4222, keeps JetStream data in the server's default directory
// under os.TempDir, and generates an access token.
type Options struct {
	// Host is the address to listen on; "" means 127.0.0.1.
	Host string
	// Port is the client port; 0 means 4222 and -1 a random free port
	// (read the result from [Server.ClientURL]).
	Port int
	// StoreDir is the JetStream storage directory; "" means the server's
	// default under os.TempDir.
	StoreDir string

	// Token is the access token clients must present. With neither Token
	// nor User set and NoAuth false, Start generates one.
	Token string
	// User and Password require clients to log in with them. They
	// exclude Token.
	User, Password string
	// NoAuth lets any client connect. It must be asked for explicitly and
	// excludes Token, User and Password.
	NoAuth bool

	// TLSCert and TLSKey are the PEM files of the server's certificate and
	// key; both set turn TLS on for clients.
	TLSCert, TLSKey string
	// TLSCA is a PEM file of certificate authorities; when set (with
	// TLSCert and TLSKey), clients must present a certificate it signed.
	TLSCA string

	// MaxPayload is the largest message the server accepts, in bytes; 0
	// means the server's default of 1 MiB. NATS advises against more than
	// 8 MiB.
	MaxPayload int32

	// NoLog silences the server's own log, which otherwise goes to
	// LogTo at info level.
	NoLog bool
	// LogTo receives the server's log, one line per message with its time
	// and level; nil means standard error.
	LogTo io.Writer
	// Debug adds the server's debug messages to its log.
	Debug bool

	// Name is the server's name, unique in a cluster; "" lets the server
	// make one up, which a clustered JetStream refuses.
	Name string
	// Cluster is the HOST:PORT other nodes of a cluster connect to;
	// "" runs a single node.
	Cluster string
	// ClusterName names the cluster; "" means "fanout".
	ClusterName string
	// Routes are the URLs (nats://HOST:PORT) of the cluster's other nodes,
	// or of all its nodes (a route to itself is ignored). Routes
	// authenticate with the clients' credentials: the token, or the user
	// and password, are added to these URLs.
	Routes []string

	// HTTP is the HOST:PORT of the server's monitoring endpoint (/varz,
	// /jsz, /healthz, ...); "" for none.
	HTTP string
}

// Server is a running embedded NATS server. Its methods are safe for
// concurrent use. The caller owns it and must call [Server.Shutdown].
type Server struct {
	ns    *server.Server
	token string
}

// Start validates opts, starts the server and waits until it accepts
// clients. It returns an error naming the option at fault for inconsistent
// options (NoAuth with credentials, a token with a user, a user without a
// password, a TLS key without a certificate) and the server's error when it
// cannot start (a port in use, an unwritable store).
func Start(opts Options) (*Server, error) {
	sopts, token, err := serverOptions(opts)
	if err != nil {
		return nil, err
	}
	ns, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("natsserver: start: %w", err)
	}
	var next server.Logger
	if !opts.NoLog {
		w := opts.LogTo
		if w == nil {
			w = os.Stderr
		}
		next = &writerLogger{w: w, debug: opts.Debug}
	}
	// The server reports the failures that stop it from starting (a port in
	// use, a JetStream store it cannot open) with Fatalf, which its own
	// loggers implement with os.Exit, and with NoLog not at all. logger
	// turns them into the error Start returns.
	l := &logger{next: next, fatal: make(chan string, 1)}
	ns.SetLogger(l, opts.Debug, false)
	ns.Start()
	deadline := time.Now().Add(readyTimeout)
	for !ns.ReadyForConnections(readyPoll) {
		var cause string
		select {
		case cause = <-l.fatal:
		default:
			if time.Now().Before(deadline) {
				continue
			}
			cause = fmt.Sprintf("not ready for connections after %v", readyTimeout)
		}
		ns.Shutdown()
		ns.WaitForShutdown()
		return nil, fmt.Errorf("natsserver: start: %s", cause)
	}
	return &Server{ns: ns, token: token}, nil
}

// readyPoll is how often Start looks for a fatal error while it waits for
// the server to accept clients.
const readyPoll = 50 * time.Millisecond

// logger passes the server's log on to next (nil discards it), except that
// Fatalf, instead of exiting, logs an error and hands the first fatal
// message to Start.
type logger struct {
	next  server.Logger
	fatal chan string // buffered: holds the first fatal message
}

func (l *logger) Noticef(format string, v ...any) {
	if l.next != nil {
		l.next.Noticef(format, v...)
	}
}

func (l *logger) Warnf(format string, v ...any) {
	if l.next != nil {
		l.next.Warnf(format, v...)
	}
}

func (l *logger) Fatalf(format string, v ...any) {
	if l.next != nil {
		l.next.Errorf(format, v...)
	}
	select {
	case l.fatal <- fmt.Sprintf(format, v...):
	default:
	}
}

func (l *logger) Errorf(format string, v ...any) {
	if l.next != nil {
		l.next.Errorf(format, v...)
	}
}

func (l *logger) Debugf(format string, v ...any) {
	if l.next != nil {
		l.next.Debugf(format, v...)
	}
}

func (l *logger) Tracef(format string, v ...any) {
	if l.next != nil {
		l.next.Tracef(format, v...)
	}
}

// writerLogger writes the server's log to w, a line per message:
// "2026-12-02T03:04:05.678Z [INF] message".
type writerLogger struct {
	mu    sync.Mutex // serialises writes to w
	w     io.Writer
	debug bool
}

func (l *writerLogger) log(level, format string, v ...any) {
	line := time.Now().UTC().Format("2006-01-02T15:04:05.000Z") + " [" + level + "] " + fmt.Sprintf(format, v...) + "\n"
	l.mu.Lock()
	defer l.mu.Unlock()
	io.WriteString(l.w, line)
}

func (l *writerLogger) Noticef(format string, v ...any) { l.log("INF", format, v...) }
func (l *writerLogger) Warnf(format string, v ...any)   { l.log("WRN", format, v...) }
func (l *writerLogger) Fatalf(format string, v ...any)  { l.log("FTL", format, v...) }
func (l *writerLogger) Errorf(format string, v ...any)  { l.log("ERR", format, v...) }
func (l *writerLogger) Tracef(format string, v ...any)  {}
func (l *writerLogger) Debugf(format string, v ...any) {
	if l.debug {
		l.log("DBG", format, v...)
	}
}

// serverOptions turns opts into the server's options, generating a token
// when authentication is on and no credentials were given.
func serverOptions(opts Options) (*server.Options, string, error) {
	switch {
	case opts.NoAuth && (opts.Token != "" || opts.User != "" || opts.Password != ""):
		return nil, "", errors.New("natsserver: NoAuth excludes Token, User and Password")
	case opts.Token != "" && (opts.User != "" || opts.Password != ""):
		return nil, "", errors.New("natsserver: Token excludes User and Password")
	case (opts.User == "") != (opts.Password == ""):
		return nil, "", errors.New("natsserver: User and Password must be set together")
	case (opts.TLSCert == "") != (opts.TLSKey == ""):
		return nil, "", errors.New("natsserver: TLSCert and TLSKey must be set together")
	case opts.TLSCA != "" && opts.TLSCert == "":
		return nil, "", errors.New("natsserver: TLSCA needs TLSCert and TLSKey")
	case opts.MaxPayload < 0:
		return nil, "", fmt.Errorf("natsserver: MaxPayload %d must not be negative", opts.MaxPayload)
	}
	host := opts.Host
	if host == "" {
		host = "127.0.0.1"
	}
	s := &server.Options{
		ServerName: opts.Name,
		Host:       host,
		Port:       opts.Port,
		JetStream:  true,
		StoreDir:   opts.StoreDir,
		NoLog:      opts.NoLog,
		Debug:      opts.Debug,
		Logtime:    true,
		NoSigs:     true,
		Username:   opts.User,
		Password:   opts.Password,
		MaxPayload: opts.MaxPayload,
	}
	token := opts.Token
	if token == "" && opts.User == "" && !opts.NoAuth {
		token = NewToken()
	}
	s.Authorization = token
	if opts.HTTP != "" {
		h, p, err := splitHostPort(opts.HTTP)
		if err != nil {
			return nil, "", fmt.Errorf("natsserver: HTTP: %w", err)
		}
		s.HTTPHost, s.HTTPPort = h, p
	}
	if opts.Cluster == "" && len(opts.Routes) > 0 {
		return nil, "", errors.New("natsserver: Routes need Cluster")
	}
	if opts.Cluster != "" {
		h, p, err := splitHostPort(opts.Cluster)
		if err != nil {
			return nil, "", fmt.Errorf("natsserver: Cluster: %w", err)
		}
		if opts.Name == "" {
			return nil, "", errors.New("natsserver: a clustered server needs a Name")
		}
		name := opts.ClusterName
		if name == "" {
			name = "fanout"
		}
		s.Cluster = server.ClusterOpts{Name: name, Host: h, Port: p, ConnectRetries: -1, ConnectBackoff: true}
		user, pass := opts.User, opts.Password
		if token != "" {
			user, pass = "fanout-route", token
		}
		if user != "" {
			s.Cluster.Username, s.Cluster.Password = user, pass
		}
		for _, r := range opts.Routes {
			u, err := url.Parse(r)
			if err != nil || u.Host == "" {
				return nil, "", fmt.Errorf("natsserver: route %q is not a URL such as nats://host:6222", r)
			}
			if user != "" {
				u.User = url.UserPassword(user, pass)
			}
			s.Routes = append(s.Routes, u)
		}
	}
	if opts.TLSCert != "" {
		tc, err := server.GenTLSConfig(&server.TLSConfigOpts{
			CertFile: opts.TLSCert,
			KeyFile:  opts.TLSKey,
			CaFile:   opts.TLSCA,
			Verify:   opts.TLSCA != "",
		})
		if err != nil {
			return nil, "", fmt.Errorf("natsserver: TLS: %w", err)
		}
		s.TLS = true
		s.TLSVerify = opts.TLSCA != ""
		s.TLSConfig = tc
		s.TLSTimeout = 5
	}
	return s, token, nil
}

// splitHostPort parses HOST:PORT, an empty host meaning every interface
// and port 0 a free port.
func splitHostPort(hp string) (string, int, error) {
	h, ps, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, err
	}
	p, err := strconv.Atoi(ps)
	if err != nil || p < 0 || p > 65535 {
		return "", 0, fmt.Errorf("%q: port must be a number from 0 to 65535", hp)
	}
	if p == 0 {
		p = -1 // the server's "pick a free port"
	}
	if h == "" {
		h = "0.0.0.0"
	}
	return h, p, nil
}

// NewToken returns a random access token: 32 bytes from crypto/rand,
// base64url-encoded without padding, so that it is safe in a URL and on a
// command line.
func NewToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand.Read panics rather than returning an error)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ClientURL returns the URL clients connect to, such as
// nats://127.0.0.1:4222 (tls:// is not used: clients negotiate TLS from the
// server's greeting).
func (s *Server) ClientURL() string { return s.ns.ClientURL() }

// Token returns the access token clients must present: the one given in
// [Options] or the generated one. It is "" with user and password or with
// NoAuth.
func (s *Server) Token() string { return s.token }

// Shutdown stops the server, closing client connections, and waits until it
// has stopped. It is safe to call more than once.
func (s *Server) Shutdown() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

// Name returns the server's name.
func (s *Server) Name() string { return s.ns.Name() }

// MonitorAddr returns the address of the monitoring endpoint, or "" when
// there is none.
func (s *Server) MonitorAddr() string {
	if a := s.ns.MonitorAddr(); a != nil {
		return a.String()
	}
	return ""
}

// ClusterAddr returns the address other nodes connect to, or "" for a
// single node.
func (s *Server) ClusterAddr() string {
	if a := s.ns.ClusterAddr(); a != nil {
		return a.String()
	}
	return ""
}

// NATS returns the embedded server itself, for its monitoring data
// (Varz, Jsz).
func (s *Server) NATS() *server.Server { return s.ns }
