// Package batch is fanout's image job: fetch each source (a URL or a file),
// run an operation list on it (Gaussian blur first), and write the result
// as processed_<name>, for many sources at once.
//
// The work per image is a named task ([Register], [Process]): the same task
// runs in-process on goroutines, in isolated worker processes
// (parallel/proc) or on cluster workers (parallel/natsjs), chosen by the
// [parallel.Executor] given to [Run]. The task takes the image's bytes and
// returns the encoded output, so it needs nothing from the machine it runs
// on.
//
// [Run] streams rather than phases: each image goes to a CPU worker as soon
// as its bytes arrive, while other downloads are still in flight. Downloads
// in flight and CPU workers are separate settings, since downloading is
// waiting and processing is computing. Memory is bounded by the items in
// flight (downloads in flight + twice the CPU workers), not by the size of
// the batch: sources are read lazily, and by default the report keeps only
// the totals and the failures ([report.Config.SummaryOnly]). What each
// finished item leaves behind is its reserved output name, about 70 bytes.
//
// Outputs are written atomically (a temporary file renamed into place): an
// output file is whole or absent, even when the run is interrupted. One
// failed item (a broken image, a failing URL) is reported with its cause
// and never stops the batch.
package batch
