package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/parallel/natsjs"
)

func TestServerUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string // in the output
	}{
		{"help", []string{"-h"}, exitOK, "Usage: fanout server"},
		{"unknown flag", []string{"--bogus"}, exitUsage, "bogus"},
		{"extra argument", []string{"now"}, exitUsage, `unexpected argument "now"`},
		{"bad listen", []string{"--listen", "localhost"}, exitUsage, "--listen"},
		{"bad port", []string{"--listen", "127.0.0.1:99999"}, exitUsage, "port"},
		{"token and user", []string{"--token", "t", "--user", "u", "--password", "p"}, exitUsage, "not both"},
		{"user without password", []string{"--user", "u"}, exitUsage, "--password"},
		{"no-auth with token", []string{"--no-auth", "--token", "t"}, exitUsage, "--no-auth"},
		{"tiny max payload", []string{"--max-payload", "100"}, exitUsage, "--max-payload"},
		{"key without cert", []string{"--tls-key", "k.pem"}, exitUsage, "--tls-cert"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := runServer(t.Context(), tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("runServer(%q) = %d, want %d; stderr:\n%s", tc.args, code, tc.code, stderr.String())
			}
			if out := stdout.String() + stderr.String(); !strings.Contains(out, tc.want) {
				t.Errorf("runServer(%q) output does not contain %q:\n%s", tc.args, tc.want, out)
			}
		})
	}
}

// startServerCmd runs "fanout server args..." until the end of the test and
// returns the lines it printed up to the worker command line.
func startServerCmd(t *testing.T, args ...string) (lines []string, rest <-chan string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	code := make(chan int, 1)
	go func() {
		code <- runServer(ctx, append([]string{"--listen", "127.0.0.1:0", "--store", t.TempDir(), "--log", "off"}, args...), pw, pw)
		pw.Close()
	}()
	out := make(chan string, 100)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		for range out {
		}
		if c := <-code; c != exitOK {
			t.Errorf("fanout server exited with %d after ctx cancel, want 0", c)
		}
	})
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-out:
			if !ok {
				t.Fatalf("fanout server ended early:\n%s", strings.Join(lines, "\n"))
			}
			lines = append(lines, line)
			if strings.Contains(line, "fanout worker --nats") {
				return lines, out
			}
		case <-timeout:
			t.Fatalf("fanout server printed no worker command line:\n%s", strings.Join(lines, "\n"))
		}
	}
}

func TestServerGeneratedToken(t *testing.T) {
	lines, rest := startServerCmd(t)
	// The last lines are "  export NATS_TOKEN=TOKEN" and
	// "  fanout worker --nats URL": the token goes in the environment,
	// never on a command line, where ps shows it to every user.
	if len(lines) < 2 {
		t.Fatalf("server printed %q", lines)
	}
	env, cmdLine := strings.TrimSpace(lines[len(lines)-2]), strings.Fields(lines[len(lines)-1])
	token, ok := strings.CutPrefix(env, "export NATS_TOKEN=")
	if !ok || token == "" {
		t.Fatalf("token line = %q, want export NATS_TOKEN=TOKEN", env)
	}
	if len(cmdLine) != 4 || cmdLine[0] != "fanout" || cmdLine[2] != "--nats" {
		t.Fatalf("worker command line = %q, want fanout worker --nats URL, without the token", lines[len(lines)-1])
	}
	url := cmdLine[3]
	if n := strings.Count(strings.Join(lines, "\n"), token); n != 1 {
		t.Errorf("token printed %d times, want once", n)
	}
	for _, tc := range []struct {
		name  string
		token string
		ok    bool
	}{{"printed token", token, true}, {"wrong token", "guess", false}} {
		nc, err := nats.Connect(url, nats.Token(tc.token), nats.MaxReconnects(0))
		if err == nil {
			if got := nc.MaxPayload(); got != 8<<20 {
				t.Errorf("server's max payload = %d, want the 8 MiB default of fanout server", got)
			}
			nc.Close()
		}
		if tc.ok && err != nil || !tc.ok && !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("%s: connect = %v, want success %v", tc.name, err, tc.ok)
		}
	}
	select {
	case line := <-rest:
		if strings.Contains(line, token) {
			t.Errorf("token printed again: %q", line)
		}
	default:
	}
}

