// Package paralleltest checks that a [parallel.Backend] keeps the
// executor's contract, the way testing/fstest checks an fs.FS.
//
// A backend package registers the conformance tasks on its worker side with
// [Register] (next to its own tasks), and runs [TestBackend] from a test:
//
//	func TestConformance(t *testing.T) {
//		paralleltest.TestBackend(t, func(t *testing.T) parallel.Backend {
//			r := new(parallel.Registry)
//			paralleltest.Register(r)
//			return &backend.Local{Registry: r}
//		})
//	}
//
// The suite drives the backend through a real [parallel.Executor] with
// Config.Backend set, and checks results under concurrency, Map's order,
// chunks of inputs (MapOptions.Chunk), error text, panics, unknown task names, run timeouts, cancellation of a
// running task, and payloads of several MiB. It takes a few seconds.
package paralleltest
