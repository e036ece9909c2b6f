// Command netfloor measures the network floor of a download batch: it
// fetches every URL of a list with a given number of requests in flight,
// reads each body to the end and does nothing else, so its wall time is what
// the network and the server allow before any image work. wseed-floor.sh
// compares fanout with it.
//
// Usage: netfloor URLS.txt IN_FLIGHT
package main

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: netfloor URLS.txt IN_FLIGHT")
		os.Exit(2)
	}
	inFlight, err := strconv.Atoi(os.Args[2])
	if err != nil || inFlight < 1 {
		fmt.Fprintf(os.Stderr, "netfloor: in flight %q: want a positive number\n", os.Args[2])
		os.Exit(2)
	}
	urls, err := readLines(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "netfloor:", err)
		os.Exit(1)
	}
	start := time.Now()
	client := &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: inFlight,
		MaxConnsPerHost:     inFlight,
	}}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	slots := make(chan struct{}, inFlight)
	for _, u := range urls {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := fetch(client, u); err != nil {
				mu.Lock()
				first = cmp.Or(first, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if first != nil {
		fmt.Fprintln(os.Stderr, "netfloor:", first)
		os.Exit(1)
	}
	fmt.Printf("%.6f\n", time.Since(start).Seconds())
}

func fetch(c *http.Client, url string) error {
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		if l := s.Text(); l != "" {
			lines = append(lines, l)
		}
	}
	return lines, s.Err()
}
