package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/internal/natsserver"
	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/natsjs"
)

func TestWorkerUsage(t *testing.T) {
	t.Setenv("NATS_TOKEN", "")
	t.Setenv("NATS_USER", "")
	t.Setenv("NATS_PASSWORD", "")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"-h"}, exitOK, "Usage: fanout worker"},
		{"no url", []string{"--token", "t"}, exitUsage, "--nats URL is required"},
		{"no credentials", []string{"--nats", "nats://127.0.0.1:1"}, exitUsage, "--insecure-no-auth"},
		{"two kinds", []string{"--nats", "nats://127.0.0.1:1", "--token", "t", "--user", "u", "--password", "p"}, exitUsage, "one kind"},
		{"token and url userinfo", []string{"--nats", "nats://tok@127.0.0.1:1", "--token", "t"}, exitUsage, "one kind"},
		{"user without password", []string{"--nats", "nats://127.0.0.1:1", "--user", "u"}, exitUsage, "--password"},
		{"no-auth with token", []string{"--nats", "nats://127.0.0.1:1", "--token", "t", "--insecure-no-auth"}, exitUsage, "excludes"},
		{"zero concurrency", []string{"--nats", "nats://127.0.0.1:1", "--token", "t", "--concurrency", "0"}, exitUsage, "--workers"},
		{"unknown task", []string{"--nats", "nats://127.0.0.1:1", "--token", "t", "--tasks", "nope"}, exitUsage, `unknown task "nope"`},
		{"zero replicas", []string{"--nats", "nats://127.0.0.1:1", "--token", "t", "--replicas", "0"}, exitUsage, "--replicas"},
		{"zero max bytes", []string{"--nats", "nats://127.0.0.1:1", "--token", "t", "--max-bytes", "0"}, exitUsage, "--max-bytes 0"},
		{"negative task timeout", []string{"--nats", "nats://127.0.0.1:1", "--token", "t", "--task-timeout", "-1s"}, exitUsage, "--task-timeout"},
		{"extra argument", []string{"--nats", "nats://127.0.0.1:1", "--token", "t", "more"}, exitUsage, "unexpected argument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := runWorker(t.Context(), tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("runWorker(%q) = %d, want %d; stderr:\n%s", tc.args, code, tc.code, stderr.String())
			}
			if out := stdout.String() + stderr.String(); !strings.Contains(out, tc.want) {
				t.Errorf("runWorker(%q) output does not contain %q:\n%s", tc.args, tc.want, out)
			}
		})
	}
}

// TestResolveEnvironment checks that the NATS_* variables fill in only
// the credentials that no flag and no URL gave.
func TestResolveEnvironment(t *testing.T) {
	env := map[string]string{"NATS_TOKEN": "env-token", "NATS_USER": "env-user", "NATS_PASSWORD": "env-pw"}
	tests := []struct {
		name               string
		opts               natsOptions
		env                []string // the variables set, from env
		wantToken          string
		wantUser, wantPass string
		wantErr            string
	}{
		{name: "token from env", opts: natsOptions{url: "nats://h:4222"}, env: []string{"NATS_TOKEN"}, wantToken: "env-token"},
		{name: "user from env", opts: natsOptions{url: "nats://h:4222"}, env: []string{"NATS_USER", "NATS_PASSWORD"}, wantUser: "env-user", wantPass: "env-pw"},
		{name: "flag token wins", opts: natsOptions{url: "nats://h:4222", token: "t"}, env: []string{"NATS_TOKEN", "NATS_USER"}, wantToken: "t"},
		{name: "token in url wins", opts: natsOptions{url: "nats://tok@h:4222"}, env: []string{"NATS_TOKEN", "NATS_USER", "NATS_PASSWORD"}},
		{name: "user in url wins", opts: natsOptions{url: "nats://bob:pw@h:4222"}, env: []string{"NATS_TOKEN"}},
		{name: "url and flag clash", opts: natsOptions{url: "nats://tok@h:4222", token: "t"}, wantToken: "t", wantErr: "one kind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string {
				for _, e := range tc.env {
					if e == k {
						return env[k]
					}
				}
				return ""
			}
			o := tc.opts
			o.replicas, o.ackWait = 1, natsjs.DefaultAckWait // the flags' defaults
			err := o.resolve(getenv)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("resolve: err %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if o.token != tc.wantToken || o.user != tc.wantUser || o.password != tc.wantPass {
				t.Errorf("resolve: token %q, user %q, password %q; want %q, %q, %q",
					o.token, o.user, o.password, tc.wantToken, tc.wantUser, tc.wantPass)
			}
		})
	}
}

func newCmdTestServer(t *testing.T) *natsserver.Server {
	t.Helper()
	s, err := natsserver.Start(natsserver.Options{Port: -1, StoreDir: t.TempDir(), Token: "right-token", NoLog: true})
	if err != nil {
		t.Skipf("cannot run an embedded NATS server: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

func TestWorkerWrongTokenRefused(t *testing.T) {
	s := newCmdTestServer(t)
	hostPort := strings.TrimPrefix(s.ClientURL(), "nats://")
	tests := []struct {
		name   string
		args   []string
		secret string
	}{
		{"flag", []string{"--nats", s.ClientURL(), "--token", "wrong-secret"}, "wrong-secret"},
		{"url", []string{"--nats", "nats://url-secret@" + hostPort}, "url-secret"},
		{"user in url", []string{"--nats", "nats://bob:pw-secret@" + hostPort}, "pw-secret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := runWorker(t.Context(), tc.args, &stdout, &stderr)
			if code != exitFailed {
				t.Errorf("runWorker with a wrong token = %d, want %d", code, exitFailed)
			}
			out := stdout.String() + stderr.String()
			if !strings.Contains(strings.ToLower(out), "authorization") {
				t.Errorf("output does not say authorization failed:\n%s", out)
			}
			if strings.Contains(out, tc.secret) {
				t.Errorf("output shows the secret %q:\n%s", tc.secret, out)
			}
		})
	}
}

func TestWorkerServes(t *testing.T) {
	s := newCmdTestServer(t)
	t.Setenv("NATS_TOKEN", "right-token")
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr strings.Builder
	code := make(chan int, 1)
	go func() {
		code <- runWorker(ctx, []string{"--nats", s.ClientURL(), "--concurrency", "2", "--ack-wait", "2s"}, &stdout, &stderr)
	}()

	nc, err := nats.Connect(s.ClientURL(), nats.Token("right-token"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	b, err := natsjs.New(js, natsjs.Config{AckWait: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// The worker answers a task it does not know at once: proof that it
	// is connected and serving.
	_, err = b.Run(ctx, "cmd-test.no-such-task", []byte(`""`))
	if !errors.Is(err, parallel.ErrUnknownTask) {
		t.Errorf("Run of an unknown task through the worker: %v, want ErrUnknownTask", err)
	}
	cancel()
	if c := <-code; c != exitOK {
		t.Errorf("fanout worker exited with %d after ctx cancel, want 0; stderr:\n%s", c, stderr.String())
	}
	if out := stdout.String() + stderr.String(); strings.Contains(out, "right-token") {
		t.Errorf("worker output shows the token:\n%s", out)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222"},
		{"nats://s3cret@host:4222", "nats://redacted@host:4222"},
		{"nats://bob:pw@host:4222", "nats://redacted@host:4222"},
		{"nats://a:1@h1:4222,nats://h2:4222", "nats://redacted@h1:4222,nats://h2:4222"},
		{"tls://tok%zz@host:4222", "redacted@host:4222"},
	}
	for _, tc := range tests {
		if got := redactURL(tc.in); got != tc.want {
			t.Errorf("redactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
