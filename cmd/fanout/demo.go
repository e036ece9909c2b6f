package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/fanout-dev/fanout/batch"
	"github.com/fanout-dev/fanout/imgproc"
	"github.com/fanout-dev/fanout/internal/atomicfile"
)

//go:embed demodata/*.jpg
var demoPhotos embed.FS

const demoUsage = `Usage: fanout demo [flags]

Replays the tutorial this project comes from, offline: two tasks one after the
other and then in parallel; ten tasks whose results are printed as they
complete; then the image job (download, Gaussian blur 15, save
processed_<name>) over photos embedded in this binary and served on loopback
with a simulated network latency, first one image at a time and then through
fanout, with the speed-up. Writes an HTML report of the fanout run.

`

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := newCommand("demo", demoUsage, stdout, stderr)
	out := cmd.fs.String("o", "", "output `folder` (default: a new folder under the system's temporary folder)")
	items := cmd.fs.Int("items", 24, "number of images in the job")
	latency := cmd.fs.Duration("latency", 150*time.Millisecond, "simulated network latency before each response")
	task := cmd.fs.Duration("task", time.Second, "length of the tutorial's sleeping tasks")
	if _, code, ok := cmd.parse(args, 0); !ok {
		return code
	}
	if *items < 1 {
		return cmd.fail(fmt.Errorf("--items %d must be at least 1", *items))
	}
	if err := demo(ctx, stdout, *out, *items, *latency, *task); err != nil {
		fmt.Fprintf(stderr, "fanout demo: %v\n", err)
		return exitFailed
	}
	return exitOK
}

func demo(ctx context.Context, w io.Writer, out string, items int, latency, task time.Duration) error {
	if err := replayTutorial(ctx, w, task); err != nil {
		return err
	}
	temporary := out == ""
	if temporary {
		var err error
		if out, err = os.MkdirTemp("", "fanout-demo-"); err != nil {
			return err
		}
	}
	urls, stop, err := serveDemoPhotos(items, latency)
	if err != nil {
		return err
	}
	defer stop()

	fmt.Fprintf(w, "3. The image job: %d photos behind %v of latency, Gaussian blur 15, %d cores\n", items, latency, runtime.GOMAXPROCS(0))
	seqDir := filepath.Join(out, "sequential")
	start := time.Now()
	if err := sequentialJob(ctx, urls, seqDir); err != nil {
		return err
	}
	seq := time.Since(start)
	fmt.Fprintf(w, "   one at a time: %6.2fs\n", seq.Seconds())

	fanDir := filepath.Join(out, "fanout")
	start = time.Now()
	blur, err := imgproc.ParseOps("blur=15")
	if err != nil {
		return err
	}
	rep, err := batch.Run(ctx, batch.Config{OutDir: fanDir, Ops: blur, Report: batch.ReportConfig{Full: true}}, seqOf(urls))
	if err != nil {
		return err
	}
	par := time.Since(start)
	if err := ctx.Err(); err != nil {
		return err
	}
	if s := rep.Summary; s.Failed > 0 {
		return fmt.Errorf("%d of %d images failed", s.Failed, s.Items)
	}
	fmt.Fprintf(w, "   fanout:        %6.2fs (%.1fx faster; %d downloads in flight, %d CPU workers)\n",
		par.Seconds(), seq.Seconds()/par.Seconds(), batch.DefaultDownloads, runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "   outputs: %s and %s\n", seqDir, fanDir)
	html := filepath.Join(out, "report.html")
	if err := writeReport(html, rep); err != nil {
		return err
	}
	fmt.Fprintf(w, "   report:  %s\n", html)
	if temporary {
		fmt.Fprintf(w, "   (a temporary folder: rm -r %s removes it; -o chooses another)\n", out)
	}
	return nil
}

// sequentialJob is the job done the simple way: download an image, process
// it, save it, then the next.
func sequentialJob(ctx context.Context, urls []string, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, u := range urls {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %s", u, resp.Status)
		}
		o, err := batch.Process(ctx, batch.Job{Source: u, Data: data, Ops: "blur=15"})
		if err != nil {
			return fmt.Errorf("%s: %w", u, err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, "processed_"+path.Base(u)), o.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// serveDemoPhotos serves the embedded photos on loopback, each response
// held back by latency, as items URLs cycling through the photos. stop
// shuts the server down.
func serveDemoPhotos(items int, latency time.Duration) (urls []string, stop func(), err error) {
	names, err := fs.Glob(demoPhotos, "demodata/*.jpg")
	if err != nil || len(names) == 0 {
		return nil, nil, fmt.Errorf("no embedded photos: %v", err)
	}
	slices.Sort(names)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
		// /photos/07-kde-path.jpg serves demodata/kde-path.jpg.
		base := path.Base(r.URL.Path)
		if i := strings.IndexByte(base, '-'); i >= 0 {
			base = base[i+1:]
		}
		data, err := demoPhotos.ReadFile("demodata/" + base)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(data)
	})}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln) // returns http.ErrServerClosed once stop closes it
	}()
	for i := range items {
		name := path.Base(names[i%len(names)])
		urls = append(urls, fmt.Sprintf("http://%s/photos/%02d-%s", ln.Addr(), i+1, name))
	}
	return urls, func() { srv.Close(); <-served }, nil
}

// seqOf yields the strings of s with no error, as batch.Run takes them.
func seqOf(s []string) func(func(string, error) bool) {
	return func(yield func(string, error) bool) {
		for _, v := range s {
			if !yield(v, nil) {
				return
			}
		}
	}
}
