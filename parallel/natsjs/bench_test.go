package natsjs_test

import (
	"context"
	"testing"

	"github.com/fanout-dev/fanout/internal/natsserver"
	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/backend"
	"github.com/fanout-dev/fanout/parallel/natsjs"
)

// BenchmarkRoundTrip measures the per-task overhead of the cluster path: an
// empty task (string in, the same string out) called through an Executor,
// in-process and through a natsjs Backend with one Worker on an embedded
// server, all in one run. "serial" waits for each result before the next
// call (latency); "parallel" keeps GOMAXPROCS*4 calls in flight
// (throughput).
func BenchmarkRoundTrip(b *testing.B) {
	r := new(parallel.Registry)
	empty := parallel.Register(r, "bench.empty", nil, func(_ context.Context, s string) (string, error) {
		return s, nil
	})
	executors := []struct {
		name string
		new  func(b *testing.B) parallel.Config
	}{
		{"executor", func(*testing.B) parallel.Config { return parallel.Config{} }},
		{"executor+local-backend", func(*testing.B) parallel.Config {
			return parallel.Config{Backend: &backend.Local{Registry: r}}
		}},
		{"natsjs", func(b *testing.B) parallel.Config {
			s := newTestServer(b)
			cfg := natsjs.Config{}
			startWorker(b, s, &natsjs.Worker{Registry: r, Config: cfg})
			return parallel.Config{Backend: newTestBackend(b, s, cfg)}
		}},
	}
	for _, e := range executors {
		b.Run(e.name+"/serial", func(b *testing.B) {
			ex := parallel.New(e.new(b))
			defer ex.Close()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parallel.Call(ctx, ex, empty, "x").Result(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(e.name+"/parallel", func(b *testing.B) {
			cfg := e.new(b)
			cfg.Workers = 64
			ex := parallel.New(cfg)
			defer ex.Close()
			ctx := context.Background()
			b.ReportAllocs()
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := parallel.Call(ctx, ex, empty, "x").Result(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkPayload measures a round trip of a 2 MiB payload each way, a
// photo-sized input and output: through the object store (claim check) on
// a server with the default 1 MiB message limit, and inline on a server
// allowing 8 MiB messages (as fanout server does).
func BenchmarkPayload(b *testing.B) {
	r := new(parallel.Registry)
	echo := parallel.Register(r, "bench.bytes", parallel.Gob, func(_ context.Context, p []byte) ([]byte, error) {
		return p, nil
	})
	in := make([]byte, 2<<20)
	for i := range in {
		in[i] = byte(i)
	}
	for _, tc := range []struct {
		name       string
		maxPayload int32
	}{{"object-store", 0}, {"inline", 8 << 20}} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := natsserver.Start(natsserver.Options{Port: -1, StoreDir: b.TempDir(), Token: testToken, NoLog: true, MaxPayload: tc.maxPayload})
			if err != nil {
				b.Skipf("cannot run an embedded NATS server: %v", err)
			}
			b.Cleanup(s.Shutdown)
			startWorker(b, s, &natsjs.Worker{Registry: r})
			ex := parallel.New(parallel.Config{Backend: newTestBackend(b, s, natsjs.Config{})})
			defer ex.Close()
			ctx := context.Background()
			b.SetBytes(2 * int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := parallel.Call(ctx, ex, echo, in).Result(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
