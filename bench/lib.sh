# Helpers sourced by the benchmark scripts of this folder.

# median prints the median of the numbers on stdin, one per line.
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# timeit runs its arguments with stdout discarded and prints the seconds
# they took.
timeit() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
}

# wseed_serve makes the W-seed workload in $work/web (88 JPEGs of about
# 500 px from the shared photos), serves it with 150 ms of latency on a
# random loopback port, and writes its URLs to $work/urls.txt. It needs
# here (this folder), py and work, and sets server (the server's pid) and
# n (the number of URLs).
wseed_serve() {
	$py "$here/make-web500.py" "$here/../../shared/testdata/photos" "$work/web" >/dev/null 2>&1 ||
		$py "$here/make-web500.py" /work/shared/testdata/photos "$work/web" >/dev/null
	local port=$((20000 + RANDOM % 20000))
	$py "$here/latency_server.py" "$work/web" "$port" 0.15 &
	server=$!
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
	ls "$work/web" | sed "s|^|http://127.0.0.1:$port/|" >"$work/urls.txt"
	n=$(wc -l <"$work/urls.txt")
}
