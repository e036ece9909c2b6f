#!/usr/bin/env bash
# Thumbnail cost per image against input size: makes JPEGs (q90) of about 2,
# 4, 12 and 40 megapixels from one photo with Pillow (LANCZOS), 8 copies of
# each so every core is busy, and resizes each set to 800 px wide, JPEG q80,
# with fanout images (libjpeg-turbo and pure Go), sharp and Pillow over a
# process pool (pillow_thumb.py), alternately, ROUNDS times each in one run.
# Prints, for each size, the time per image of each peer (median over the
# rounds of the set's time / 8) and its ratio to the same peer's 2 MP cost.
# Needs: /usr/bin/python3 with Pillow, and libturbojpeg0 for the turbo column
# (/work/shared/bench/install-peers.sh); node with sharp
# (/work/shared/bench/sharp/install.sh). A missing peer is skipped.
# Usage: bench/thumb-scaling.sh [ROUNDS=5]
set -euo pipefail
rounds=${1:-5}
photo=/work/shared/testdata/photos/kde-path-2560x1600.jpg
here=$(cd "$(dirname "$0")" && pwd)
shared=/work/shared/bench
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$here/lib.sh"

$py -c 'import PIL' 2>/dev/null || { echo "$py cannot import PIL: run /work/shared/bench/install-peers.sh" >&2; exit 1; }
(cd "$here/.." && go build -o "$work/fanout" ./cmd/fanout)
sizes=(1792x1120 2560x1600 4384x2740 8000x5000)
copies=8
$py - "$photo" "$work/in" "$copies" "${sizes[@]}" <<'PY'
import os, shutil, sys
from PIL import Image
photo, d, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
im = Image.open(photo).convert("RGB")
for size in sys.argv[4:]:
    w, h = map(int, size.split("x"))
    os.makedirs(os.path.join(d, size))
    first = os.path.join(d, size, "in-1.jpg")
    (im if im.size == (w, h) else im.resize((w, h), Image.LANCZOS)).save(first, quality=90)
    for i in range(2, copies + 1):
        shutil.copy(first, os.path.join(d, size, f"in-{i}.jpg"))
PY
echo "thumbnail scaling: $copies copies of $(basename "$photo") at ${sizes[*]}, $(nproc) cores, 800 px wide, JPEG q80"

# peer NAME OUT FILE... runs peer NAME over the files, writing into folder OUT.
peer() {
	local name=$1 out=$2
	shift 2
	case $name in
	sharp) node "$sharpdir/thumb.js" "$out" 800 jpeg 80 "$@" ;;
	pillow) $py "$shared/pillow_thumb.py" "$out" 800 80 "$@" ;;
	fanout-*) "$work/fanout" images "$@" -o "$out" --ops resize=800x --quality 80 --quiet --jpeg "${name#fanout-}" ;;
	esac
}

order=()
if "$work/fanout" images "$photo" -o "$work/probe" --jpeg turbo --quiet >/dev/null 2>&1; then
	order+=(fanout-turbo)
else
	echo "skipping fanout-turbo: fanout cannot load libjpeg-turbo (run /work/shared/bench/install-peers.sh)"
fi
order+=(fanout-std)
if ! command -v node >/dev/null; then
	echo "skipping sharp: node is missing (apt-get install nodejs npm, then /work/shared/bench/sharp/install.sh)"
elif ! sharpdir=$("$shared/sharp/install.sh" 2>/dev/null | tail -n1) || [ -z "$sharpdir" ]; then
	echo "skipping sharp: not installed and /work/shared/bench/sharp/install.sh failed (run it to see why)"
else
	order+=(sharp)
fi
order+=(pillow)

for r in $(seq "$rounds"); do
	for s in "${sizes[@]}"; do
		line="round $r, $s:"
		for p in "${order[@]}"; do
			rm -rf "$work/out" && mkdir "$work/out"
			t=$(timeit peer "$p" "$work/out" "$work/in/$s"/*.jpg 2>"$work/err")
			got=$(ls "$work/out" | wc -l)
			if [ "$got" != "$copies" ]; then
				echo "$p wrote $got of $copies outputs at $s:" >&2; cat "$work/err" >&2; exit 1
			fi
			echo "$t" >>"$work/$p.$s"
			line="$line  $(printf '%s %.3fs' "$p" "$t")"
		done
		echo "$line"
	done
done

declare -A base
echo "time per image in ms (median over $rounds rounds of the set's time / $copies), and its ratio to the 2 MP cost:"
printf '%9s' "input MP"; printf ' %21s' "${order[@]}"; echo
for s in "${sizes[@]}"; do
	printf '%9.1f' "$(echo "${s/x/*} / 1000000" | bc -l)"
	for p in "${order[@]}"; do
		ms=$(echo "$(median <"$work/$p.$s") * 1000 / $copies" | bc -l)
		[ "$s" = "${sizes[0]}" ] && base[$p]=$ms
		printf ' %10.1f ms (%5.2fx)' "$ms" "$(echo "$ms / ${base[$p]}" | bc -l)"
	done
	echo
done
