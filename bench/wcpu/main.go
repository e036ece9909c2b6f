// Command wcpu runs the W-cpu benchmark job with imgproc: every file is
// decoded, blurred with a Gaussian of the given sigma and encoded as JPEG
// quality 75 into the output directory as processed_<name>, one file per
// goroutine with as many goroutines as cores, largest files first. It
// prints the elapsed time and the codec used.
//
// Usage:
//
//	wcpu [-codec auto|turbo|std] [-sigma 15] [-quality 75] [-workers N] -o OUTDIR FILE...
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/fanout-dev/fanout/imgproc"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "wcpu:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wcpu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	codecName := fs.String("codec", "auto", "JPEG codec: auto, turbo or std")
	sigma := fs.Float64("sigma", 15, "Gaussian blur sigma")
	quality := fs.Int("quality", 75, "JPEG quality")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "files processed at once")
	out := fs.String("o", "", "output directory (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	codec, err := imgproc.ParseJPEGCodec(*codecName)
	if err != nil {
		return err
	}
	if *out == "" || fs.NArg() == 0 {
		fs.Usage()
		return errors.New("need -o OUTDIR and at least one file")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	files := fs.Args()
	// Largest first, so that no core is left with a big file at the end.
	size := func(name string) int64 {
		if fi, err := os.Stat(name); err == nil {
			return fi.Size()
		}
		return 0
	}
	slices.SortStableFunc(files, func(a, b string) int { return cmp.Compare(size(b), size(a)) })
	start := time.Now()
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	next := make(chan string)
	var wg sync.WaitGroup
	for range max(*workers, 1) {
		wg.Go(func() {
			for f := range next {
				if err := process(f, *out, *sigma, *quality, codec); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for _, f := range files {
		select {
		case next <- f:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d files in %.3fs with %s, %d workers\n", len(files), time.Since(start).Seconds(), imgproc.CodecInfo(codec), *workers)
	return nil
}

func process(path, outDir string, sigma float64, quality int, codec imgproc.JPEGCodec) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	p, err := imgproc.Decode(data, &imgproc.DecodeOptions{JPEG: codec})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if p.Image, err = imgproc.GaussianBlur(p.Image, sigma, nil); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	f, err := os.Create(filepath.Join(outDir, "processed_"+filepath.Base(path)))
	if err != nil {
		return err
	}
	if err := imgproc.Encode(f, p, &imgproc.EncodeOptions{Format: imgproc.JPEG, Quality: quality, JPEG: codec}); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}
