package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/fanout-dev/fanout/parallel/natsjs"
)

const dlqUsage = `Usage: fanout dlq list|retry|purge --nats URL [credentials] [SEQ...]

Handles a fanout cluster's dead letters: the tasks that failed on every
delivery (5 deliveries), or whose worker was lost on the
last one. Each is kept, with its last error, until an operator acts.

  list          print them: sequence, task, deliveries, age, last error
  retry [SEQ]   put them (or those numbered SEQ) back in the work queue
  purge [SEQ]   remove them (or those numbered SEQ) for good

A retried task runs again, but its result goes to a submitter that has had
the failure already. So retry is for tasks whose work is what they do: a
"fanout images" batch in reference mode (URL sources, an -o every worker
reaches) writes the output; a batch whose images travel as bytes is run
again with --skip-existing instead.

`

// runDLQ is "fanout dlq": it lists, retries or purges dead letters and
// returns the exit status.
func runDLQ(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := newCommand("dlq", dlqUsage, stdout, stderr)
	o := natsOptions{connectionName: "fanout dlq"}
	o.addFlags(cmd.fs)
	asJSON := cmd.fs.Bool("json", false, "list: one JSON object per dead letter")
	pos, code, ok := cmd.parse(args, -1)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		return cmd.fail(fmt.Errorf("say what to do: list, retry or purge"))
	}
	action, rest := pos[0], pos[1:]
	var seqs []uint64
	for _, a := range rest {
		n, err := strconv.ParseUint(a, 10, 64)
		if err != nil || n == 0 {
			return cmd.fail(fmt.Errorf("%q is not a dead letter's sequence number (see fanout dlq list)", a))
		}
		seqs = append(seqs, n)
	}
	switch action {
	case "list":
		if len(seqs) > 0 {
			return cmd.fail(fmt.Errorf("list takes no sequence numbers"))
		}
	case "retry", "purge":
	default:
		return cmd.fail(fmt.Errorf("unknown action %q: want list, retry or purge", action))
	}
	if err := o.resolve(os.Getenv); err != nil {
		return cmd.fail(err)
	}
	js, closeConn, err := o.jetStream()
	if err != nil {
		fmt.Fprintf(stderr, "fanout dlq: %v\n", err)
		return exitFailed
	}
	defer closeConn()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	cfg := o.config()
	switch action {
	case "list":
		letters, err := natsjs.ListDeadLetters(ctx, js, cfg)
		if err != nil {
			fmt.Fprintf(stderr, "fanout dlq: %v\n", err)
			return exitFailed
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			for _, l := range letters {
				enc.Encode(l)
			}
			return exitOK
		}
		if len(letters) == 0 {
			fmt.Fprintln(stdout, "no dead letters")
			return exitOK
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tTASK\tDELIVERIES\tAGE\tERROR")
		now := time.Now()
		for _, l := range letters {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\n", l.Seq, l.Task, l.Deliveries, now.Sub(l.Time).Round(time.Second), l.Error)
		}
		tw.Flush()
	case "retry":
		n, err := natsjs.RetryDeadLetters(ctx, js, cfg, seqs)
		fmt.Fprintf(stdout, "%d dead letters back in the work queue\n", n)
		if err != nil {
			fmt.Fprintf(stderr, "fanout dlq: %v\n", err)
			return exitFailed
		}
	case "purge":
		n, err := natsjs.PurgeDeadLetters(ctx, js, cfg, seqs)
		fmt.Fprintf(stdout, "%d dead letters removed\n", n)
		if err != nil {
			fmt.Fprintf(stderr, "fanout dlq: %v\n", err)
			return exitFailed
		}
	}
	return exitOK
}
