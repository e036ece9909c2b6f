#!/usr/bin/python3
"""Writes the ICC profiles and the tagged images of fanout's sRGB
conversion tests (imgproc/lcms and imgproc.ToSRGB). Run from this folder:
/usr/bin/python3 make.py (Debian's python3-pil, Pillow 9.4, for the images).

The profiles are written byte by byte from published numbers:

  display-p3-v4.icc   Display P3: DCI-P3 primaries (0.680, 0.320),
                      (0.265, 0.690), (0.150, 0.060), D65 white
                      (0.3127, 0.3290), the sRGB transfer function (IEC
                      61966-2-1) as a parametricCurve of type 3, as Apple's
                      profile stores it; ICC v4.3 with chad.
  prophoto-v4.icc     ProPhoto RGB (ROMM RGB, ISO 22028-2): primaries
                      (0.7347, 0.2653), (0.1596, 0.8404), (0.0366, 0.0001),
                      D50 white, gamma 1.8 with the linear toe of slope 16
                      below 1/512 (parametric type 3: g 1.8, a 1, b 0,
                      c 1/16, d 1/32); v4.3.
  rec2020-para-v4.icc Rec. ITU-R BT.2020 primaries (0.708, 0.292),
                      (0.170, 0.797), (0.131, 0.046), D65, one parametric
                      curve type per channel: red type 0 (gamma 2.2), green
                      type 1 (CIE 122-1966: g 2.4, a 1/1.055, b 0.055/1.055),
                      blue type 2 (IEC 61966-3, the same with c 0); v4.3.
  black-offset-v4.icc the Display P3 colorants with parametric type 4
                      curves whose f (0.01) lifts black off zero, so that
                      LittleCMS's black point compensation (on for v4
                      profiles at the perceptual intent) has work to do.
  gray-gamma22-v2.icc grey, gamma 2.2 (the curv u8Fixed8 0x0233, as
                      Photoshop's "Gray Gamma 2.2" stores it), D50; v2.1.
  cmyk-lut-v2.icc     a CMYK output profile whose A2B0 (lut16, 9 grid points
                      a channel, Lab PCS) is a naive ink model: sRGB values
                      (1-C)(1-K), (1-M)(1-K), (1-Y)(1-K) taken to Lab D50.
                      Made for these tests: no free CMYK profile ships with
                      Debian (Ghostscript's are AGPL).
  rgb-lut-v2.icc      an RGB display profile implemented by an A2B0 lut16
                      (9 points, Lab PCS) sampling Display P3, and no
                      colorant tags: LUT-based, for the pure-Go path to
                      refuse.
  srgb-lcms-v4.icc    the sRGB profile Pillow's ImageCms.createProfile("sRGB")
                      makes (LittleCMS 2.14's built-in), saved by Pillow.

Copied unchanged from Debian's icc-profiles-free 2.0.1 (Zlib licence):
adobe-rgb-compatible.icc (compatibleWithAdobeRGB1998.icc, Graeme Gill,
"Public Domain"), srgb-v2-tables.icc (sRGB.icc: 1024-entry curves, v2.3),
lstar-rgb.icc (LStar-RGB.icc, basICColor: 256-entry L* curves, v2.1).

The images (all made for this project from computed pixels):

  cube-*.png    64x64 RGB, the 4096 colours of a 16-level cube (0, 17, ...,
                255 per channel), tagged with the profile named.
  cube-p3-alpha.png  the same, RGBA, alpha a gradient, Display P3.
  cube-adobe.jpg     the cube as a JPEG (quality 95, 4:4:4), Adobe RGB.
  gray-gamma22.png, gray-gamma22.jpg  a 16x16 grey ramp (0 to 255) tagged
                with the grey gamma 2.2 profile (PNG "L", JPEG greyscale).
  cmyk-lut.jpg  a 32x32 CMYK JPEG (Pillow writes Adobe-inverted CMYK) of
                ink combinations, tagged with cmyk-lut-v2.icc.
  rgb16-p3.png  32x32 RGB, 16 bits a sample (written here: Pillow 9.4
                writes no 16-bit RGB PNG), samples spread over the 16-bit
                range, Display P3 profile in iCCP.
  cube-srgb-v2.png   the cube tagged with srgb-v2-tables.icc.
"""
import io
import math
import struct
import zlib

