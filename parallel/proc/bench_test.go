//go:build linux

package proc_test

import (
	"context"
	"testing"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/proc"
)

// BenchmarkRoundTrip measures one tiny task's round trip through a warm
// worker: Backend.Run, framing, two pipe hops, Registry.Invoke, JSON.
func BenchmarkRoundTrip(b *testing.B) {
	be, err := proc.New(proc.Config{Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	ctx := context.Background()
	if err := be.Warm(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := be.Run(ctx, tasks.square.Name(), []byte("3")); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCall is BenchmarkRoundTrip through the executor: parallel.Call
// and Future.Result, the way Python's submit(...).result() is measured.
func BenchmarkCall(b *testing.B) {
	be, err := proc.New(proc.Config{Workers: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer be.Close()
	ctx := context.Background()
	if err := be.Warm(ctx); err != nil {
		b.Fatal(err)
	}
	ex := parallel.New(parallel.Config{Workers: 1, Backend: be})
	defer ex.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parallel.Call(ctx, ex, tasks.square, 3).Result(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcess measures a Process: start a child, run one tiny task,
// reap the child.
func BenchmarkProcess(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		p, err := proc.Start(ctx, proc.Config{}, tasks.square.Name(), []byte("3"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Join(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
