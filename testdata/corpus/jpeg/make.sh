#!/usr/bin/env bash
# Writes the JPEG files of fanout's decode corpus from one small photo
# (the coffee test photo, scikit-image, public domain): every chroma
# subsampling libjpeg writes, grey, CMYK and YCCK, progressive, restart
# markers, arithmetic coding, odd sizes, and files to refuse. Needs
# /usr/bin/python3 with Pillow and cjpeg (Debian libjpeg-turbo-progs).
# Run from this folder: bash make.sh
set -euo pipefail
src=../../imgproc/coffee-444.jpg
py=/usr/bin/python3
$py - "$src" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB").resize((61, 41))
im.save("src.ppm")
im.convert("L").save("src.pgm")
im.save("pillow-420.jpg", quality=85)
im.save("pillow-422.jpg", quality=85, subsampling=1)
im.save("pillow-444.jpg", quality=85, subsampling=0)
im.save("pillow-progressive.jpg", quality=85, progressive=True)
im.convert("L").save("pillow-grey.jpg", quality=85)
im.convert("CMYK").save("pillow-cmyk.jpg", quality=85)
im.resize((1, 1)).save("one-pixel.jpg")
im.resize((3, 2)).save("three-by-two.jpg")
PY
for s in 1x2 4x1 2x2 2x1; do cjpeg -quality 85 -sample "$s" -outfile "cjpeg-$s.jpg" src.ppm; done
cjpeg -quality 85 -restart 1 -outfile cjpeg-restart.jpg src.ppm
cjpeg -quality 85 -arithmetic -outfile cjpeg-arithmetic.jpg src.ppm
cjpeg -quality 85 -progressive -sample 2x2 -outfile cjpeg-progressive.jpg src.ppm
cjpeg -quality 85 -optimize -outfile cjpeg-optimized.jpg src.ppm
cjpeg -quality 85 -rgb -outfile cjpeg-rgb.jpg src.ppm
cjpeg -quality 85 -grayscale -outfile cjpeg-grey.jpg src.ppm
cjpeg -quality 85 -sample 1x1 -smooth 50 -outfile cjpeg-smooth.jpg src.ppm
# Refused: lossless JPEG (SOF3), which neither Pillow 9.4's libjpeg nor
# image/jpeg reads, and a file cut in its scan.
cjpeg -lossless 1 -outfile cjpeg-lossless.jpg src.ppm 2>/dev/null || echo "cjpeg has no -lossless: cjpeg-lossless.jpg not made"
head -c 900 pillow-420.jpg >truncated.jpg
rm -f src.ppm src.pgm
