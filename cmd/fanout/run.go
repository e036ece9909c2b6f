package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Exit statuses.
const (
	exitOK     = 0 // everything done
	exitFailed = 1 // some items failed, or the command failed
	exitUsage  = 2 // bad command line

	// exitInterrupted follows the shells' 128+SIGINT, so scripts tell a
	// Ctrl-C from a failure.
	exitInterrupted = 130
)

// run dispatches to a subcommand and returns the process exit status. It
// writes only to the writers it is given and never calls os.Exit, so tests
// drive it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "images":
		return runImages(ctx, rest, stdin, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "worker":
		return runWorker(ctx, rest, stdout, stderr)
	case "server":
		return runServer(ctx, rest, stdout, stderr)
	case "status":
		return runStatus(ctx, rest, stdout, stderr)
	case "dlq":
		return runDLQ(ctx, rest, stdout, stderr)
	case "version", "-version", "--version":
		return runVersion(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && rest[0] != "help" && !strings.HasPrefix(rest[0], "-") {
			// "fanout help images" is "fanout images -h".
			return run(ctx, []string{rest[0], "-h"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "fanout: unknown command %q\n\n%s", cmd, usage)
	return exitUsage
}

const usage = `fanout: download and process images on every core, or across a cluster.

Usage:
  fanout <command> [arguments]

Commands:
  images    download or read images, process them (--blur 15), save processed_<name>
  demo      the tutorial's jobs on embedded photos, offline: sequential vs fanout
  server    run a NATS JetStream server for a fanout cluster
  worker    run tasks from a fanout cluster
  status    show a fanout cluster's queue, workers, throughput and dead letters
  dlq       list, retry or purge a fanout cluster's dead letters
  version   print the version and the active codecs (also --version)
  help      show this help; "fanout help <command>" shows a command's

Run "fanout <command> -h" for a command's flags.
`
