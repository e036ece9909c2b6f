// Package s3test runs a real S3-compatible server for tests: versitygw, an
// S3 gateway over a local folder. It finds the binary (skipping the test,
// with how to install it, when there is none), starts it on a free
// loopback port, and stops it when the test ends.
package s3test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Install is the command that installs the server the tests need.
const Install = "go install github.com/versity/versitygw/cmd/versitygw@v1.8.0"

// Server is a running versitygw.
type Server struct {
	// Endpoint is the server's URL, http://127.0.0.1:PORT.
	Endpoint string
	// Dir is the folder it serves: each folder in it is a bucket.
	Dir string
	// AccessKey and SecretKey are its credentials.
	AccessKey, SecretKey string
}

// Binary returns the path of versitygw, from PATH or $(go env GOPATH)/bin,
// or skips the test saying how to install it.
func Binary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, dir := range filepath.SplitList(string(bytes.TrimSpace(out))) {
			p := filepath.Join(dir, "bin", "versitygw")
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	t.Skip("an S3-compatible server is needed: no versitygw on PATH or in $(go env GOPATH)/bin (" + Install + ")")
	return ""
}

// Start starts versitygw over a new temporary folder with the buckets
// named (made as folders) and waits until it answers. It is stopped when
// the test ends.
func Start(t testing.TB, buckets ...string) *Server {
	t.Helper()
	bin := Binary(t)
	s := &Server{Dir: t.TempDir(), AccessKey: "fanout-test-key", SecretKey: "fanout-test-secret"}
	for _, b := range buckets {
		if err := os.Mkdir(filepath.Join(s.Dir, b), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s.Endpoint = "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	// --sidecar keeps metadata in files, for file systems without
	// extended attributes (tmpfs on older kernels).
	cmd := exec.CommandContext(ctx, bin, "--access", s.AccessKey, "--secret", s.SecretKey, "--port", addr,
		"posix", "--sidecar", t.TempDir(), s.Dir)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start versitygw: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cancel(); <-exited })
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.Endpoint)
		if err == nil {
			resp.Body.Close()
			return s
		}
		select {
		case <-exited:
			t.Fatalf("versitygw exited: %s", stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw did not answer on %s within 20s: %v\n%s", addr, err, stderr.String())
		}
	}
}

// URL returns the s3:// URL of bucket/prefix on the server, with the
// options gocloud.dev's S3 opener needs to reach it (its endpoint, path
// style, a region).
func (s *Server) URL(bucketAndPrefix string) string {
	return fmt.Sprintf("s3://%s?endpoint=%s&use_path_style=true&region=us-east-1", bucketAndPrefix, s.Endpoint)
}

// Env returns the environment variables that give the server's
// credentials to an AWS client: set them with t.Setenv, or add them to a
// child process's environment.
func (s *Server) Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true"}
}

// Setenv sets the variables of [Server.Env] for the test.
func (s *Server) Setenv(t testing.TB) {
	t.Helper()
	for _, kv := range s.Env() {
		k, v, _ := bytes.Cut([]byte(kv), []byte("="))
		t.Setenv(string(k), string(v))
	}
}