func TestServerGivenToken(t *testing.T) {
	t.Setenv("NATS_TOKEN", "from-env-token")
	lines, _ := startServerCmd(t)
	out := strings.Join(lines, "\n")
	if strings.Contains(out, "from-env-token") {
		t.Errorf("a token the user gave was printed:\n%s", out)
	}
	url := strings.Fields(lines[len(lines)-1])[4]
	nc, err := nats.Connect(url, nats.Token("from-env-token"), nats.MaxReconnects(0))
	if err != nil {
		t.Fatalf("connect with NATS_TOKEN: %v", err)
	}
	nc.Close()
}

// serverRun is a "fanout server" running in this process.
type serverRun struct {
	lines  []string    // printed up to the worker command line
	cancel func()      // stops it
	code   chan int    // its exit status, once stopped
	rest   chan string // what it prints after
}

// startServerArgs runs "fanout server args..." and returns once it printed
// its worker command line.
func startServerArgs(t *testing.T, args ...string) *serverRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	r := &serverRun{cancel: cancel, code: make(chan int, 1), rest: make(chan string, 100)}
	go func() {
		r.code <- runServer(ctx, args, pw, pw)
		pw.Close()
	}()
	go func() {
		defer close(r.rest)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			r.rest <- sc.Text()
		}
	}()
	t.Cleanup(func() { r.stop(t) })
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-r.rest:
			if !ok {
				t.Fatalf("fanout server ended early:\n%s", strings.Join(r.lines, "\n"))
			}
			r.lines = append(r.lines, line)
			if strings.Contains(line, "fanout worker --nats") {
				return r
			}
		case <-timeout:
			t.Fatalf("fanout server printed no worker command line:\n%s", strings.Join(r.lines, "\n"))
		}
	}
}

// stop stops the server and checks that it exits with status 0.
func (r *serverRun) stop(t *testing.T) {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	for range r.rest {
	}
	if c := <-r.code; c != exitOK {
		t.Errorf("fanout server exited with %d after ctx cancel, want 0", c)
	}
}

