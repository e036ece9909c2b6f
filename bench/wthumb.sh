#!/usr/bin/env bash
# W-thumb: apply EXIF orientation, resize to 800 px wide, JPEG q80, over the 12
# large photos (kde-*.jpg and sharp-2569067123_aca715a2ee_o.jpg), every core
# busy. Runs sharp, vipsthumbnail (one single-threaded process per core),
# Pillow over a process pool (thumbnail(), its draft-mode fast path) and
# fanout images with libjpeg-turbo and with the pure-Go codec, alternately,
# ROUNDS times each in one run, and prints each round's times, the medians and
# each one's throughput relative to sharp's (sharp time / its time; on a
# shared machine the median of the per-round ratios is the steadier figure),
# then the output sizes and how close fanout's outputs are to Pillow's and
# sharp's.
# Needs: /usr/bin/python3 with Pillow, libvips-tools and GNU parallel, and
# libturbojpeg0 (/work/shared/bench/install-peers.sh); node with sharp
# (/work/shared/bench/sharp/install.sh). A missing peer is skipped.
# With FORMAT webp or avif it is W-web instead: WebP quality 80 or AVIF
# quality 50 (Pillow's pool is left out: its script writes JPEG), and the
# total size of each peer's outputs is printed as well; fanout-portable is
# then fanout without any system codec library (its WebAssembly encoders,
# pure-Go JPEG decoding).
# Usage: bench/wthumb.sh [ROUNDS=5] [PHOTOS_DIR=/work/shared/testdata/photos] [FORMAT=jpeg|webp|avif]
set -euo pipefail
rounds=${1:-5}
photos=${2:-/work/shared/testdata/photos}
format=${3:-jpeg}
case $format in
jpeg) q=80 ext=jpg ;;
webp) q=80 ext=webp ;;
avif) q=50 ext=avif ;;
*) echo "FORMAT must be jpeg, webp or avif" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
shared=/work/shared/bench
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$here/lib.sh"

(cd "$here/.." && go build -o "$work/fanout" ./cmd/fanout)
files=("$photos"/kde-*.jpg "$photos"/sharp-2569067123_aca715a2ee_o.jpg)
echo "W-thumb: ${#files[@]} photos, $(nproc) cores, EXIF orientation, 800 px wide, $format q$q"

# peer NAME OUT runs peer NAME over the files, writing into folder OUT.
peer() {
	case $1 in
	sharp) node "$sharpdir/thumb.js" "$2" 800 "$format" "$q" "${files[@]}" ;;
	vipsthumbnail) VIPS_CONCURRENCY=1 VIPS_WARNING=0 parallel -j "$(nproc)" -X vipsthumbnail -s 800x -o "$2/processed_%s.$ext[Q=$q]" ::: "${files[@]}" ;;
	pillow) $py "$shared/pillow_thumb.py" "$2" 800 "$q" "${files[@]}" ;;
	fanout-portable) # what `go install` gives on a machine without the codec libraries
		unshare --mount bash -c 'n=$1; shift; for l in "${@:1:n}"; do mount --bind /dev/null "$l"; done; shift "$n"; exec "$@"' \
			_ "${#hidden[@]}" "${hidden[@]}" \
			"$work/fanout" images "${files[@]}" -o "$2" --ops resize=800x --format "$format" --quality "$q" --quiet --jpeg std ;;
	fanout-*) "$work/fanout" images "${files[@]}" -o "$2" --ops resize=800x --format "$format" --quality "$q" --quiet --jpeg "${1#fanout-}" ;;
	esac
}

order=()
if ! command -v node >/dev/null; then
	echo "skipping sharp: node is missing (apt-get install nodejs npm, then /work/shared/bench/sharp/install.sh)"
elif ! sharpdir=$("$shared/sharp/install.sh" 2>/dev/null | tail -n1) || [ -z "$sharpdir" ]; then
	echo "skipping sharp: not installed and /work/shared/bench/sharp/install.sh failed (run it to see why)"
else
	order+=(sharp)
fi
if command -v vipsthumbnail >/dev/null && command -v parallel >/dev/null; then
	order+=(vipsthumbnail)
else
	echo "skipping vipsthumbnail: vipsthumbnail or GNU parallel is missing (run /work/shared/bench/install-peers.sh)"
fi
pil=no
if $py -c 'import PIL' 2>/dev/null; then
	pil=yes
	[ "$format" = jpeg ] && order+=(pillow)
else
	echo "skipping Pillow (and the size and PSNR checks): $py cannot import PIL (run /work/shared/bench/install-peers.sh)"
fi
if "$work/fanout" images "${files[0]}" -o "$work/probe" --jpeg turbo --quiet >/dev/null 2>&1; then
	order+=(fanout-turbo)
