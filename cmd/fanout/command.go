package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand's command line: its flags and its usage text.
// Every subcommand parses and reports errors through it, so that they all
// behave alike: flags may follow the positional arguments, -h prints the
// usage on stdout and exits 0, and a usage error names itself on stderr,
// points at -h and exits 2.
type command struct {
	name   string
	usage  string      // printed before the flag list
	more   string      // printed after the flag list, if set
	groups []flagGroup // the flag list by topic; nil: one alphabetical list
	fs     *flag.FlagSet
	stdout io.Writer
	stderr io.Writer
}

// flagGroup is a topic of a command's help and the flags under it, in the
// order shown.
type flagGroup struct {
	title string
	names []string
}

func newCommand(name, usage string, stdout, stderr io.Writer) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors itself, once
	return &command{name: name, usage: usage, fs: fs, stdout: stdout, stderr: stderr}
}

// printUsage writes the usage text, the flags and the text after them to
// w.
func (c *command) printUsage(w io.Writer) {
	fmt.Fprint(w, c.usage)
	if c.groups == nil {
		fmt.Fprintln(w, "Flags:")
		c.fs.VisitAll(func(f *flag.Flag) { printFlag(w, f) })
	}
	for _, g := range c.groups {
		fmt.Fprintf(w, "%s:\n", g.title)
		for _, name := range g.names {
			printFlag(w, c.fs.Lookup(name))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprint(w, c.more)
}

// printFlag writes one flag's help as flag.PrintDefaults does, with the
// double dash users type: the name and the kind of value, then the usage
// and a default that is not the zero value and not already in the usage.
func printFlag(w io.Writer, f *flag.Flag) {
	kind, usage := flag.UnquoteUsage(f)
	if _, ok := f.Value.(*durationValue); ok && kind == "value" {
		kind = "duration"
	}
	dashes := "--"
	if len(f.Name) == 1 {
		dashes = "-"
	}
	line := "  " + dashes + f.Name
	if kind != "" {
		line += " " + kind
	}
	switch f.DefValue {
	case "", "0", "0s", "false", "[]":
	default:
		if strings.Contains(usage, "default") {
			break
		}
		// Quoted for string flags, as flag.PrintDefaults does; its string
		// type is unexported, so it is known by name.
		if fmt.Sprintf("%T", f.Value) == "*flag.stringValue" {
			usage += fmt.Sprintf(" (default %q)", f.DefValue)
		} else {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
	}
	fmt.Fprintf(w, "%s\n    \t%s\n", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
}

// parse parses args and returns the positional arguments, at most maxArgs
// of them (-1: any number). When ok is false the command is over and its
// exit status is code: 0 after -h, 2 after a usage error.
func (c *command) parse(args []string, maxArgs int) (pos []string, code int, ok bool) {
	pos, err := parseInterspersed(c.fs, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		c.printUsage(c.stdout)
		return nil, exitOK, false
	case err != nil:
		return nil, c.fail(err), false
	case maxArgs >= 0 && len(pos) > maxArgs:
		return nil, c.fail(fmt.Errorf("unexpected argument %q", pos[maxArgs])), false
	}
	return pos, exitOK, true
}

// fail reports a usage error and returns the usage exit status.
func (c *command) fail(err error) int {
	fmt.Fprintf(c.stderr, "fanout %s: %v\nRun 'fanout %s -h' for usage.\n", c.name, err, c.name)
	return exitUsage
}

// parseInterspersed parses args with fs and returns the positional
// arguments, allowing flags after them as users type them
// ("fanout images *.jpg -o out"). Everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
