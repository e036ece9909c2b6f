package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/fanout-dev/fanout/internal/natsserver"
	"github.com/fanout-dev/fanout/parallel/natsjs"
)

// serveMetrics serves reg's metrics in Prometheus's text format at
// http://addr/metrics until stop is called. It returns the address bound
// (addr may ask for port 0).
func serveMetrics(addr string, reg *prometheus.Registry) (stop func(), bound string, err error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Timeout: 10 * time.Second}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}, l.Addr().String(), nil
}

// newRegistry returns a metrics registry with the Go runtime's and the
// process's own metrics (go_*, process_*).
func newMetricsRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// registerWorkerMetrics adds a worker's metrics to reg: its tasks (fanout_worker_*)
// and its connection (fanout_worker_nats_*).
func registerWorkerMetrics(reg *prometheus.Registry, w *natsjs.Worker, concurrency int, nc *nats.Conn) {
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f))
	}
	counter := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f))
	}
	gauge("fanout_worker_concurrency", "Tasks the worker runs at once at most.", func() float64 { return float64(concurrency) })
	gauge("fanout_worker_tasks_running", "Tasks running now.", func() float64 { return float64(w.Stats().Running) })
	counter("fanout_worker_tasks_done_total", "Tasks that succeeded.", func() float64 { return float64(w.Stats().Done) })
	counter("fanout_worker_tasks_failed_total", "Tasks that failed for good (a permanent error, or their last delivery).", func() float64 { return float64(w.Stats().Failed) })
	counter("fanout_worker_tasks_retried_total", "Failed runs handed back to be delivered again.", func() float64 { return float64(w.Stats().Retried) })
	counter("fanout_worker_tasks_dead_lettered_total", "Tasks this worker moved to the dead-letter stream.", func() float64 { return float64(w.Stats().DeadLettered) })
	counter("fanout_worker_tasks_returned_total", "Tasks handed back unfinished when the worker stopped.", func() float64 { return float64(w.Stats().Returned) })
	gauge("fanout_worker_nats_connected", "1 while connected to the cluster, 0 while reconnecting.", func() float64 {
		if nc.IsConnected() {
			return 1
		}
		return 0
	})
	counter("fanout_worker_nats_reconnects_total", "Reconnections to the cluster (a failover is one).", func() float64 { return float64(nc.Stats().Reconnects) })
}

// serverCollector reads a server's monitoring data (named as the NATS
// project's prometheus-nats-exporter names it: gnatsd_varz_*,
// jetstream_*) and the fanout cluster's state (fanout_*) at each scrape.
type serverCollector struct {
	s   *natsserver.Server
	js  jetstream.JetStream // an in-process client of s, for the cluster's state
	cfg natsjs.Config
}

// Describe sends nothing: the metrics are unchecked (their set depends on
// what the server runs).
func (c *serverCollector) Describe(chan<- *prometheus.Desc) {}