else
	echo "skipping fanout-turbo: fanout cannot load libjpeg-turbo (run /work/shared/bench/install-peers.sh)"
fi
order+=(fanout-std)
# fanout-portable: the same binary with the system's codec libraries hidden
# from it (bound over by /dev/null in a mount namespace of its own), so that
# it falls back to its WebAssembly encoders: needs root and unshare.
if [ "$format" != jpeg ]; then
	hidden=()
	for l in /usr/lib/x86_64-linux-gnu/libturbojpeg.so.0 /usr/lib/x86_64-linux-gnu/libwebp.so.7 /usr/lib/x86_64-linux-gnu/libheif.so.1; do
		[ -e "$l" ] && hidden+=("$(readlink -f "$l")")
	done
	if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && unshare --mount true 2>/dev/null; then
		order+=(fanout-portable)
	else
		echo "skipping fanout-portable: hiding the codec libraries needs root and unshare --mount"
	fi
fi
base=${order[0]}
echo "peers: ${order[*]}; ratios are $base's time / the peer's time (throughput relative to $base)"

for r in $(seq "$rounds"); do
	line="round $r:"
	for p in "${order[@]}"; do
		rm -rf "$work/out/$p" && mkdir -p "$work/out/$p"
		t=$(timeit peer "$p" "$work/out/$p" 2>"$work/err")
		got=$(ls "$work/out/$p" | wc -l)
		if [ "$got" != "${#files[@]}" ]; then
			echo "$p wrote $got of ${#files[@]} outputs:" >&2; cat "$work/err" >&2; exit 1
		fi
		echo "$t" >>"$work/$p.t"
		[ "$p" = "$base" ] && bt=$t
		x=$(echo "$bt / $t" | bc -l)
		echo "$x" >>"$work/$p.x"
		line="$line  $(printf '%s %.3fs (%.2fx)' "$p" "$t" "$x")"
	done
	echo "$line"
done

mb=$(median <"$work/$base.t")
printf '%-14s %9s %9s %12s %18s\n' peer "median s" images/s "vs $base" "median round ratio"
for p in "${order[@]}"; do
	m=$(median <"$work/$p.t")
	printf '%-14s %9.3f %9.1f %11.2fx %17.2fx\n' "$p" "$m" "$(echo "${#files[@]} / $m" | bc -l)" \
		"$(echo "$mb / $m" | bc -l)" "$(median <"$work/$p.x")"
done

echo "total output size: $(for p in "${order[@]}"; do printf '%s %s KB  ' "$p" "$(du -sk "$work/out/$p" | cut -f1)"; done)"
# Pillow 9.4 cannot read AVIF: no PSNR for it.
[ "$pil" = yes ] && [ "$format" != avif ] || exit 0
# Output sizes, and how close fanout's outputs are to Pillow's and sharp's
# (all decoded by Pillow; outputs are matched by the input's name).
$py - "$work/out" "$(basename "${files[0]}" .jpg)" "${order[@]}" <<'PY'
import math, os, sys
from PIL import Image, ImageChops, ImageStat
d, first, peers = sys.argv[1], sys.argv[2], sys.argv[3:]
def outs(p):  # input name without extension -> output path
    names = os.listdir(os.path.join(d, p))
    return {os.path.splitext(f[len("processed_"):])[0]: os.path.join(d, p, f) for f in names}
sizes = ["%s %dx%d" % ((p,) + Image.open(outs(p)[first]).size) for p in peers]
print(f"output size of {first}: " + ", ".join(sizes))
for mine in ("fanout-turbo", "fanout-std", "fanout-portable"):
    for ref in ("pillow", "sharp"):
        if mine not in peers or ref not in peers:
            continue
        a_outs, b_outs = outs(ref), outs(mine)
        dbs = []
        for name in sorted(a_outs):
            a = Image.open(a_outs[name]).convert("RGB")
            b = Image.open(b_outs[name]).convert("RGB")
            if a.size != b.size:
                print(f"  {name}: sizes differ, {ref} {a.size[0]}x{a.size[1]}, {mine} {b.size[0]}x{b.size[1]}; not compared")
                continue
            rms = ImageStat.Stat(ImageChops.difference(a, b)).rms
            mse = sum(x * x for x in rms) / 3
            dbs.append(10 * math.log10(255 * 255 / mse) if mse else 99.0)
        if dbs:
            print(f"PSNR of {mine} outputs against {ref}'s: mean {sum(dbs) / len(dbs):.1f} dB, "
                  f"worst {min(dbs):.1f} dB ({len(dbs)} of {len(a_outs)} compared)")
PY