from PIL import Image, ImageCms

D50 = (0.9642, 1.0, 0.8249)


def s15(v):
    return struct.pack(">i", int(round(v * 65536)))


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def xyz_tag(x, y, z):
    return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)


def desc_tag(text, v4):
    if v4:
        s = text.encode("utf-16-be")
        return b"mluc\0\0\0\0" + struct.pack(">II", 1, 12) + b"enUS" + struct.pack(">II", len(s), 28) + s
    a = text.encode("ascii") + b"\0"
    return b"desc\0\0\0\0" + struct.pack(">I", len(a)) + a + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\0" * 67


def text_tag(text, v4):
    if v4:
        return desc_tag(text, True)
    return b"text\0\0\0\0" + text.encode("ascii") + b"\0"


def curv_gamma(fixed88):
    return b"curv\0\0\0\0" + struct.pack(">IH", 1, fixed88)


def para(ftype, params):
    return b"para\0\0\0\0" + struct.pack(">HH", ftype, 0) + b"".join(s15(p) for p in params)


def sf32(m):
    return b"sf32\0\0\0\0" + b"".join(s15(v) for row in m for v in row)


def profile(cls, space, pcs, version, tags):
    """tags: list of (signature, data); identical data objects are shared."""
    n = len(tags)
    offset = 128 + 4 + 12 * n
    table, body, seen = b"", b"", {}
    for sig, data in tags:
        key = id(data)
        if key not in seen:
            seen[key] = (offset + len(body), len(data))
            body += pad4(data)
        off, size = seen[key]
        table += sig.encode() + struct.pack(">II", off, size)
    size = 128 + 4 + len(table) + len(body)
    hdr = struct.pack(">I", size) + b"fnot" + struct.pack(">I", version) + cls.encode() + space.encode() + pcs.encode()
    hdr += struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 4 + b"\0" * 4 + b"\0" * 8 + b"\0" * 8
    hdr += struct.pack(">I", 0) + s15(D50[0]) + s15(D50[1]) + s15(D50[2]) + b"fnot"
    hdr += b"\0" * (128 - len(hdr))
    assert len(hdr) == 128
    return hdr + struct.pack(">I", n) + table + body


# Colour science, in double precision.

def mat_mul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(3)) for j in range(3)] for i in range(3)]


def mat_vec(a, v):
    return [sum(a[i][k] * v[k] for k in range(3)) for i in range(3)]


