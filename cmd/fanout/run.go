package main

import (
	"context"
	"fmt"
	"io"
)

// Exit statuses.
const (
	exitOK     = 0 // everything done
	exitFailed = 1 // some items failed, or the command failed
	exitUsage  = 2 // bad command line
)

// run dispatches to a subcommand and returns the process exit status. It
// writes only to the writers it is given and never calls os.Exit, so tests
// drive it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "fanout: unknown command %q\n\n%s", args[0], usage)
	return exitUsage
}

const usage = `fanout: download and process images on every core, or across a cluster.

Usage:
  fanout <command> [arguments]

Commands:
  help      show this help
`
