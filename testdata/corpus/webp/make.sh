#!/usr/bin/env bash
# Writes the WebP files of fanout's decode corpus from one small photo
# (the coffee test photo, scikit-image, public domain) and a translucent
# copy of it: lossy and lossless, with alpha (lossless, lossy, filtered),
# odd and tiny sizes, with ICC and EXIF chunks, animated with mixed
# frames, and a cut file. Needs /usr/bin/python3 with Pillow and the
# Debian webp package (cwebp, img2webp, webpmux). Run from this folder:
# bash make.sh
set -euo pipefail
src=../../imgproc/coffee-444.jpg
/usr/bin/python3 - "$src" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB").resize((61, 41))
im.save("src.png")
a = im.convert("RGBA")
a.putalpha(Image.linear_gradient("L").resize((61, 41)))
a.save("src-alpha.png")
im.resize((1, 1)).save("src-1x1.png")
im.resize((3, 2)).save("src-3x2.png")
im.transpose(Image.FLIP_LEFT_RIGHT).save("src-flip.png")
open("exif.bin", "wb").write(bytes.fromhex("4d4d002a00000008000101120003000000010001000000000000"))
PY
cwebp -quiet -q 75 src.png -o lossy.webp
cwebp -quiet -q 30 -sharp_yuv src.png -o lossy-sharp-yuv.webp
cwebp -quiet -q 75 src-alpha.png -o lossy-alpha.webp
cwebp -quiet -q 75 -alpha_q 40 -alpha_filter best src-alpha.png -o lossy-alpha-lossy.webp
cwebp -quiet -q 75 -alpha_method 0 src-alpha.png -o lossy-alpha-raw.webp
cwebp -quiet -lossless src.png -o lossless.webp
cwebp -quiet -lossless src-alpha.png -o lossless-alpha.webp
cwebp -quiet -lossless -exact src-alpha.png -o lossless-alpha-exact.webp
cwebp -quiet -near_lossless 40 src.png -o near-lossless.webp
cwebp -quiet -q 75 src-1x1.png -o lossy-1x1.webp
cwebp -quiet -q 75 src-3x2.png -o lossy-3x2.webp
cwebp -quiet -lossless src-3x2.png -o lossless-3x2.webp
webpmux -set exif exif.bin lossy.webp -o lossy-exif.webp
/usr/bin/python3 -c "from PIL import ImageCms; open('icc.bin', 'wb').write(ImageCms.ImageCmsProfile(ImageCms.createProfile('sRGB')).tobytes())"
webpmux -set icc icc.bin lossless.webp -o lossless-icc.webp
img2webp -loop 2 -d 80 -lossy src.png -d 120 -lossless src-flip.png -d 50 -lossy src-alpha.png -o animated-mixed.webp
head -c 300 lossy.webp >truncated.webp
rm -f src*.png exif.bin icc.bin
