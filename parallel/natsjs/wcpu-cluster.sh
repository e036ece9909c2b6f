#!/usr/bin/env bash
# W-cpu on the cluster path: the large photos through "fanout server" and two
# "fanout worker" processes on this machine, against "fanout images" in local
# mode, alternately, ROUNDS times each, in one run; prints medians and the
# cluster's share of local throughput. Every process is stopped on exit.
# Usage: parallel/natsjs/wcpu-cluster.sh [ROUNDS=5] [PHOTOS_DIR=/work/shared/testdata/photos]
# CLUSTER_FLAGS adds flags to the cluster run only, e.g. CLUSTER_FLAGS="--workers 8".
set -euo pipefail
rounds=${1:-5}
photos=${2:-/work/shared/testdata/photos}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$root" && go build -o "$work/fanout" ./cmd/fanout)
# W-cpu's photos: 2560x1600 and larger (the KDE wallpapers and the big sharp photo).
files=("$photos"/kde-*2560x1600.jpg "$photos"/sharp-2569067123_aca715a2ee_o.jpg)
echo "W-cpu cluster: ${#files[@]} photos, $(nproc) cores, blur 15; 2 workers x concurrency $(( $(nproc) / 2 > 0 ? $(nproc) / 2 : 1 ))"

"$work/fanout" server --listen 127.0.0.1:0 --store "$work/js" >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "fanout worker --nats" "$work/server.log" && break; sleep 0.1; done
line=$(grep "fanout worker --nats" "$work/server.log")
url=$(awk '{print $4}' <<<"$line")
NATS_TOKEN=$(sed -n 's/^ *export NATS_TOKEN=//p' "$work/server.log")
export NATS_TOKEN
conc=$(( $(nproc) / 2 > 0 ? $(nproc) / 2 : 1 ))
for _ in 1 2; do
	"$work/fanout" worker --nats "$url" --concurrency "$conc" 2>>"$work/workers.log" &
	pids+=($!)
done

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
TIMEFORMAT=%R
for r in $(seq "$rounds"); do
	rm -rf "$work/c" "$work/l"
	c=$( { time "$work/fanout" images --nats "$url" ${CLUSTER_FLAGS:-} --blur 15 -o "$work/c" "${files[@]}" >/dev/null 2>&1; } 2>&1 )
	l=$( { time "$work/fanout" images --blur 15 -o "$work/l" "${files[@]}" >/dev/null 2>&1; } 2>&1 )
	echo "round $r: cluster ${c}s  local ${l}s"
	echo "$c" >>"$work/cs"; echo "$l" >>"$work/ls"
done
if ! diff -r "$work/c" "$work/l" >/dev/null; then echo "outputs differ between cluster and local mode" >&2; exit 1; fi
mc=$(median <"$work/cs"); ml=$(median <"$work/ls")
echo "median: cluster ${mc}s, local ${ml}s; cluster throughput = $(echo "scale=0; 100 * $ml / $mc" | bc)% of local (outputs identical); load: $(cut -d' ' -f1-3 /proc/loadavg)"
