package download_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"

	"github.com/fanout-dev/fanout/download"
)

// exampleServer stands in for a CDN: it serves a PNG under any path but
// /gone.jpg, with a misleading Content-Type.
func exampleServer() *httptest.Server {
	png, err := os.ReadFile(filepath.Join("..", "testdata", "download", "with-alpha.png"))
	if err != nil {
		panic(err)
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/gone.jpg" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/jpeg")
		w.Write(png)
	}))
}

func ExampleDownloader_Fetch() {
	srv := exampleServer()
	defer srv.Close()

	var d download.Downloader // the zero value is ready: 32 in flight, 4 attempts
	defer d.CloseIdleConnections()
	res, err := d.Fetch(context.Background(), srv.URL+"/photos/cat.jpg?w=640")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Format, res.Name, len(res.Data), "bytes in", res.Attempts, "attempt")

	// Local files go through the same call.
	res, err = d.Fetch(context.Background(), filepath.Join("..", "testdata", "download", "4.webp"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Format, res.Name)
	// Output:
	// png cat.png 1362 bytes in 1 attempt
	// webp 4.webp
}

func ExampleDownloader_Save() {
	srv := exampleServer()
	defer srv.Close()
	dir, err := os.MkdirTemp("", "fanout-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	var d download.Downloader
	defer d.CloseIdleConnections()
	for _, src := range []string{srv.URL + "/a/logo.jpg", srv.URL + "/gone.jpg"} {
		res, err := d.Save(context.Background(), src, dir)
		var se *download.StatusError
		switch {
		case errors.As(err, &se):
			fmt.Println("status", se.Code, "after", se.Attempts, "attempt")
		case err != nil:
			fmt.Println(err)
		default:
			fmt.Println("saved", filepath.Base(res.Path))
		}
	}
	entries, _ := os.ReadDir(dir)
	fmt.Println(len(entries), "file in the directory")
	// Output:
	// saved logo.png
	// status 404 after 1 attempt
	// 1 file in the directory
}

func ExampleDownloader_FetchAll() {
	srv := exampleServer()
	defer srv.Close()

	d := download.Downloader{MaxInFlight: 8, MaxPerHost: 4}
	defer d.CloseIdleConnections()
	srcs := []string{srv.URL + "/1.jpg", srv.URL + "/2.jpg", srv.URL + "/3.jpg", "ftp://example.com/4.jpg"}
	var lines []string
	err := d.FetchAll(context.Background(), slices.Values(srcs), func(src string, res *download.Result, err error) {
		// Called on this goroutine, one outcome at a time, in completion order.
		if err != nil {
			lines = append(lines, err.Error())
			return
		}
		lines = append(lines, res.Name+" "+res.Format)
	})
	if err != nil {
		fmt.Println(err)
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// 1.png png
	// 2.png png
	// 3.png png
	// download: fetch ftp://example.com/4.jpg: unsupported source: scheme "ftp"
}
