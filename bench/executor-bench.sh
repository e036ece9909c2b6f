#!/usr/bin/env bash
# Runs the executor benchmarks of executor_test.go in interleaved rounds
# (every peer once per round, so machine noise hits all of them alike) and
# prints the median of each figure over the rounds, with each peer's ratio
# to fanout. Usage, from this directory:
#   ./executor-bench.sh [ROUNDS] [TASKS_PER_RUN]
# Defaults: 9 rounds of 300000 tasks per overhead benchmark.
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-9}
tasks=${2:-300000}
out=$(mktemp)
trap 'rm -f "$out" executor.test' EXIT
go test -c -o executor.test .
for r in $(seq "$rounds"); do
	./executor.test -test.run '^$' -test.bench 'Overhead' -test.benchtime "${tasks}x" >>"$out"
done
./executor.test -test.run '^$' -test.bench 'MapStream' -test.benchtime 1x >>"$out"
python3 - "$out" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    if not line.startswith("Benchmark"):
        continue
    f = line.split()
    name = re.sub(r"-\d+$", "", f[0])
    vals = dict((f[i + 1], float(f[i])) for i in range(2, len(f) - 1, 2))
    for unit, v in vals.items():
        rows.setdefault(name, {}).setdefault(unit, []).append(v)
med = {n: {u: statistics.median(v) for u, v in us.items()} for n, us in rows.items()}
print("| benchmark | rounds | ns/task (median) | min | max | vs fanout | CPU ns/task (median) | CPU vs fanout | B/task | allocs/task |")
print("|---|---|---|---|---|---|---|---|---|---|")
for n, us in med.items():
    if "ns/op" not in us or "MapStream" in n:
        continue
    mode = n.split("/")[1]
    base = med.get(f"BenchmarkOverhead/{mode}/fanout", {}).get("ns/op")
    ratio = f"{us['ns/op'] / base:.2f}x" if base else ""
    ns = rows[n]["ns/op"]
    cbase = med.get(f"BenchmarkOverhead/{mode}/fanout", {}).get("cpu-ns/op")
    cratio = f"{us['cpu-ns/op'] / cbase:.2f}x" if cbase else ""
    print(f"| {n.removeprefix('BenchmarkOverhead/')} | {len(ns)} | {us['ns/op']:.0f} | {min(ns):.0f} | {max(ns):.0f} | {ratio} | {us.get('cpu-ns/op', 0):.0f} | {cratio} | {us.get('B/op', 0):.0f} | {us.get('allocs/op', 0):.0f} |")
print()
print("| Map stream | peak heap MiB | bytes allocated per task | ns/task |")
print("|---|---|---|---|")
for n, us in med.items():
    if "MapStream" in n:
        print(f"| {n.removeprefix('BenchmarkMapStream/')} | {us.get('peak-heap-MB', 0):.2f} | {us.get('B/task', 0):.0f} | {us.get('ns/task', 0):.0f} |")
PY
