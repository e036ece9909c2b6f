#!/usr/bin/python3
"""Writes the hand-made files of the TIFF corpus (see make.sh).

Pillow 9.4 writes the files "as Pillow writes them"; a small TIFF writer
below writes the layouts no tool here writes directly (16-bit samples with
a varied low byte, signed and float samples, 2-, 4- and 12-bit grey, CMYK
with 16 bits and with alpha, odd sample counts, unspecified extra samples,
associated alpha, raw subsampled YCbCr, old-style JPEG, unsorted tags).
make.sh derives the compressed, planar, tiled, BigTIFF and FillOrder=2
variants from them with tiffcp. Everything is computed from src.png, the
64x48 source picture, so the output is the same on every run.
"""
import io
import struct
import sys
import zlib

from PIL import Image

SRC = Image.open("src.png").convert("RGB")
W, H = SRC.size
RGB = [SRC.getpixel((x, y)) for y in range(H) for x in range(W)]


def wiggle(x, y):
    """A low byte that varies with the position, so 16-bit precision shows."""
    return (x * 131 + y * 71) & 0xFF


def rgb16():
    return [tuple(v * 257 ^ wiggle(x + i, y) for i, v in enumerate(RGB[y * W + x]))
            for y in range(H) for x in range(W)]


def grey8():
    return [(299 * r + 587 * g + 114 * b) // 1000 for r, g, b in RGB]


def alpha8(x, y):
    return min(255, (x * 255) // (W - 1) // 2 + (y * 255) // (H - 1) // 2 + 16) if x % 7 else 0


# TIFF field types
SHORT, LONG, RATIONAL, ASCII, UNDEFINED = 3, 4, 5, 2, 7


def write_tiff(path, w, h, samples, bps, photometric, data, *, sampleformat=None, extra=None,
               planar=False, colormap=None, order="<", tags=(), shuffle=False, compression=1, tile=None):
    """Writes a TIFF of one strip (one strip per plane if planar), or of
    tile x tile tiles, uncompressed or (compression 8) with zlib.

    data is the packed pixel data (bytes), or a list of planes if planar.
    """
    planes = data if planar else [data]
    if tile:
        planes = tiles(planes, w, h, tile, bps * (1 if planar else samples) // 8)
    if compression == 8:
        planes = [zlib.compress(p, 9) for p in planes]
    entries = []

    def add(tag, typ, values):
        entries.append((tag, typ, values))

    add(256, LONG, [w])
    add(257, LONG, [h])
    add(258, SHORT, [bps] * samples)
    add(259, SHORT, [compression])
    add(262, SHORT, [photometric])
    add(324 if tile else 273, LONG, [0] * len(planes))  # patched
    add(277, SHORT, [samples])
    if tile:
        add(322, SHORT, [tile])
        add(323, SHORT, [tile])
    else:
        add(278, LONG, [h])
    add(325 if tile else 279, LONG, [len(p) for p in planes])
    add(284, SHORT, [2 if planar else 1])
    if colormap:
        add(320, SHORT, colormap)
    if extra is not None:
        add(338, SHORT, extra)
    if sampleformat:
        add(339, SHORT, [sampleformat] * samples)
    for t in tags:
        add(*t)
    entries.sort(key=lambda e: e[0])
    if shuffle:  # unsorted tags, as some old writers left them
        entries[1], entries[4] = entries[4], entries[1]
        entries[6], entries[2] = entries[2], entries[6]

    size = {SHORT: 2, LONG: 4, RATIONAL: 8, ASCII: 1, UNDEFINED: 1}
    out = bytearray(b"II*\x00" if order == "<" else b"MM\x00*")
    out += struct.pack(order + "I", 8)
    ifd_len = 2 + 12 * len(entries) + 4
    extra_at = 8 + ifd_len
    blobs = bytearray()
    offsets = []
    pix_at = None

    def pack(typ, values):
        if typ == SHORT:
            return struct.pack(order + "%dH" % len(values), *values)
        if typ == LONG:
            return struct.pack(order + "%dI" % len(values), *values)
        if typ == RATIONAL:
            return b"".join(struct.pack(order + "II", n, d) for n, d in values)
        return bytes(values)

    # lay out the pixel data after the IFD and the out-of-line values
    outline = sum(len(pack(t, v)) + (len(pack(t, v)) & 1) for _, t, v in entries if len(pack(t, v)) > 4)
    pix_at = extra_at + outline
    strip_offsets, at = [], pix_at
    for p in planes:
        strip_offsets.append(at)
        at += len(p)
    entries = [(t, ty, strip_offsets if t in (273, 324) else v) for t, ty, v in entries]
    out += struct.pack(order + "H", len(entries))
    for tag, typ, values in entries:
        raw = pack(typ, values)
        count = len(values) if typ != ASCII else len(raw)
        out += struct.pack(order + "HHI", tag, typ, count)
        if len(raw) <= 4:
            out += raw.ljust(4, b"\x00")
        else:
            out += struct.pack(order + "I", extra_at + len(blobs))
            blobs += raw
            if len(raw) & 1:
                blobs += b"\x00"
    out += struct.pack(order + "I", 0)
    out += blobs
    assert len(out) == pix_at, (len(out), pix_at)
    for p in planes:
        out += p
    with open(path, "wb") as f:
        f.write(out)


def tiles(planes, w, h, size, bpp):
    """Cuts each plane (rows of w pixels of bpp bytes) into size x size
    tiles, the edge ones padded with zeros, in the order TIFF stores them."""
    out = []
    for p in planes:
        for ty in range(0, h, size):
            for tx in range(0, w, size):
                t = bytearray()
                for y in range(ty, ty + size):
                    row = p[(y * w + tx) * bpp:(y * w + min(tx + size, w)) * bpp] if y < h else b""
                    t += row.ljust(size * bpp, b"\x00")
                out.append(bytes(t))
    return out


def pack16(values, order="<"):
    return struct.pack(order + "%dH" % len(values), *values)


def pack_bits(values, bits, w):
    """Packs samples of a few bits MSB-first, each row padded to a byte."""
    out = bytearray()
    per_row = len(values) // H
    for y in range(H):
        acc, n = 0, 0
        for v in values[y * per_row:(y + 1) * per_row]:
            acc = acc << bits | v
            n += bits
            while n >= 8:
                out.append(acc >> (n - 8) & 0xFF)
                n -= 8
        if n:
            out.append(acc << (8 - n) & 0xFF)
    return bytes(out)


def main():
    # --- written by Pillow, as Pillow writes them
    SRC.save("rgb8.tif")
    SRC.save("rgb8-lzw.tif", compression="tiff_lzw")
    rgba = SRC.copy()
    rgba.putalpha(Image.frombytes("L", (W, H), bytes(alpha8(x, y) for y in range(H) for x in range(W))))
    rgba.save("rgba8-unassoc.tif")
    SRC.convert("L").save("grey8-lzw.tif", compression="tiff_lzw")
    SRC.convert("1").save("bilevel.tif")
    SRC.convert("1").save("bilevel-g4.tif", compression="group4")
    SRC.convert("P", palette=Image.ADAPTIVE, colors=64).save("palette8.tif")
    SRC.convert("CMYK").save("cmyk8.tif")
    SRC.convert("LAB").save("lab8.tif") if "LAB" in Image.MODES else None
    la = SRC.convert("L")
    la.putalpha(rgba.getchannel("A"))
    la.save("grey-alpha8.tif")
    SRC.save("jpeg-pillow.tif", compression="jpeg", quality=90)
    Image.frombytes("F", (W, H), struct.pack("<%df" % (W * H), *[v + 0.25 * (x % 4) for y in range(H) for x, v in
                                                               enumerate(grey8()[y * W:(y + 1) * W])])).save("float32-grey.tif")

    # --- hand-made layouts
    g = grey8()
    bits = SRC.convert("1").getdata()
    write_tiff("bilevel-miniswhite.tif", W, H, 1, 1, 0, pack_bits([0 if v else 1 for v in bits], 1, W))
    write_tiff("grey8-minwhite.tif", W, H, 1, 8, 0, bytes(255 - v for v in g))
    pre = bytearray()
    for y in range(H):
        for x in range(W):
            r, gg, b = RGB[y * W + x]
            a = alpha8(x, y)
            pre += bytes(((r * a + 127) // 255, (gg * a + 127) // 255, (b * a + 127) // 255, a))
    write_tiff("rgba8-assoc.tif", W, H, 4, 8, 2, bytes(pre), extra=[1])
    rgbx = bytearray()
    for y in range(H):
        for x in range(W):
            rgbx += bytes(RGB[y * W + x]) + bytes((wiggle(x, y),))
    write_tiff("rgb8-extra-unspecified.tif", W, H, 4, 8, 2, bytes(rgbx), extra=[0])
    five = bytearray()
    for y in range(H):
        for x in range(W):
            five += bytes(RGB[y * W + x]) + bytes((alpha8(x, y), wiggle(x, y)))
    write_tiff("rgba8-extra2.tif", W, H, 5, 8, 2, bytes(five), extra=[2, 0])

    c16 = rgb16()
    g16 = [v * 257 ^ wiggle(i % W, i // W) for i, v in enumerate(g)]
    write_tiff("grey16.tif", W, H, 1, 16, 1, pack16(g16))
    write_tiff("rgb16.tif", W, H, 3, 16, 2, pack16([s for p in c16 for s in p]))
    c16planes = [pack16([p[i] for p in c16]) for i in range(3)]
    write_tiff("planar-rgb16.tif", W, H, 3, 16, 2, c16planes, planar=True)
    # (tiffcp garbles the low bytes when it tiles 16-bit planes)
    write_tiff("planar-rgb16-tiled.tif", W, H, 3, 16, 2, c16planes, planar=True, tile=16)
    write_tiff("planar-rgb16-tiled-zip.tif", W, H, 3, 16, 2, c16planes, planar=True, tile=32, compression=8)
    write_tiff("rgb16-be.tif", W, H, 3, 16, 2, pack16([s for p in c16 for s in p], ">"), order=">")
    rgba16 = []
    for i, p in enumerate(c16):
        rgba16 += list(p) + [alpha8(i % W, i // W) * 257 ^ wiggle(i // W, i % W)]
    write_tiff("rgba16-unassoc.tif", W, H, 4, 16, 2, pack16(rgba16), extra=[2])
    write_tiff("grey-alpha16.tif", W, H, 2, 16, 1,
               pack16([s for i, v in enumerate(g16) for s in (v, alpha8(i % W, i // W) * 257)]), extra=[2])
    cmyk = list(SRC.convert("CMYK").getdata())
    write_tiff("cmyk16.tif", W, H, 4, 16, 5, pack16([s * 257 ^ wiggle(i, 0) for p in cmyk for i, s in enumerate(p)]))
    write_tiff("cmyka8.tif", W, H, 5, 8, 5,
               bytes(s for i, p in enumerate(cmyk) for s in p + (alpha8(i % W, i // W),)), extra=[2])

    # signed and floating-point samples
    write_tiff("int16-grey.tif", W, H, 1, 16, 1, struct.pack("<%dh" % (W * H), *[(v - 128) * 200 for v in g]),
               sampleformat=2)
    write_tiff("int8-grey.tif", W, H, 1, 8, 1, struct.pack("<%db" % (W * H), *[v - 128 for v in g]), sampleformat=2)
    write_tiff("float32-rgb.tif", W, H, 3, 32, 2,
               struct.pack("<%df" % (3 * W * H), *[s + 0.5 * (i % 2) - 0.25 for i, p in enumerate(RGB) for s in p]),
               sampleformat=3)

    # 2-, 4- and 12-bit grey, 4-bit palette, 4-bit RGB
    write_tiff("grey2.tif", W, H, 1, 2, 1, pack_bits([v >> 6 for v in g], 2, W))
    write_tiff("grey4.tif", W, H, 1, 4, 1, pack_bits([v >> 4 for v in g], 4, W))
    write_tiff("grey12.tif", W, H, 1, 12, 1, pack_bits([v16 >> 4 for v16 in g16], 12, W))
    pal = SRC.quantize(16)
    cm = pal.getpalette()[:48]
    cmap = [c * 257 for c in cm[0::3]] + [c * 257 for c in cm[1::3]] + [c * 257 for c in cm[2::3]]
    write_tiff("palette4.tif", W, H, 1, 4, 3, pack_bits(list(pal.getdata()), 4, W), colormap=cmap)
    write_tiff("rgb4.tif", W, H, 3, 4, 2, pack_bits([s >> 4 for p in RGB for s in p], 4, W))

    # unsorted tags
    write_tiff("unsorted-tags.tif", W, H, 3, 8, 2, bytes(s for p in RGB for s in p), shuffle=True)

    # raw YCbCr, 4:2:0 (2x2 subsampling), as libtiff reads it: blocks of
    # Y00 Y01 Y10 Y11 Cb Cr, with the JPEG (BT.601 full range) coefficients
    blocks = bytearray()
    for by in range(0, H, 2):
        for bx in range(0, W, 2):
            ys, cbs, crs = [], 0, 0
            for dy in (0, 1):
                for dx in (0, 1):
                    r, gg, b = RGB[(by + dy) * W + bx + dx]
                    ys.append(round(0.299 * r + 0.587 * gg + 0.114 * b))
                    cbs += -0.168736 * r - 0.331264 * gg + 0.5 * b + 128
                    crs += 0.5 * r - 0.418688 * gg - 0.081312 * b + 128
            blocks += bytes(ys) + bytes((max(0, min(255, round(cbs / 4))), max(0, min(255, round(crs / 4)))))
    write_tiff("ycbcr420-raw.tif", W, H, 3, 8, 6, bytes(blocks),
               tags=[(530, SHORT, [2, 2]), (531, SHORT, [1]),
                     (532, RATIONAL, [(0, 1), (255, 1), (128, 1), (255, 1), (128, 1), (255, 1)])])

    # old-style JPEG (compression 6): a whole JFIF stream pointed to by
    # JPEGInterchangeFormat, as some scanners and old Photoshop wrote them
    buf = io.BytesIO()
    SRC.save(buf, "JPEG", quality=90, subsampling=0)
    jpeg = buf.getvalue()
    write_tiff("ojpeg.tif", W, H, 3, 8, 6, jpeg, compression=6,
               tags=[(512, SHORT, [1]), (513, LONG, [0]), (514, LONG, [len(jpeg)]),
                     (530, SHORT, [1, 1])])
    patch_ojpeg("ojpeg.tif")


def patch_ojpeg(path):
    """Points JPEGInterchangeFormat (513) at the strip, where the JFIF stream is."""
    d = bytearray(open(path, "rb").read())
    n = struct.unpack_from("<H", d, 8)[0]
    strip = None
    for i in range(n):
        tag, typ, cnt, val = struct.unpack_from("<HHII", d, 10 + 12 * i)
        if tag == 273:
            strip = val
    for i in range(n):
        tag = struct.unpack_from("<H", d, 10 + 12 * i)[0]
        if tag == 513:
            struct.pack_into("<I", d, 10 + 12 * i + 8, strip)
    open(path, "wb").write(d)


if __name__ == "__main__":
    sys.exit(main())
