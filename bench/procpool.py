#!/usr/bin/env python3
"""Per-task round trip of Python's ProcessPoolExecutor, the peer of fanout's
process backend (parallel/proc). Run by `go run ./proc` beside the Go figures;
it can also run alone.

Prints one JSON object: seconds per task, one figure per round, for
  seq:   submit(tiny, i).result() one after another on 1 worker (latency)
  batch: n submits, then wait for all, on --workers workers (throughput)
  map:   list(ex.map(tiny, range(--map-n), chunksize=--chunksize)) on
         --workers workers, one figure per round: seconds for the whole map
"""
import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, wait


def tiny(x):
    return x * x


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=2000, help="tasks per round")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2, help="workers for the batch mode")
    ap.add_argument("--map-n", type=int, default=20000, help="tasks of the map mode")
    ap.add_argument("--chunksize", type=int, default=500, help="chunksize of the map mode")
    args = ap.parse_args()

    seq, batch = [], []
    with ProcessPoolExecutor(max_workers=1) as ex:
        for i in range(200):  # warm-up: start the worker
            ex.submit(tiny, i).result()
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            for i in range(args.n):
                ex.submit(tiny, i).result()
            seq.append((time.perf_counter() - t0) / args.n)

    with ProcessPoolExecutor(max_workers=args.workers) as ex:
        wait([ex.submit(tiny, i) for i in range(200)])  # warm-up
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            wait([ex.submit(tiny, i) for i in range(args.n)])
            batch.append((time.perf_counter() - t0) / args.n)

    maps = []
    with ProcessPoolExecutor(max_workers=args.workers) as ex:
        wait([ex.submit(tiny, i) for i in range(200)])  # warm-up
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            list(ex.map(tiny, range(args.map_n), chunksize=args.chunksize))
            maps.append(time.perf_counter() - t0)

    json.dump({"python": sys.version.split()[0], "seq": seq, "batch": batch, "map": maps}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
