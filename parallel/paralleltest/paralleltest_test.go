package paralleltest_test

import (
	"testing"

	"github.com/fanout-dev/fanout/parallel"
	"github.com/fanout-dev/fanout/parallel/backend"
	"github.com/fanout-dev/fanout/parallel/paralleltest"
)

func TestLocal(t *testing.T) {
	paralleltest.TestBackend(t, func(t *testing.T) parallel.Backend {
		r := new(parallel.Registry)
		paralleltest.Register(r)
		return &backend.Local{Registry: r}
	})
}
