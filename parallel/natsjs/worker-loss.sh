#!/usr/bin/env bash
# What losing a worker costs a batch, with the command's defaults: one
# "fanout server", two "fanout worker -j 1", PHOTOS through
# resize=5000x,blur=20; the batch once without a fault, then with the first
# worker sent SIGNAL 1.5 s in (KILL: a crash, whose task waits for the ack
# wait, 10 s; TERM: a normal stop, which hands its tasks back at once).
# Every process is stopped on exit.
# Usage: parallel/natsjs/worker-loss.sh [SIGNAL=KILL] [PHOTOS_DIR=/work/shared/testdata/photos]
set -euo pipefail
sig=${1:-KILL}
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
export NATS_TOKEN=worker-loss-token
"$work/fanout" server --listen 127.0.0.1:0 --store "$work/js" --log off >"$work/server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "fanout worker --nats" "$work/server.log" && break; sleep 0.1; done
url=$(grep "fanout worker --nats" "$work/server.log" | sed 's/.*--nats //')
"$work/fanout" worker --nats "$url" -j 1 >"$work/w1.log" 2>&1 &
victim=$!
pids+=($victim)
"$work/fanout" worker --nats "$url" -j 1 >"$work/w2.log" 2>&1 &
pids+=($!)
sleep 1
files=("$photos"/*.jpg)
files=("${files[@]:0:12}")
ops="resize=5000x,blur=20"

start=$(date +%s.%N)
"$work/fanout" images --nats "$url" --quiet --ops "$ops" -o "$work/out1" "${files[@]}" 2>&1 | grep done
echo "without a fault: $(echo "$(date +%s.%N) - $start" | bc) s"

start=$(date +%s.%N)
"$work/fanout" images --nats "$url" --quiet --ops "$ops" -o "$work/out2" "${files[@]}" >"$work/batch.log" 2>&1 &
batch=$!
sleep 1.5
kill -"$sig" "$victim"
wait "$batch" || true
grep done "$work/batch.log"
echo "with a worker sent SIG$sig 1.5 s in: $(echo "$(date +%s.%N) - $start" | bc) s"