def mat_inv(m):
    a, b, c = m[0]
    d, e, f = m[1]
    g, h, i = m[2]
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    return [[(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
            [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
            [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det]]


BRADFORD = [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]]


def xy_to_xyz(x, y):
    return [x / y, 1.0, (1 - x - y) / y]


def bradford(src_white, dst_white):
    cs, cd = mat_vec(BRADFORD, src_white), mat_vec(BRADFORD, dst_white)
    scale = [[cd[0] / cs[0], 0, 0], [0, cd[1] / cs[1], 0], [0, 0, cd[2] / cs[2]]]
    return mat_mul(mat_inv(BRADFORD), mat_mul(scale, BRADFORD))


def rgb_to_xyz(primaries, white):
    """The RGB to XYZ matrix of primaries [(x, y)] * 3 and white (x, y)."""
    p = [[primaries[j][0] for j in range(3)], [primaries[j][1] for j in range(3)],
         [1 - primaries[j][0] - primaries[j][1] for j in range(3)]]
    w = xy_to_xyz(*white)
    s = mat_vec(mat_inv(p), w)
    return [[p[i][j] * s[j] for j in range(3)] for i in range(3)]


def colorants(primaries, white):
    """Colorant columns adapted to D50, and the chad matrix."""
    m = rgb_to_xyz(primaries, white)
    chad = bradford(xy_to_xyz(*white), list(D50))
    return mat_mul(chad, m), chad


def rgb_profile(name, primaries, white, trcs, v4=True):
    m, chad = colorants(primaries, white)
    tags = [("desc", desc_tag(name + " (made for fanout tests)", v4)),
            ("cprt", text_tag("No copyright, use freely", v4)),
            ("wtpt", xyz_tag(*D50))]
    if v4 and white != (0.3457, 0.3585):
        tags.append(("chad", sf32(chad)))
    for i, sig in enumerate(("rXYZ", "gXYZ", "bXYZ")):
        tags.append((sig, xyz_tag(m[0][i], m[1][i], m[2][i])))
    for sig, trc in zip(("rTRC", "gTRC", "bTRC"), trcs):
        tags.append((sig, trc))
    return profile("mntr", "RGB ", "XYZ ", 0x04300000 if v4 else 0x02100000, tags)


def srgb_decode(v):
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def xyz_to_lab(xyz):
    def f(t):
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t * (29 / 6) ** 2 / 3 + 4 / 29
    fx, fy, fz = (f(xyz[i] / D50[i]) for i in range(3))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def lab16_v2(lab):
    L, a, b = lab
    enc = (L * 65280 / 100, (a + 128) * 256, (b + 128) * 256)
    return [max(0, min(65535, int(round(v)))) for v in enc]


def lut16(n_in, grid, fn):
    """An mft2 tag with identity curves (2 entries) and a grid of 16-bit Lab."""
    out = b"mft2\0\0\0\0" + struct.pack(">BBBB", n_in, 3, grid, 0)
    out += b"".join(s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
    out += struct.pack(">HH", 2, 2)
    out += struct.pack(">HH", 0, 65535) * n_in
    samples = []
    for idx in range(grid ** n_in):
        coords, k = [], idx
        for _ in range(n_in):
            coords.append(k % grid)
            k //= grid
        coords.reverse()  # the first channel varies slowest
        samples.extend(lab16_v2(fn([c / (grid - 1) for c in coords])))
    out += struct.pack(">%dH" % len(samples), *samples)
    out += struct.pack(">HH", 0, 65535) * 3
    return out


SRGB_PARA = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
P3 = [(0.680, 0.320), (0.265, 0.690), (0.150, 0.060)]
D65 = (0.3127, 0.3290)
SRGB = [(0.64, 0.33), (0.30, 0.60), (0.15, 0.06)]


def srgb_lab(rgb):
    m, _ = colorants(SRGB, D65)
    return xyz_to_lab(mat_vec(m, [srgb_decode(v) for v in rgb]))


def p3_lab(rgb):
    m, _ = colorants(P3, D65)
    return xyz_to_lab(mat_vec(m, [srgb_decode(v) for v in rgb]))


def cmyk_lab(cmyk):
    c, m, y, k = cmyk
    return srgb_lab([(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)])


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


def png16(name, width, height, rows, icc):
    """A 16-bit RGB PNG: rows of (r, g, b) tuples; iCCP holds icc."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\0" + b"".join(struct.pack(">3H", *p) for p in row) for row in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, 2, 0, 0, 0))
    out += chunk(b"iCCP", b"Display P3\0\0" + zlib.compress(icc, 9))
    out += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    write(name, out)


def main():
    p3 = rgb_profile("Display P3", P3, D65, [para(3, SRGB_PARA)] * 3)
    write("display-p3-v4.icc", p3)
    write("prophoto-v4.icc", rgb_profile(
        "ProPhoto RGB", [(0.7347, 0.2653), (0.1596, 0.8404), (0.0366, 0.0001)], (0.3457, 0.3585),
        [para(3, (1.8, 1, 0, 1 / 16, 1 / 32))] * 3))
    write("rec2020-para-v4.icc", rgb_profile(
        "Rec. 2020 parametric curves", [(0.708, 0.292), (0.170, 0.797), (0.131, 0.046)], D65,
        [para(0, (2.2,)), para(1, (2.4, 1 / 1.055, 0.055 / 1.055)), para(2, (2.4, 1 / 1.055, 0.055 / 1.055, 0))]))
    write("black-offset-v4.icc", rgb_profile(
        "Display P3 lifted black", P3, D65,
        [para(4, (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045, 0.01, 0.01))] * 3))
    write("gray-gamma22-v2.icc", profile("mntr", "GRAY", "XYZ ", 0x02100000, [
        ("desc", desc_tag("Gray Gamma 2.2 (made for fanout tests)", False)),
        ("cprt", text_tag("No copyright, use freely", False)),
        ("wtpt", xyz_tag(*D50)),
        ("kTRC", curv_gamma(0x0233))]))
    write("cmyk-lut-v2.icc", profile("prtr", "CMYK", "Lab ", 0x02100000, [
        ("desc", desc_tag("Naive CMYK ink model (made for fanout tests)", False)),
        ("cprt", text_tag("No copyright, use freely", False)),
        ("wtpt", xyz_tag(*D50)),
        ("A2B0", lut16(4, 9, cmyk_lab))]))
    write("rgb-lut-v2.icc", profile("mntr", "RGB ", "Lab ", 0x02100000, [
        ("desc", desc_tag("Display P3 as a LUT (made for fanout tests)", False)),
        ("cprt", text_tag("No copyright, use freely", False)),
        ("wtpt", xyz_tag(*D50)),
        ("A2B0", lut16(3, 9, p3_lab))]))
    write("srgb-lcms-v4.icc", ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())

    cube = Image.new("RGB", (64, 64))
    cube.putdata([(17 * (i // 256), 17 * (i // 16 % 16), 17 * (i % 16)) for i in range(4096)])
    for name, icc in [("p3", "display-p3-v4.icc"), ("adobe", "adobe-rgb-compatible.icc"),
                      ("prophoto", "prophoto-v4.icc"), ("rec2020-para", "rec2020-para-v4.icc"),
                      ("black-offset", "black-offset-v4.icc"), ("lstar", "lstar-rgb.icc"),
                      ("rgb-lut", "rgb-lut-v2.icc"), ("srgb-v2", "srgb-v2-tables.icc")]:
        cube.save("cube-%s.png" % name, icc_profile=open(icc, "rb").read())
    alpha = cube.convert("RGBA")
    alpha.putalpha(Image.linear_gradient("L").resize((64, 64)))
    alpha.save("cube-p3-alpha.png", icc_profile=p3)
    cube.save("cube-adobe.jpg", quality=95, subsampling=0, icc_profile=open("adobe-rgb-compatible.icc", "rb").read())

    gray = Image.new("L", (16, 16))
    gray.putdata(list(range(256)))
    g22 = open("gray-gamma22-v2.icc", "rb").read()
    gray.save("gray-gamma22.png", icc_profile=g22)
    gray.save("gray-gamma22.jpg", quality=95, icc_profile=g22)

    cmyk = Image.new("CMYK", (32, 32))
    cmyk.putdata([(85 * (i % 4), 85 * (i // 4 % 4), 85 * (i // 16 % 4), 51 * (i // 64 % 6) if i < 384 else 255 * (i % 2))
                  for i in range(1024)])
    cmyk.save("cmyk-lut.jpg", quality=95, icc_profile=open("cmyk-lut-v2.icc", "rb").read())

    rows = []
    for y in range(32):
        row = []
        for x in range(32):
            i = y * 32 + x
            row.append(((i * 2053) % 65536, (i * 40503 + 977) % 65536, ((i // 32) * 2114 + (i % 32) * 3) % 65536))
        rows.append(row)
    png16("rgb16-p3.png", 32, 32, rows, p3)


if __name__ == "__main__":
    main()
