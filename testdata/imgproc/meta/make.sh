#!/usr/bin/env bash
# Writes the metadata test files: the coffee photo (scikit-image, public
# domain) small, as JPEG, PNG and WebP, tagged by exiftool (Debian
# libimage-exiftool-perl) with EXIF (orientation 6, copyright, GPS), XMP
# (creator, rights, and an orientation of 6 as well) and, in the JPEG,
# IPTC (by-line, keywords). Run from this folder: bash make.sh
set -euo pipefail
/usr/bin/python3 - <<'PY'
from PIL import Image
im = Image.open("../coffee-444.jpg").convert("RGB").resize((60, 40))
im.save("tagged.jpg", quality=90)
im.save("tagged.png")
im.save("tagged.webp", quality=90)
PY
for f in tagged.jpg tagged.png tagged.webp; do
	exiftool -q -overwrite_original -n \
		-EXIF:Orientation=6 -EXIF:Copyright="(c) fanout test" -EXIF:Artist="Test Camera" \
		-EXIF:GPSLatitude=48.8584 -EXIF:GPSLatitudeRef=N -EXIF:GPSLongitude=2.2945 -EXIF:GPSLongitudeRef=E \
		-XMP-dc:Creator="Ada Tester" -XMP-dc:Rights="CC0 test file" -XMP-tiff:Orientation=6 "$f"
done
exiftool -q -overwrite_original -IPTC:By-line="Ada Tester" -IPTC:Keywords=coffee -IPTC:Keywords=test tagged.jpg
