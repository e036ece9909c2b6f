#!/usr/bin/env bash
# Regenerates the TIFF corpus in this folder from src.png (a 64x48 crop of
# scikit-image's chelsea, written by Pillow). Needs /usr/bin/python3 with
# Pillow (Debian python3-pil), libtiff's tools (libtiff-tools), ImageMagick
# (imagemagick) and libvips (libvips-tools). Then refresh the golden digests:
#   go test ./imgproc -run TestTIFFCorpus -update
set -euo pipefail
cd "$(dirname "$0")"
rm -f -- *.tif

# Files Pillow writes, and the layouts gen.py writes by hand.
/usr/bin/python3 gen.py

# Compressions, predictors, tiles and byte orders, with libtiff's tiffcp.
tiffcp -c zip:2 rgb8.tif rgb8-zip-pred.tif
tiffcp -c packbits -t -w 16 -l 16 rgb8.tif rgb8-packbits-tiled.tif
tiffcp -c lzw:2 rgb16.tif rgb16-lzw-pred.tif
tiffcp -B grey16.tif grey16-be.tif
tiffcp -c lzma rgb8.tif rgb8-lzma.tif
tiffcp -c zstd rgb8.tif rgb8-zstd.tif
tiffcp -c webp rgb8.tif rgb8-webp.tif
tiffcp -c lzw:3 float32-grey.tif float32-grey-fpred.tif

# Separate colour planes (PlanarConfiguration 2), in strips and in tiles.
tiffcp -p separate rgb8.tif planar-rgb8.tif
tiffcp -p separate -c lzw rgb8.tif planar-rgb8-lzw.tif
tiffcp -p separate -c lzw rgba8-unassoc.tif planar-rgba8-lzw.tif
# (tiffcp changes the planar configuration of 8-bit samples only, and
# garbles 16-bit planes when it tiles them: gen.py writes planar-rgb16.tif,
# one strip per plane, and planar-rgb16-tiled*.tif.)
tiffcp -c lzw:2 planar-rgb16.tif planar-rgb16-lzw-pred.tif
tiffcp -p separate -c lzw cmyk8.tif planar-cmyk8-lzw.tif

# FillOrder 2 (bits of each byte stored least significant first).
tiffcp -f lsb2msb grey16.tif fillorder2-grey16.tif
tiffcp -f lsb2msb rgb8.tif fillorder2-rgb8.tif
tiffcp -f lsb2msb -c g3 bilevel.tif fillorder2-g3.tif

# CCITT fax compressions of the bilevel picture.
tiffcp -c g3 bilevel.tif bilevel-g3.tif
tiffcp -c g3:2d bilevel.tif bilevel-g3-2d.tif
tiffcp -c g4 bilevel.tif bilevel-g4-tiffcp.tif
tiffcp -c g3 bilevel-miniswhite.tif bilevel-miniswhite-g3.tif
tiffcp -c g4 bilevel-miniswhite.tif bilevel-miniswhite-g4.tif

# JPEG inside TIFF: YCbCr 4:2:0 as tiffcp writes it, RGB, grey, tiled.
tiffcp -r 16 -c jpeg:90 rgb8.tif jpeg-ycbcr.tif
tiffcp -r 16 -c jpeg:r:90 rgb8.tif jpeg-rgb.tif
tiffcp -r 16 -c jpeg:90 grey8-lzw.tif jpeg-grey.tif
tiffcp -c jpeg:90 -t -w 16 -l 16 rgb8.tif jpeg-ycbcr-tiled.tif

# CIE L*a*b*: Pillow's (lab8.tif), LZW-compressed, 16-bit from ImageMagick,
# and libvips' 8-bit CIELAB.
tiffcp -c lzw lab8.tif lab8-lzw.tif
convert src.png -colorspace Lab -depth 16 -compress zip lab16-im.tif
vips colourspace src.png lab.v labq && vips tiffsave lab.v lab8-vips.tif --compression none 2>/dev/null ||
	vips copy src.png'[0]' lab8-vips.tif
rm -f lab.v

# CMYK from ImageMagick (16-bit, ZIP), and a CMYK LZW from tiffcp.
convert cmyk8.tif -depth 16 -compress zip cmyk16-im.tif
tiffcp -c lzw cmyk8.tif cmyk8-lzw.tif

# BigTIFF.
tiffcp -8 rgb8.tif bigtiff-rgb8.tif
tiffcp -8 -c lzw grey16.tif bigtiff-grey16-lzw.tif

# Orientation 6 (the picture is stored rotated), and two pages.
tiffcp rgb8.tif orient6.tif && tiffset -s 274 6 orient6.tif
tiffcp -8 orient6.tif bigtiff-orient6.tif
tiffcp rgb8.tif grey8-lzw.tif multipage.tif

# A file cut short: 6000 of its 11196 bytes (the directory, at the end, is lost).
head -c 6000 rgb8-lzw.tif >truncated-lzw.tif
# The directory first, the pixels cut at 4000 of 6144 bytes.
head -c 4000 grey16.tif >truncated-raw.tif

ls -l -- *.tif | awk '{n++; s+=$5} END {print n " files, " s " bytes"}'
