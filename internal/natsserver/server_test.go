package natsserver_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/fanout-dev/fanout/internal/natsserver"
)

func mustStart(t *testing.T, opts natsserver.Options) *natsserver.Server {
	t.Helper()
	opts.Port = -1
	opts.NoLog = true
	if opts.StoreDir == "" {
		opts.StoreDir = t.TempDir()
	}
	s, err := natsserver.Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// connect dials s with opts and checks that JetStream answers.
func connect(s *natsserver.Server, opts ...nats.Option) error {
	opts = append(opts, nats.MaxReconnects(0), nats.Timeout(5*time.Second))
	nc, err := nats.Connect(s.ClientURL(), opts...)
	if err != nil {
		return err
	}
	defer nc.Close()
	_, err = nc.Request("$JS.API.INFO", nil, 5*time.Second)
	return err
}

func TestAuth(t *testing.T) {
	token := mustStart(t, natsserver.Options{Token: "s3cret"})
	generated := mustStart(t, natsserver.Options{})
	userpass := mustStart(t, natsserver.Options{User: "alice", Password: "pw"})
	open := mustStart(t, natsserver.Options{NoAuth: true})

	if got := token.Token(); got != "s3cret" {
		t.Errorf("Token() = %q, want the given token", got)
	}
	if got := generated.Token(); len(got) < 40 {
		t.Errorf("generated Token() = %q, want a long random token", got)
	}
	tests := []struct {
		name   string
		server *natsserver.Server
		opts   []nats.Option
		ok     bool
	}{
		{"token", token, []nats.Option{nats.Token("s3cret")}, true},
		{"wrong token", token, []nats.Option{nats.Token("guess")}, false},
		{"no token", token, nil, false},
		{"generated token", generated, []nats.Option{nats.Token(generated.Token())}, true},
		{"generated token missing", generated, nil, false},
		{"user", userpass, []nats.Option{nats.UserInfo("alice", "pw")}, true},
		{"wrong password", userpass, []nats.Option{nats.UserInfo("alice", "nope")}, false},
		{"no auth", open, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := connect(tc.server, tc.opts...)
			switch {
			case tc.ok && err != nil:
				t.Fatalf("connect: %v, want success", err)
			case !tc.ok && !errors.Is(err, nats.ErrAuthorization):
				t.Fatalf("connect: %v, want %v", err, nats.ErrAuthorization)
			}
		})
	}
}

func TestStartBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts natsserver.Options
		want string
	}{
		{"noauth with token", natsserver.Options{NoAuth: true, Token: "t"}, "NoAuth"},
		{"token with user", natsserver.Options{Token: "t", User: "u", Password: "p"}, "Token"},
		{"user without password", natsserver.Options{User: "u"}, "Password"},
		{"key without cert", natsserver.Options{TLSKey: "k.pem"}, "TLSCert"},
		{"ca without cert", natsserver.Options{TLSCA: "ca.pem"}, "TLSCA"},
		{"missing cert file", natsserver.Options{TLSCert: "/nonexistent/c.pem", TLSKey: "/nonexistent/k.pem"}, "TLS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Port = -1
			tc.opts.NoLog = true
			tc.opts.StoreDir = t.TempDir()
			s, err := natsserver.Start(tc.opts)
			if err == nil {
				s.Shutdown()
				t.Fatalf("Start(%+v) succeeded, want an error", tc.opts)
			}
			if !strings.HasPrefix(err.Error(), "natsserver: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start(%+v) = %v, want a natsserver error naming %s", tc.opts, err, tc.want)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := mustCert(t, dir, "ca", nil, nil)
	mustCert(t, dir, "server", ca, caKey)
	mustCert(t, dir, "client", ca, caKey)
	file := func(name string) string { return filepath.Join(dir, name) }

	plain := mustStart(t, natsserver.Options{Token: "t", TLSCert: file("server.pem"), TLSKey: file("server-key.pem")})
	mutual := mustStart(t, natsserver.Options{Token: "t", TLSCert: file("server.pem"), TLSKey: file("server-key.pem"), TLSCA: file("ca.pem")})

	tests := []struct {
		name   string
		server *natsserver.Server
		opts   []nats.Option
		ok     bool
	}{
		{"trusted", plain, []nats.Option{nats.Token("t"), nats.RootCAs(file("ca.pem"))}, true},
		{"untrusted server", plain, []nats.Option{nats.Token("t"), nats.Secure(&tls.Config{})}, false},
		{"client cert", mutual, []nats.Option{nats.Token("t"), nats.RootCAs(file("ca.pem")),
			nats.ClientCert(file("client.pem"), file("client-key.pem"))}, true},
		{"no client cert", mutual, []nats.Option{nats.Token("t"), nats.RootCAs(file("ca.pem"))}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := connect(tc.server, tc.opts...)
			if got := err == nil; got != tc.ok {
				t.Fatalf("connect: %v, want success %v", err, tc.ok)
			}
		})
	}
}

// mustCert writes name.pem and name-key.pem into dir: a CA certificate when
// parent is nil, otherwise a certificate for 127.0.0.1 signed by parent.
func mustCert(t *testing.T, dir, name string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
	}
	if parent == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(file, typ string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, file), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(name+".pem", "CERTIFICATE", der)
	write(name+"-key.pem", "EC PRIVATE KEY", keyDER)
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestStartFails checks that a server that cannot start returns an error
// saying why, at once, rather than exiting the process (the server's own
// logger exits on a fatal error) or waiting for the ready timeout.
func TestStartFails(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts natsserver.Options
		want string
	}{
		{"port in use", natsserver.Options{Port: port, NoLog: true}, "listening"},
		{"port in use, logging", natsserver.Options{Port: port}, "listening"},
		{"store is a file", natsserver.Options{Port: -1, StoreDir: notDir, NoLog: true}, "JetStream"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.StoreDir == "" {
				tc.opts.StoreDir = t.TempDir()
			}
			tc.opts.NoAuth = true
			s, err := natsserver.Start(tc.opts)
			if err == nil {
				s.Shutdown()
				t.Fatalf("Start(%+v) succeeded, want an error", tc.opts)
			}
			if !strings.HasPrefix(err.Error(), "natsserver: start: ") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start(%+v) = %v, want a natsserver error naming %s", tc.opts, err, tc.want)
			}
		})
	}
}
