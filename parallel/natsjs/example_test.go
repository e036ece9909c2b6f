package natsjs_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fanout-dev/fanout/internal/natsserver"
	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/natsjs"
)

// A submitter and a worker share a registry and a cluster. Here both run in
// one process, on an embedded server; in production the workers are
// "fanout worker" processes on other machines and the server a NATS
// cluster, and each side dials it with its own credentials.
func Example() {
	dir, err := os.MkdirTemp("", "natsjs-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	srv, err := natsserver.Start(natsserver.Options{Port: -1, StoreDir: dir, NoLog: true})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Shutdown()
	dial := func() jetstream.JetStream {
		nc, err := nats.Connect(srv.ClientURL(), nats.Token(srv.Token()))
		if err != nil {
			log.Fatal(err)
		}
		js, err := jetstream.New(nc)
		if err != nil {
			log.Fatal(err)
		}
		return js
	}

	// Both sides build the same registry.
	reg := new(parallel.Registry)
	square := parallel.Register(reg, "example.square", nil, func(_ context.Context, n int) (int, error) {
		return n * n, nil
	})

	// The worker side.
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		w := &natsjs.Worker{JS: dial(), Registry: reg, Concurrency: 4}
		done <- w.Run(ctx)
	}()

	// The submitting side: an Executor whose Backend is the cluster.
	backend, err := natsjs.New(dial(), natsjs.Config{})
	if err != nil {
		log.Fatal(err)
	}
	ex := parallel.New(parallel.Config{Workers: 16, Backend: backend})
	var futures []*parallel.Future[int]
	for n := 1; n <= 5; n++ {
		futures = append(futures, parallel.Call(ctx, ex, square, n))
	}
	for _, f := range futures {
		v, err := f.Result(ctx)
		fmt.Println(v, err)
	}
	ex.Close()
	backend.Close()
	stop()
	if err := <-done; err != nil {
		log.Fatal(err)
	}
	// Output:
	// 1 <nil>
	// 4 <nil>
	// 9 <nil>
	// 16 <nil>
	// 25 <nil>
}
