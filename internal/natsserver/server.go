package natsserver

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
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
	// standard error.
	NoLog bool
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
	if !opts.NoLog {
		ns.ConfigureLogger()
	}
	// The server reports the failures that stop it from starting (a port in
	// use, a JetStream store it cannot open) with Fatalf, which its own
	// loggers implement with os.Exit, and with NoLog not at all. logger
	// turns them into the error Start returns.
	l := &logger{next: ns.Logger(), fatal: make(chan string, 1)}
	ns.SetLogger(l, false, false)
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
		Host:       host,
		Port:       opts.Port,
		JetStream:  true,
		StoreDir:   opts.StoreDir,
		NoLog:      opts.NoLog,
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
