#!/usr/bin/env bash
# W-seed against its floors, for several numbers of downloads in flight, in
# one run. For each D it measures, alternately and ROUNDS times:
#   - netfloor: the same downloads with D in flight and no work at all (the
#     network floor this server allows);
#   - fanout images --downloads D (the whole job);
# and once per round the job on local files (the CPU floor), and the
# tutorial's program (seed_pipeline.py) for the speed-up. It prints medians:
# the issue's floor max(0.15 s x items / D, CPU), what the bare downloads
# took, fanout, and fanout's ratios to both floors.
# Needs /usr/bin/python3 with Pillow and requests.
# Usage: bench/wseed-floor.sh [ROUNDS=3] [D...=11 22 44 88 96]
set -euo pipefail
rounds=${1:-3}
shift || true
ds=${*:-11 22 44 88 96}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
work=$(mktemp -d)
trap 'kill ${server:-} 2>/dev/null; rm -rf "$work"' EXIT
. "$here/lib.sh"

(cd "$here/.." && go build -o "$work/fanout" ./cmd/fanout)
(cd "$here" && go build -o "$work/netfloor" ./netfloor)
wseed_serve
echo "W-seed floors: $n images, 150 ms latency, $(nproc) cores, $rounds rounds"

for r in $(seq "$rounds"); do
	rm -rf "$work/seed" "$work/cpu" && mkdir -p "$work/seed" "$work/cpu"
	timeit "$work/fanout" images "$work/web" --blur 15 -o "$work/cpu" --quiet 2>/dev/null >>"$work/cpu.times"
	(cd "$work/seed" && timeit $py "$here/seed_pipeline.py" "$work/urls.txt" 2>/dev/null) >>"$work/seed.times"
	for d in $ds; do
		"$work/netfloor" "$work/urls.txt" "$d" >>"$work/net.$d"
		rm -rf "$work/out" && mkdir -p "$work/out"
		timeit "$work/fanout" images --list "$work/urls.txt" --blur 15 -o "$work/out" --quiet --downloads "$d" 2>/dev/null >>"$work/fan.$d"
		got=$(ls "$work/out" | wc -l)
		[ "$got" = "$n" ] || { echo "fanout --downloads $d wrote $got outputs, want $n" >&2; exit 1; }
	done
done
seed=$(median <"$work/seed.times"); cpu=$(median <"$work/cpu.times")
echo "seed_pipeline.py ${seed}s; the job on local files (CPU floor) ${cpu}s"
printf '%4s  %13s  %11s  %8s  %14s  %14s  %8s\n' D "issue's floor" "bare fetch" fanout "/issue's floor" "/measured floor" speed-up
for d in $ds; do
	net=$(median <"$work/net.$d"); fan=$(median <"$work/fan.$d")
	nominal=$(echo "scale=4; x = 0.15 * $n / $d; if (x > $cpu) x else $cpu" | bc)
	measured=$(echo "if ($net > $cpu) $net else $cpu" | bc)
	printf '%4s  %12.3fs  %10.3fs  %7.3fs  %13.2fx  %14.2fx  %7.1fx\n' "$d" "$nominal" "$net" "$fan" \
		"$(echo "scale=4; $fan / $nominal" | bc)" "$(echo "scale=4; $fan / $measured" | bc)" "$(echo "scale=4; $seed / $fan" | bc)"
done