// Collect reads the server's and the cluster's state and sends them.
func (c *serverCollector) Collect(ch chan<- prometheus.Metric) {
	ns := c.s.NATS()
	name := ns.Name()
	send := func(metric, help string, kind prometheus.ValueType, v float64) {
		ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(metric, help, []string{"server_name"}, nil), kind, v, name)
	}
	if v, err := ns.Varz(nil); err == nil {
		send("gnatsd_varz_connections", "Clients connected.", prometheus.GaugeValue, float64(v.Connections))
		send("gnatsd_varz_total_connections", "Clients connected since start.", prometheus.CounterValue, float64(v.TotalConnections))
		send("gnatsd_varz_routes", "Routes to other nodes of the cluster.", prometheus.GaugeValue, float64(v.Routes))
		send("gnatsd_varz_subscriptions", "Subscriptions.", prometheus.GaugeValue, float64(v.Subscriptions))
		send("gnatsd_varz_in_msgs", "Messages received.", prometheus.CounterValue, float64(v.InMsgs))
		send("gnatsd_varz_out_msgs", "Messages sent.", prometheus.CounterValue, float64(v.OutMsgs))
		send("gnatsd_varz_in_bytes", "Bytes received.", prometheus.CounterValue, float64(v.InBytes))
		send("gnatsd_varz_out_bytes", "Bytes sent.", prometheus.CounterValue, float64(v.OutBytes))
		send("gnatsd_varz_slow_consumers", "Clients disconnected for being too slow.", prometheus.CounterValue, float64(v.SlowConsumers))
		send("gnatsd_varz_mem", "Resident memory in bytes.", prometheus.GaugeValue, float64(v.Mem))
		send("gnatsd_varz_cpu", "CPU use in percent.", prometheus.GaugeValue, v.CPU)
		if st := v.JetStream.Stats; st != nil {
			send("jetstream_server_total_memory_bytes", "JetStream memory in use.", prometheus.GaugeValue, float64(st.Memory))
			send("jetstream_server_total_storage_bytes", "JetStream storage in use.", prometheus.GaugeValue, float64(st.Store))
			send("jetstream_server_ha_assets", "Replicated streams and consumers on this node.", prometheus.GaugeValue, float64(st.HAAssets))
			send("jetstream_server_api_errors_total", "JetStream API requests that failed.", prometheus.CounterValue, float64(st.API.Errors))
		}
		if m := v.JetStream.Meta; m != nil {
			leader := 0.0
			if m.Leader == name {
				leader = 1
			}
			send("jetstream_cluster_meta_leader", "1 on the node leading the JetStream cluster.", prometheus.GaugeValue, leader)
			send("jetstream_cluster_size", "Nodes of the JetStream cluster.", prometheus.GaugeValue, float64(m.Size))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := natsjs.ReadStatus(ctx, c.js, c.cfg)
	if err != nil {
		return // no cluster set up yet, or JetStream unavailable: the server's metrics only
	}
	send("fanout_tasks_queued", "Tasks waiting for a worker.", prometheus.GaugeValue, float64(st.Queued))
	send("fanout_tasks_running", "Tasks delivered to a worker and not yet settled.", prometheus.GaugeValue, float64(st.Running))
	send("fanout_tasks_redelivered", "Running tasks delivered more than once.", prometheus.GaugeValue, float64(st.Redelivered))
	send("fanout_worker_slots_idle", "Worker slots waiting for a task.", prometheus.GaugeValue, float64(st.IdleSlots))
	send("fanout_dead_letters", "Tasks in the dead-letter stream.", prometheus.GaugeValue, float64(st.DeadLetters))
	send("fanout_results_uncollected", "Results not yet collected by their submitter.", prometheus.GaugeValue, float64(st.Results))
	send("fanout_workers", "Workers connected (heartbeat in the last 15 s).", prometheus.GaugeValue, float64(len(st.Workers)))
	send("fanout_throughput_tasks_per_second", "Tasks settled per second over the last minute, all workers.", prometheus.GaugeValue, st.Throughput)
}

// serveServerMetrics serves, at http://addr/metrics, the metrics of the
// embedded server s and of the fanout cluster cfg names, read through an
// in-process connection that logs in with opts.
func serveServerMetrics(addr string, s *natsserver.Server, opts []nats.Option, cfg natsjs.Config) (stop func(), bound string, err error) {
	nc, err := nats.Connect("", append(opts, nats.InProcessServer(s.NATS()), nats.Name("fanout server metrics"), nats.MaxReconnects(-1))...)
	if err != nil {
		return nil, "", err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, "", err
	}
	reg := newMetricsRegistry()
	reg.MustRegister(&serverCollector{s: s, js: js, cfg: cfg})
	stopHTTP, bound, err := serveMetrics(addr, reg)
	if err != nil {
		nc.Close()
		return nil, "", err
	}
	return func() { stopHTTP(); nc.Close() }, bound, nil
}
