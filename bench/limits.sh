#!/usr/bin/env bash
# Limits: fanout images against hostile sources on loopback (bench/hostile),
# each case its peak RSS and wall time on the real binary, measured with
# GNU time:
#   endless   N bodies that never end, at once: memory bounded by N x --max-bytes
#   trickle   96 servers sending a byte every 100 ms plus 10 good photos,
#             --stall-timeout 2s --retries 0: the good ones are not starved
#   bomb      N PNGs declaring 100000x100000: refused from the header
#   baseline  N good photos, for comparison
# Usage: bench/limits.sh [N=20] [MAX_BYTES=64M]
set -euo pipefail
n=${1:-20}
maxbytes=${2:-64M}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
. "$here/lib.sh"
(cd "$here/.." && go build -o "$work/fanout" ./cmd/fanout)
(cd "$here" && go build -o "$work/hostile" ./hostile)
photo=$here/../testdata/imgproc/skimage-chelsea.jpg
port=$((20000 + RANDOM % 20000))
"$work/hostile" "$port" "$photo" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/good/x.jpg" && break; sleep 0.1; done
url=http://127.0.0.1:$port

# run NAME ARGS... runs fanout images with ARGS into a fresh folder and
# prints NAME, the peak RSS, the wall time and the summary's first line.
run() {
	local name=$1
	shift
	rm -rf "$work/out"
	/usr/bin/time -f "%M %e" -o "$work/time" "$work/fanout" images --quiet -o "$work/out" "$@" 2>"$work/err" || true
	read -r kb secs < <(tail -1 "$work/time") # after "Command exited with ..." if it failed
	printf "%-9s peak RSS %6.0f MiB  wall %6.2f s  %s\n" "$name" "$(echo "$kb / 1024" | bc -l)" "$secs" "$(grep -m1 ' done, ' "$work/err")"
}

echo "limits: $(nproc) cores; $n sources a case; --max-bytes $maxbytes"
run baseline $(for i in $(seq "$n"); do echo "$url/good/$i.jpg"; done)
run endless --max-bytes "$maxbytes" --retries 0 $(for i in $(seq "$n"); do echo "$url/endless/$i.jpg"; done)
run trickle --stall-timeout 2s --retries 0 $(for i in $(seq 96); do echo "$url/trickle/$i.jpg"; done) $(for i in $(seq 10); do echo "$url/good/$i.jpg"; done)
run bomb $(for i in $(seq "$n"); do echo "$url/bomb/$i.png"; done)
