#!/usr/bin/env bash
# Reference mode against byte mode on a cluster whose submitter sits behind a
# slow link: 800 px thumbnails (resize=800x, JPEG q80) of the 12 large photos
# (kde-*.jpg and sharp-2569067123_aca715a2ee_o.jpg), each served COPIES times
# under its own URL by an HTTP server, with 1, 2 and 3 "fanout worker"
# processes. Prints photos/s for each mode and number of workers (medians of
# ROUNDS runs, the modes alternating), and the bytes that crossed the
# submitter's link per photo.
#
# Every process runs in a network namespace of its own, all joined by veth
# pairs to a bridge in a "hub" namespace; nothing is changed in the
# machine's own namespace. The hub holds what is outside the slow link: the
# NATS server (fanout server), the HTTP server of the photos (python3 -m
# http.server) and the S3 server (versitygw, over a folder). The submitter's
# link is shaped to RATE both ways, as the link of an office or a laptop is:
# "tc qdisc add dev eth0 root tbf rate RATE burst 32kbit latency 50ms" on its
# interface (what it sends), and the same on the hub's end of its veth pair
# (what it receives). The workers' links are not shaped.
#
# Modes: "bytes" writes into a folder of the submitter (it downloads every
# photo, sends it to a worker, and receives and writes the thumbnail);
# "refs s3" writes to s3:// on the hub's versitygw and "refs file" to a
# file:// folder every namespace sees (the same file system: a shared mount
# outside the link), both by reference (the workers download the photos and
# write the thumbnails themselves; the submitter sends only the tasks).
#
# Needs root (ip netns, tc), python3, and versitygw on PATH or in
# $(go env GOPATH)/bin (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0).
# Usage: bench/refs-shaped.sh [ROUNDS=3] [COPIES=8] [RATE=20mbit] [PHOTOS_DIR=/work/shared/testdata/photos]
# WORKER_FLAGS sets each worker's flags (default "--workers 1": one task at a
# time, as a one-core machine); SUBMIT_FLAGS the submitter's (default
# none: the command's own window of images in flight, sized from the
# workers' concurrency, at least 64).
set -euo pipefail
rounds=${1:-3}
copies=${2:-8}
rate=${3:-20mbit}
photos=${4:-/work/shared/testdata/photos}
worker_flags=${WORKER_FLAGS:---workers 1}
submit_flags=${SUBMIT_FLAGS:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

if [ "$(id -u)" != 0 ]; then echo "refs-shaped.sh: needs root (network namespaces, tc)" >&2; exit 2; fi
versitygw=$(command -v versitygw || echo "$(go env GOPATH)/bin/versitygw")
if [ ! -x "$versitygw" ]; then
	echo "refs-shaped.sh: needs versitygw: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0" >&2
	exit 2
fi

work=$(mktemp -d)
id=$((RANDOM % 90000 + 10000)) # names of this run's namespaces and links
hub=fo$id-hub
sub=fo$id-sub
members=("$sub" fo$id-w1 fo$id-w2 fo$id-w3)
pids=()  # the servers
wpids=() # the workers of the current step
cleanup() {
	# The workers first (they drain while the server is there), then the
	# servers; whatever is left after 5 s is killed.
	for p in "${wpids[@]}" "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for _ in $(seq 50); do
		alive=0
		for p in "${wpids[@]}" "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in "${wpids[@]}" "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for ns in "${members[@]}" "$hub"; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$here/.." && go build -o "$work/fanout" ./cmd/fanout)
fanout=$work/fanout

# The network: the hub's bridge at 10.0.0.1, the submitter at .10, the
# workers at .11 to .13.
ip netns add "$hub"
ip -n "$hub" link set lo up
ip -n "$hub" link add br0 type bridge
ip -n "$hub" addr add 10.0.0.1/24 dev br0
ip -n "$hub" link set br0 up
for i in "${!members[@]}"; do
	ns=${members[$i]}
	ip netns add "$ns"
	ip link add fv${id}h$i type veth peer name fv${id}n$i
	ip link set fv${id}h$i netns "$hub"
	ip link set fv${id}n$i netns "$ns"
	ip -n "$hub" link set fv${id}h$i master br0 up
	ip -n "$ns" link set fv${id}n$i name eth0
	ip -n "$ns" addr add 10.0.0.$((10 + i))/24 dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
done
ip netns exec "$sub" tc qdisc add dev eth0 root tbf rate "$rate" burst 32kbit latency 50ms
ip netns exec "$hub" tc qdisc add dev fv${id}h0 root tbf rate "$rate" burst 32kbit latency 50ms

# The hub's servers.
NATS_TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
export NATS_TOKEN AWS_ACCESS_KEY_ID=fanout-bench AWS_SECRET_ACCESS_KEY=fanout-bench-secret
ip netns exec "$hub" "$fanout" server --listen 10.0.0.1:4222 --store "$work/js" >"$work/server.log" 2>&1 &
pids+=($!)
mkdir -p "$work/web" "$work/s3/bench" "$work/meta" "$work/shared"
files=("$photos"/kde-*.jpg "$photos"/sharp-2569067123_aca715a2ee_o.jpg)
for c in $(seq "$copies"); do
	for f in "${files[@]}"; do ln -s "$f" "$work/web/c$c-$(basename "$f")"; done
done
ip netns exec "$hub" python3 -m http.server 8080 --bind 10.0.0.1 --directory "$work/web" >"$work/http.log" 2>&1 &
pids+=($!)
ip netns exec "$hub" "$versitygw" --access "$AWS_ACCESS_KEY_ID" --secret "$AWS_SECRET_ACCESS_KEY" --port 10.0.0.1:7070 \
	posix --sidecar "$work/meta" "$work/s3" >"$work/s3.log" 2>&1 &
pids+=($!)
ready=0
for _ in $(seq 200); do
	if grep -q "fanout worker --nats" "$work/server.log" &&
		ip netns exec "$hub" curl -s -o /dev/null http://10.0.0.1:8080/ &&
		ip netns exec "$hub" curl -s -o /dev/null http://10.0.0.1:7070/; then
		ready=1
		break
	fi
	sleep 0.1
done
if [ $ready = 0 ]; then
	echo "refs-shaped: the hub's servers did not start:" >&2
	tail -n 5 "$work/server.log" "$work/http.log" "$work/s3.log" >&2
	exit 1
fi
ls "$work/web" | sed 's|^|http://10.0.0.1:8080/|' >"$work/urls.txt"
n=$(wc -l <"$work/urls.txt")
mb=$(du -L -b -c "${files[@]}" | tail -1 | awk -v n="${#files[@]}" '{printf "%.0f", $1 / n / 1000}')
echo "refs-shaped: $n photos (${#files[@]} x $copies, $mb KB on average), 800 px thumbnails, submitter's link $rate both ways, $(nproc) cores; each worker: $worker_flags; the submitter: $submit_flags"

# txrx prints the bytes the submitter's interface has sent and received.
txrx() {
	ip netns exec "$sub" sh -c 'echo $(( $(cat /sys/class/net/eth0/statistics/tx_bytes) + $(cat /sys/class/net/eth0/statistics/rx_bytes) ))'
}

# run MODE OUT times one batch of the submitter and appends its photos/s and
# its link's bytes per photo to $work/MODE-K.
run() {
	local mode=$1 out=$2 k=$3 t0 t1 b0 b1 log=$work/run.log
	b0=$(txrx)
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086 # SUBMIT_FLAGS is a list of flags
	ip netns exec "$sub" "$fanout" images --nats nats://10.0.0.1:4222 $submit_flags --quiet --ops resize=800x --quality 80 \
		-o "$out" --list "$work/urls.txt" >/dev/null 2>"$log" || true
	t1=$(date +%s.%N)
	b1=$(txrx)
	if ! grep -q "^$n done, 0 failed" "$log"; then
		echo "refs-shaped: $mode with $k workers did not finish every photo:" >&2
		cat "$log" >&2
		exit 1
	fi
	local s
	s=$(echo "$t1 - $t0" | bc)
	echo "$(echo "scale=2; $n / $s" | bc) $(( (b1 - b0) / n ))" >>"$work/$mode-$k"
	printf '  %-10s %6.2f s  %6.2f photos/s  %8d bytes/photo on the link\n' "$mode" "$s" "$(echo "scale=2; $n / $s" | bc)" $(( (b1 - b0) / n ))
}

s3url() { echo "s3://bench/$1?endpoint=http://10.0.0.1:7070&use_path_style=true&region=us-east-1"; }

for k in 1 2 3; do
	for i in $(seq "$k"); do
		# shellcheck disable=SC2086 # WORKER_FLAGS is a list of flags
		ip netns exec "${members[$i]}" "$fanout" worker --nats nats://10.0.0.1:4222 $worker_flags 2>>"$work/workers.log" &
		wpids+=($!)
	done
	for _ in $(seq 100); do [ "$(grep -c serving "$work/workers.log" || true)" -ge "$k" ] && break; sleep 0.1; done
	: >"$work/workers.log"
	echo "$k worker(s):"
	for r in $(seq "$rounds"); do
		rm -rf "$work/out" "$work/shared"/*
		run bytes "$work/out" "$k"
		run "refs-s3" "$(s3url "k$k-r$r")" "$k"
		run "refs-file" "file://$work/shared" "$k"
	done
	for p in "${wpids[@]}"; do kill -TERM "$p"; done
	wait "${wpids[@]}" 2>/dev/null || true
	wpids=()
done

echo
echo "| workers | bytes (local folder) | refs, s3:// | refs, file:// |"
echo "|---:|---:|---:|---:|"
for k in 1 2 3; do
	row="| $k |"
	for mode in bytes refs-s3 refs-file; do
		row="$row $(cut -d' ' -f1 "$work/$mode-$k" | median) photos/s ($(cut -d' ' -f2 "$work/$mode-$k" | median) B/photo) |"
	done
	echo "$row"
done
echo "(medians of $rounds; B/photo: bytes sent and received by the submitter's interface, per photo)"
