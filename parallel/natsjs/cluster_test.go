package natsjs_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/natsjs"
)

// TestThreeNodeCluster runs the backend on a three-node JetStream cluster
// with R3 streams, the production layout, and stops the node that leads
// the work queue halfway through: the cluster elects another leader and
// every task still gets its one result.
func TestThreeNodeCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("forms a three-node RAFT cluster")
	}
	formed := time.Now()
	nodes := startCluster(t, 3)
	var urls []string
	for _, n := range nodes {
		urls = append(urls, n.ClientURL())
	}
	dial := func() jetstream.JetStream {
		nc, err := nats.Connect(strings.Join(urls, ","), nats.Token(testToken), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		return js
	}
	cfg := testConfig()
	cfg.Replicas = 3
	js := dial()
	// The cluster needs a meta leader and all its peers before it takes
	// R3 streams: retry Setup until it does.
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := natsjs.Setup(t.Context(), js, cfg)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Setup with 3 replicas: %v", err)
		}
		time.Sleep(100 * time.Millisecond) // RAFT elections have no event to wait on from here
	}
	start := time.Now()
	t.Logf("cluster up and streams created in %v", start.Sub(formed))
	if got := streamInfo(t, js, "FANOUT_TASKS").Config.Replicas; got != 3 {
		t.Fatalf("tasks stream has %d replicas, want 3", got)
	}

	r := new(parallel.Registry)
	ts := newTestTasks(r)
	w := &natsjs.Worker{JS: dial(), Registry: r, Config: cfg, Concurrency: 4}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Worker.Run: %v", err)
		}
	})
	b, err := natsjs.New(dial(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })

	runBatch := func(from, to int) {
		t.Helper()
		errs := make(chan error, to-from)
		for i := from; i < to; i++ {
			go func() {
				in := fmt.Sprint(i)
				got, err := call(t.Context(), b, ts.echo, in)
				if err == nil && got != in {
					err = fmt.Errorf("echo(%s) = %s", in, got)
				}
				errs <- err
			}()
		}
		for range to - from {
			if err := <-errs; err != nil {
				t.Error(err)
			}
		}
	}
	runBatch(0, 20)

	// Stop the node that leads the work queue.
	leader := streamInfo(t, js, "FANOUT_TASKS").Cluster.Leader
	for _, n := range nodes {
		if n.Name() == leader {
			n.Shutdown()
			n.WaitForShutdown()
		}
	}
	stopped := time.Now()
	runBatch(20, 40)
	t.Logf("20 tasks done %v after the work queue's leader %s stopped", time.Since(stopped), leader)
	for i := range 40 {
		if got := ts.runs.get("echo " + fmt.Sprint(i)); got < 1 {
			t.Errorf("task %d ran %d times, want at least once", i, got)
		}
	}
	waitQueueEmpty(t, js)
}

// startCluster starts n embedded servers routed into one JetStream
// cluster, each with its own store, requiring testToken from clients.
func startCluster(t *testing.T, n int) []*server.Server {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	var routes []string
	for _, p := range ports {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", p))
	}
	nodes := make([]*server.Server, n)
	for i := range nodes {
		ns, err := server.NewServer(&server.Options{
			ServerName:    fmt.Sprintf("node-%d", i),
			Host:          "127.0.0.1",
			Port:          -1,
			JetStream:     true,
			StoreDir:      t.TempDir(),
			Authorization: testToken,
			Cluster:       server.ClusterOpts{Name: "fanout-test", Host: "127.0.0.1", Port: ports[i]},
			Routes:        server.RoutesFromStr(strings.Join(routes, ",")),
			NoLog:         true,
			NoSigs:        true,
		})
		if err != nil {
			t.Skipf("cannot run an embedded NATS cluster: %v", err)
		}
		ns.Start()
		if !ns.ReadyForConnections(10 * time.Second) {
			t.Fatalf("node %d not ready", i)
		}
		t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		nodes[i] = ns
	}
	return nodes
}