// freePort returns a TCP port free on loopback now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestServerRestartKeepsToken restarts a server that generated its token,
// with the same store and no token flag: it keeps the token, its worker
// reconnects by itself and the next batch runs.
func TestServerRestartKeepsToken(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server twice and two processes")
	}
	t.Setenv("NATS_TOKEN", "")
	store := t.TempDir()
	args := []string{"--listen", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--store", store, "--log", "off"}
	first := startServerArgs(t, args...)
	token, ok := strings.CutPrefix(strings.TrimSpace(first.lines[len(first.lines)-2]), "export NATS_TOKEN=")
	if !ok {
		t.Fatalf("no generated token in:\n%s", strings.Join(first.lines, "\n"))
	}
	url := strings.Fields(first.lines[len(first.lines)-1])[3]
	startWorker(t, url, token)
	first.stop(t)
	if fi, err := os.Stat(filepath.Join(store, serverSettingsFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("settings file: %v, %v; want mode 0600", fi, err)
	}

	second := startServerArgs(t, args...)
	out := strings.Join(second.lines, "\n")
	if strings.Contains(out, token) || !strings.Contains(out, "token kept in the store") {
		t.Errorf("restarted server should reuse the kept token without printing it:\n%s", out)
	}
	web := imageServer(t, map[string][]byte{"/a.jpg": demoPhoto(t, "skimage-chelsea.jpg")}, 0)
	dir := t.TempDir()
	code, _, stderr := runFanout(t, "images", "--nats", url, "--token", token, "--ack-wait", "2s", "-o", dir, "--blur", "2", web.URL+"/a.jpg")
	if code != exitOK {
		t.Fatalf("batch after the restart: exit status %d:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "processed_a.jpg")); err != nil {
		t.Error(err)
	}
}

// TestServerThreeNodeCluster forms a three-node cluster out of three
// "fanout server"s on one machine, as the README's recipe does, and runs a
// batch on it with R3 streams.
func TestServerThreeNodeCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("forms a three-node RAFT cluster")
	}
	const token = "three-node-token"
	var client, routes []string
	for range 3 {
		client = append(client, fmt.Sprintf("127.0.0.1:%d", freePort(t)))
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", freePort(t)))
	}
	var nodes []*serverRun
	for i := range 3 {
		r := startServerArgs(t, "--listen", client[i], "--store", t.TempDir(), "--log", "off", "--token", token,
			"--cluster", strings.TrimPrefix(routes[i], "nats://"), "--routes", strings.Join(routes, ","))
		nodes = append(nodes, r)
		if out := strings.Join(r.lines, "\n"); !strings.Contains(out, `of cluster "fanout"`) {
			t.Errorf("node %d does not say it is clustered:\n%s", i, out)
		}
	}
	url := "nats://" + strings.Join(client, ",nats://")
	nc, err := nats.Connect(url, nats.Token(token))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	// The nodes accept clients before their JetStream cluster has elected
	// a leader.
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := natsjs.Setup(t.Context(), js, natsjs.Config{Replicas: 3, AckWait: 2 * time.Second})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Setup on the three nodes: %v", err)
		}
		time.Sleep(200 * time.Millisecond) // RAFT elections have no event to wait on from here
	}
	if s, err := js.Stream(t.Context(), "FANOUT_TASKS"); err != nil || len(s.CachedInfo().Cluster.Replicas) != 2 {
		t.Fatalf("tasks stream: %v; want a leader and 2 replicas", err)
	}
	_, log := startWorkerLog(t, url, token, "--replicas", "3")
	files := map[string][]byte{}
	var args []string
	web := imageServer(t, files, 0)
	for i := range 6 {
		files[fmt.Sprintf("/p%d.jpg", i)] = demoPhoto(t, "skimage-chelsea.jpg")
		args = append(args, fmt.Sprintf("%s/p%d.jpg", web.URL, i))
	}
	batch := func() {
		t.Helper()
		code, _, stderr := runFanout(t, append([]string{"images", "--nats", url, "--token", token, "--replicas", "3",
			"--ack-wait", "2s", "--blur", "2", "-o", t.TempDir()}, args...)...)
		if code != exitOK || !strings.Contains(stderr, "6 done, 0 failed") {
			t.Errorf("batch on the three-node cluster: exit status %d:\n%s", code, stderr)
		}
	}
	batch()

	// Stop the node the worker is connected to: it logs a failover to
	// another node, and the next batch runs on the two left.
	m := regexp.MustCompile(`msg=connected server=(\S+)`).FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("the worker did not log its connection:\n%s", log.String())
	}
	for i, r := range nodes {
		if strings.Contains(strings.Join(r.lines, "\n"), "node "+m[1]+" ") {
			r.stop(t)
			t.Logf("stopped node %d (%s), the worker's", i, m[1])
		}
	}
	deadline = time.Now().Add(20 * time.Second)
	for !strings.Contains(log.String(), "reconnected: failover to another node") {
		if time.Now().After(deadline) {
			t.Fatalf("the worker did not log a failover:\n%s", log.String())
		}
		time.Sleep(100 * time.Millisecond) // the worker's reconnection, in another process
	}
	batch()
}

// TestServerRestartKeepsTLS restarts a server started with TLS with only
// its store: it keeps TLS on with the same certificate.
func TestServerRestartKeepsTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")
	writeSelfSigned(t, cert, key)
	store := t.TempDir()
	args := []string{"--listen", fmt.Sprintf("127.0.0.1:%d", freePort(t)), "--store", store, "--log", "off", "--token", "tls-token"}
	first := startServerArgs(t, append(args, "--tls-cert", cert, "--tls-key", key)...)
	first.stop(t)
	second := startServerArgs(t, args...)
	url := strings.Fields(second.lines[len(second.lines)-1])[4]
	if !strings.HasPrefix(url, "tls://") {
		t.Fatalf("restarted server offers %s, want TLS:\n%s", url, strings.Join(second.lines, "\n"))
	}
	nc, err := nats.Connect(url, nats.Token("tls-token"), nats.RootCAs(cert), nats.MaxReconnects(0))
	if err != nil {
		t.Fatalf("connect with TLS after the restart: %v", err)
	}
	nc.Close()
}

// writeSelfSigned writes a self-signed certificate for 127.0.0.1 and its
// key, PEM-encoded.
func writeSelfSigned(t *testing.T, certFile, keyFile string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fanout test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
}
