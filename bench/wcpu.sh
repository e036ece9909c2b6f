#!/usr/bin/env bash
# W-cpu: decode + GaussianBlur(15) + JPEG q75 over the 12 large photos
# (2560x1600 and up) of the shared corpus, every core busy. Runs Pillow over a
# process pool (pillow_pool.py) and imgproc (wcpu, both JPEG codecs)
# alternately, ROUNDS times each, in one run, and prints medians and ratios
# (on a shared machine the median of the per-round ratios is the steadier
# figure), then how close the outputs are to Pillow's.
# Needs /usr/bin/python3 with Pillow (apt-get install python3-pil); the turbo
# codec needs libturbojpeg0.
# Usage: bench/wcpu.sh [ROUNDS=3] [PHOTOS_DIR=/work/shared/testdata/photos]
set -euo pipefail
rounds=${1:-3}
photos=${2:-/work/shared/testdata/photos}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$here" && go build -o "$work/wcpu" ./wcpu)
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

. "$here/lib.sh"
for r in $(seq "$rounds"); do
	rm -rf "$work/out" && mkdir -p "$work/out/pillow" "$work/out/std" "$work/out/auto"
	p=$(timeit $py "$here/pillow_pool.py" "$work/out/pillow" 15 "${files[@]}")
	s=$(timeit "$work/wcpu" -codec std -o "$work/out/std" "${files[@]}")
	t=$(timeit "$work/wcpu" -codec auto -o "$work/out/auto" "${files[@]}")
	rs=$(echo "scale=2; $p / $s" | bc); rt=$(echo "scale=2; $p / $t" | bc)
	echo "round $r: pillow_pool.py ${p}s  imgproc(std) ${s}s (${rs}x)  imgproc(auto) ${t}s (${rt}x)"
	echo "$p" >>"$work/p"; echo "$s" >>"$work/s"; echo "$t" >>"$work/t"
	echo "$rs" >>"$work/rs"; echo "$rt" >>"$work/rt"
done
mp=$(median <"$work/p"); ms=$(median <"$work/s"); mt=$(median <"$work/t")
echo "codec auto: $("$work/wcpu" -codec auto -o "$work/out/auto" "${files[0]}" | sed 's/.* with //')"
# How close the outputs are to Pillow's (both JPEG q75, decoded by Pillow).
$py - "$work/out" <<'PY'
import math, os, sys
from PIL import Image, ImageChops, ImageStat
d = sys.argv[1]
for codec in ("std", "auto"):
    worst, total, n = 99.0, 0.0, 0
    for f in sorted(os.listdir(os.path.join(d, "pillow"))):
        a = Image.open(os.path.join(d, "pillow", f)).convert("RGB")
        b = Image.open(os.path.join(d, codec, f)).convert("RGB")
        rms = ImageStat.Stat(ImageChops.difference(a, b)).rms
        mse = sum(x * x for x in rms) / 3
        db = 10 * math.log10(255 * 255 / mse) if mse else 99.0
        worst, total, n = min(worst, db), total + db, n + 1
    print(f"PSNR of imgproc ({codec}) outputs against Pillow's: mean {total / n:.1f} dB, worst {worst:.1f} dB")
PY
echo "median: pillow_pool.py ${mp}s, imgproc std ${ms}s ($(echo "scale=2; $mp / $ms" | bc)x), imgproc auto ${mt}s ($(echo "scale=2; $mp / $mt" | bc)x)"
echo "median of the per-round ratios (each round runs the three back to back): std $(median <"$work/rs")x, auto $(median <"$work/rt")x"
