package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
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
		code <- runServer(ctx, append([]string{"--listen", "127.0.0.1:0", "--store", t.TempDir()}, args...), pw, pw)
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
