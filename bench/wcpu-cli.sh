#!/usr/bin/env bash
# W-cpu through the command line: decode + Gaussian blur 15 + JPEG q75 over
# the 12 large photos (2560x1600 and up), every core busy. Runs, alternately
# and ROUNDS times each in one run: Pillow over a process pool, libvips (one
# single-threaded vips per core; its default min_ampl 0.2 blur is narrower
# than Pillow's, 0.01 is the same width), and fanout images with
# libjpeg-turbo, with the pure-Go codec, in worker processes (--isolate), and
# through a cluster of two worker processes on an embedded NATS server, and
# ImageMagick's convert -blur 0x15 when it is installed. Prints
# medians and each one's throughput relative to Pillow's.
# Needs: /usr/bin/python3 with Pillow; libvips-tools and GNU parallel for the
# vips rows, imagemagick for its row (each skipped if absent); libturbojpeg0
# for the turbo row.
# Usage: bench/wcpu-cli.sh [ROUNDS=3] [PHOTOS_DIR=/work/shared/testdata/photos]
set -euo pipefail
rounds=${1:-3}
photos=${2:-/work/shared/testdata/photos}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

(cd "$here/.." && go build -o "$work/fanout" ./cmd/fanout)
mapfile -t files < <($py - "$photos" <<'PY'
import sys, os
from PIL import Image
d = sys.argv[1]
for f in sorted(os.listdir(d)):
    with Image.open(os.path.join(d, f)) as im:
        if im.size[0] * im.size[1] >= 2560 * 1600:
            print(os.path.join(d, f))
PY
)
echo "W-cpu: ${#files[@]} photos, $(nproc) cores, sigma 15, quality 75"
"$work/fanout" version

# A single-node cluster: the embedded server and two workers of one task each.
port=$((20000 + RANDOM % 20000))
"$work/fanout" server --listen "127.0.0.1:$port" --store "$work/nats" --token bench-token >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.05; done
for _ in 1 2; do
	NATS_TOKEN=bench-token "$work/fanout" worker --nats "nats://127.0.0.1:$port" --workers 1 2>/dev/null &
	pids+=($!)
done

declare -A peers=(
	[pillow-pool]="$py $here/pillow_pool.py OUT 15 ${files[*]}"
	[fanout-turbo]="$work/fanout images --jpeg turbo --blur 15 --quality 75 -o OUT -q ${files[*]}"
	[fanout-std]="$work/fanout images --jpeg std --blur 15 --quality 75 -o OUT -q ${files[*]}"
	[fanout-isolate]="$work/fanout images --isolate --blur 15 --quality 75 -o OUT -q ${files[*]}"
	[fanout-nats-2-workers]="env NATS_TOKEN=bench-token $work/fanout images --nats nats://127.0.0.1:$port --workers 2 --blur 15 --quality 75 -o OUT -q ${files[*]}"
)
order=(pillow-pool fanout-turbo fanout-std fanout-isolate fanout-nats-2-workers)
if convert -version 2>/dev/null | grep -q ImageMagick; then
	# One convert per photo, one after the other: ImageMagick spreads each
	# blur over every core itself (OpenMP).
	printf '#!/bin/sh\nout=$1; shift\nfor f; do convert "$f" -blur 0x15 -quality 75 "$out/processed_$(basename "$f")"; done\n' >"$work/im.sh"
	peers[imagemagick]="sh $work/im.sh OUT ${files[*]}"
	order+=(imagemagick)
fi
if command -v vips >/dev/null && command -v parallel >/dev/null; then
	peers[vips-0.2]="sh $here/vips_batch.sh OUT 15 0.2 ${files[*]}"
	peers[vips-0.01]="sh $here/vips_batch.sh OUT 15 0.01 ${files[*]}"
	order+=(vips-0.2 vips-0.01)
fi

. "$here/lib.sh"
for r in $(seq "$rounds"); do
	line="round $r:"
	for p in "${order[@]}"; do
		rm -rf "$work/out" && mkdir -p "$work/out"
		cmd=${peers[$p]//OUT/$work/out}
		t0=$(date +%s.%N)
		$cmd >/dev/null 2>&1
		t=$(echo "$(date +%s.%N) - $t0" | bc)
		got=$(ls "$work/out" | wc -l)
		[ "$got" = "${#files[@]}" ] || echo "$p wrote $got of ${#files[@]} outputs" >&2
		echo "$t" >>"$work/$p.times"
		line="$line $p ${t}s"
	done
	echo "$line"
done
base=$(median <"$work/pillow-pool.times")
printf '%-24s %9s %12s %14s\n' peer "median s" "images/s" "vs Pillow pool"
for p in "${order[@]}"; do
	m=$(median <"$work/$p.times")
	printf '%-24s %9.3f %12.2f %13.2fx\n' "$p" "$m" "$(echo "${#files[@]} / $m" | bc -l)" "$(echo "$base / $m" | bc -l)"
done
