package natsjs_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/internal/natsserver"
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

// nodeEnv holds, when the test binary runs as a node of a cluster, its
// settings as JSON; see nodeMain.
const nodeEnv = "NATSJS_TEST_NODE"

// nodeSpec is a node of a test cluster.
type nodeSpec struct {
	Name    string
	Port    int
	Cluster string
	Routes  []string
	Store   string
}

// nodeMain is the test binary as a node of a cluster: an embedded server
// that runs until it is killed.
func nodeMain() int {
	var spec nodeSpec
	if err := json.Unmarshal([]byte(os.Getenv(nodeEnv)), &spec); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	s, err := natsserver.Start(natsserver.Options{
		Name: spec.Name, Port: spec.Port, StoreDir: spec.Store, Token: testToken, NoLog: true,
		Cluster: spec.Cluster, ClusterName: "fanout-test", Routes: spec.Routes,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	<-ctx.Done()
	s.Shutdown()
	return 0
}

// testNode is a node of a test cluster, running in a process of its own
// so that it can be killed without warning.
type testNode struct {
	spec nodeSpec
	cmd  *exec.Cmd
	url  string
}

// kill stops the node with SIGKILL.
func (n *testNode) kill(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	n.cmd.Wait()
}

// freePorts returns n ports free on the loopback interface now.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// startProcessCluster starts an n-node cluster of test-binary processes on
// loopback, each with its own store, and returns once every node accepts
// clients.
func startProcessCluster(t *testing.T, n int) []*testNode {
	t.Helper()
	ports := freePorts(t, 2*n)
	var routes []string
	for i := range n {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[n+i]))
	}
	nodes := make([]*testNode, n)
	for i := range nodes {
		spec := nodeSpec{
			Name: fmt.Sprintf("node-%d", i), Port: ports[i], Cluster: fmt.Sprintf("127.0.0.1:%d", ports[n+i]),
			Routes: routes, Store: t.TempDir(),
		}
		env, _ := json.Marshal(spec)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), nodeEnv+"="+string(env))
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		ready := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			ok := sc.Scan() && sc.Text() == "ready"
			ready <- ok
			io.Copy(io.Discard, stdout)
		}()
		select {
		case ok := <-ready:
			if !ok {
				t.Fatalf("node %d did not start", i)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("node %d not ready in 20s", i)
		}
		nodes[i] = &testNode{spec: spec, cmd: cmd, url: fmt.Sprintf("nats://127.0.0.1:%d", ports[i])}
	}
	return nodes
}

// TestClusterNodeKilled runs batches on a three-node cluster of server
// processes, R3 streams, two worker processes, and kills (SIGKILL) one
// participant mid-batch: in turn the node holding the submitter's result
// consumer, the node the submitter is connected to, the node leading the
// work queue, and a worker. Every task must give its one right result, and
// the batch must end within 60 s of the fault-free batch's time.
func TestClusterNodeKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("forms three-node RAFT clusters of server processes")
	}
	// Each picks the victim: a node's index, or -1 for the first worker.
	scenarios := []struct {
		name    string
		victim  func(t *testing.T, js jetstream.JetStream, nodes []*testNode) int
		prepare func(t *testing.T, js jetstream.JetStream) // before the batches, if set
	}{
		{"result consumer's node", func(t *testing.T, js jetstream.JetStream, nodes []*testNode) int {
			return nodeNamed(t, nodes, resultConsumerInfo(t, js).Cluster.Leader)
		}, moveResultConsumer},
		{"submitter's node", func(t *testing.T, js jetstream.JetStream, nodes []*testNode) int {
			return nodeNamed(t, nodes, js.Conn().ConnectedServerName())
		}, nil},
		{"work queue's leader", func(t *testing.T, js jetstream.JetStream, nodes []*testNode) int {
			return nodeNamed(t, nodes, streamInfo(t, js, "FANOUT_TASKS").Cluster.Leader)
		}, nil},
		{"worker", func(*testing.T, jetstream.JetStream, []*testNode) int { return -1 }, nil},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			nodes := startProcessCluster(t, 3)
			var urls []string
			for _, n := range nodes {
				urls = append(urls, n.url)
			}
			url := strings.Join(urls, ",")
			nc, err := nats.Connect(url, nats.Token(testToken), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(nc.Close)
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			cfg := testConfig()
			cfg.Replicas = 3
			cfg.MaxDeliver = 10 // a task interrupted by a failover is not a failure
			setupWhenFormed(t, js, cfg)
			workers := []*workerProc{
				startWorkerProc(t, url, 100*time.Millisecond, replicasEnv+"=3"),
				startWorkerProc(t, url, 100*time.Millisecond, replicasEnv+"=3"),
			}
			for _, w := range workers {
				select {
				case <-w.ready:
				case <-w.done:
					t.Fatal("worker process ended before it was ready")
				}
			}
			b, err := natsjs.New(js, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			task := registerProcessTasks(new(parallel.Registry), 0, func(int) {})
			if sc.prepare != nil {
				sc.prepare(t, js)
			}

			const n = 40
			batch := func(from int, fault func()) time.Duration {
				start := time.Now()
				type result struct {
					n, got int
					err    error
				}
				results := make(chan result, n)
				for i := from; i < from+n; i++ {
					go func() {
						got, err := call(t.Context(), b, task, i)
						results <- result{i, got, err}
					}()
				}
				seen := make(map[int]int)
				for k := range n {
					if k == n/4 && fault != nil {
						fault()
					}
					r := <-results
					if r.err != nil || r.got != r.n*r.n {
						t.Errorf("square(%d) = %d, %v; want %d, nil", r.n, r.got, r.err, r.n*r.n)
					}
					seen[r.n]++
				}
				for i := from; i < from+n; i++ {
					if seen[i] != 1 {
						t.Errorf("task %d: %d results, want 1", i, seen[i])
					}
				}
				return time.Since(start)
			}
			clean := batch(0, nil)
			var killed string
			faulty := batch(n, func() {
				v := sc.victim(t, js, nodes)
				if v < 0 {
					killed = "worker process"
					workers[0].cmd.Process.Kill()
					return
				}
				killed = roles(t, js, nodes[v].spec.Name)
				nodes[v].kill(t)
			})
			t.Logf("%s killed mid-batch: %d tasks in %v, against %v without a fault", killed, n, faulty.Round(time.Millisecond), clean.Round(time.Millisecond))
			if faulty > clean+time.Minute {
				t.Errorf("batch with a fault took %v, over a minute more than the %v without", faulty, clean)
			}
			// One result stored per task: a task run twice had its second
			// result dropped by the server as a duplicate.
			if got := streamInfo(t, js, "FANOUT_RESULTS").State.LastSeq; got != 2*n {
				t.Errorf("results stream stored %d results, want %d", got, 2*n)
			}
		})
	}
}

