#!/usr/bin/env bash
# W-seed: the tutorial's job (88 ~500 px JPEGs behind 150 ms of latency,
# download, GaussianBlur(15), save processed_<name>), run by the tutorial's own
# program and by fanout, alternately, in one run. Prints each time and the
# medians. Needs /usr/bin/python3 with Pillow and requests
# (apt-get install python3-pil python3-requests).
# Usage: bench/wseed.sh [ROUNDS=3]
set -euo pipefail
rounds=${1:-3}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
work=$(mktemp -d)
trap 'kill ${server:-} 2>/dev/null; rm -rf "$work"' EXIT
. "$here/lib.sh"

(cd "$here/.." && go build -o "$work/fanout" ./cmd/fanout)
wseed_serve
echo "W-seed: $n images, 150 ms latency, $(nproc) cores"

downloads=96 # fanout's default
for r in $(seq "$rounds"); do
	# The CPU part of the floor: the same job on local files, no network.
	rm -rf "$work/cpu" && mkdir -p "$work/cpu"
	t0=$(date +%s.%N)
	"$work/fanout" images "$work/web" --blur 15 -o "$work/cpu" --quiet 2>/dev/null
	echo "$(date +%s.%N) - $t0" | bc >>"$work/cpu.times"

	rm -rf "$work/seed" "$work/out" && mkdir -p "$work/seed" "$work/out"
	t0=$(date +%s.%N)
	(cd "$work/seed" && $py "$here/seed_pipeline.py" "$work/urls.txt" >/dev/null)
	t1=$(date +%s.%N)
	"$work/fanout" images --list "$work/urls.txt" --blur 15 -o "$work/out" --quiet 2>/dev/null
	t2=$(date +%s.%N)
	seed=$(echo "$t1 - $t0" | bc); fan=$(echo "$t2 - $t1" | bc)
	echo "round $r: seed_pipeline.py ${seed}s  fanout ${fan}s  ($(ls "$work/out" | wc -l) outputs)"
	echo "$seed" >>"$work/seed.times"; echo "$fan" >>"$work/fan.times"
done
ms=$(median <"$work/seed.times"); mf=$(median <"$work/fan.times"); mc=$(median <"$work/cpu.times")
echo "median: seed_pipeline.py ${ms}s, fanout ${mf}s, speed-up $(echo "scale=1; $ms / $mf" | bc)x"
# Floors. The issue's: max(network, CPU), where the downloads come in rounds
# of $downloads, 150 ms each, and the CPU work takes at least what the same
# job takes on local files. And the critical path when every download fits in
# one round: no byte arrives before 150 ms, and the CPU work starts then.
rounds_net=$(( (n + downloads - 1) / downloads ))
net=$(echo "$rounds_net * 0.15" | bc)
floor=$(echo "if ($net > $mc) $net else $mc" | bc)
echo "floor: max(${rounds_net} x 0.15 s = ${net}s network, ${mc}s CPU on local files) = ${floor}s; fanout is $(echo "scale=2; $mf / $floor" | bc)x that floor"
if [ "$rounds_net" = 1 ]; then
	path=$(echo "0.15 + $mc" | bc)
	echo "critical path: 0.15 s to the first bytes + ${mc}s of CPU = ${path}s; fanout is $(echo "scale=2; $mf / $path" | bc)x that"
fi
