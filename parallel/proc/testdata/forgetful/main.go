// Command forgetful is a program that forgets to call proc.ServeIfWorker
// at the top of main: TestForgottenServeIfWorker runs it to check that its
// worker refuses to start workers of its own.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/proc"
)

func main() {
	reg := new(parallel.Registry)
	square := parallel.Register(reg, "square", nil, func(_ context.Context, n int) (int, error) { return n * n, nil })
	// The missing line: proc.ServeIfWorker(reg)
	b, err := proc.New(proc.Config{Workers: 1, StartTimeout: 20 * time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "forgetful:", err)
		os.Exit(3)
	}
	defer b.Close()
	ex := parallel.New(parallel.Config{Workers: 1, Backend: b})
	defer ex.Close()
	n, err := parallel.Call(context.Background(), ex, square, 3).Result(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "forgetful:", err)
		os.Exit(1)
	}
	fmt.Println(n)
}