// setupWhenFormed calls Setup until the cluster has formed enough to take
// its streams.
func setupWhenFormed(t *testing.T, js jetstream.JetStream, cfg natsjs.Config) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := natsjs.Setup(t.Context(), js, cfg)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Setup with %d replicas: %v", cfg.Replicas, err)
		}
		time.Sleep(100 * time.Millisecond) // RAFT elections have no event to wait on from here
	}
}

// moveResultConsumer asks the result consumer's leader to step down until
// the leader is another node than the submitter's, so that losing it
// is not also losing the submitter's connection (the server places a new
// consumer's leader on the node it was created through).
func moveResultConsumer(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	for range 20 {
		info := resultConsumerInfo(t, js)
		if l := info.Cluster.Leader; l != "" && l != js.Conn().ConnectedServerName() {
			return
		}
		js.Conn().Request("$JS.API.CONSUMER.LEADER.STEPDOWN.FANOUT_RESULTS."+info.Name, nil, 2*time.Second)
		time.Sleep(300 * time.Millisecond) // the election has no event to wait on from here
	}
	t.Fatal("the result consumer's leader stays on the submitter's node")
}

// resultConsumerInfo returns the info of the one Backend's result
// consumer.
func resultConsumerInfo(t *testing.T, js jetstream.JetStream) *jetstream.ConsumerInfo {
	t.Helper()
	s, err := js.Stream(t.Context(), "FANOUT_RESULTS")
	if err != nil {
		t.Fatal(err)
	}
	for info := range s.ListConsumers(t.Context()).Info() {
		if strings.HasPrefix(info.Name, "results_") {
			return info
		}
	}
	t.Fatal("no result consumer")
	return nil
}

// nodeNamed returns the index of the node called name.
func nodeNamed(t *testing.T, nodes []*testNode, name string) int {
	t.Helper()
	for i, n := range nodes {
		if n.spec.Name == name {
			return i
		}
	}
	t.Fatalf("no node named %q", name)
	return 0
}

// roles describes what node name does for the submitter.
func roles(t *testing.T, js jetstream.JetStream, name string) string {
	var r []string
	if js.Conn().ConnectedServerName() == name {
		r = append(r, "the submitter's")
	}
	if resultConsumerInfo(t, js).Cluster.Leader == name {
		r = append(r, "the result consumer's leader")
	}
	if streamInfo(t, js, "FANOUT_TASKS").Cluster.Leader == name {
		r = append(r, "the work queue's leader")
	}
	if len(r) == 0 {
		r = append(r, "no role")
	}
	return fmt.Sprintf("node %s (%s)", name, strings.Join(r, ", "))
}
