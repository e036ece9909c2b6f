#!/usr/bin/python3
"""Writes the BMP files of fanout's decode corpus, byte by byte, so that
every header, depth, mask layout and RLE escape Pillow 9.4 reads is there,
and a few it refuses. Run from this folder: /usr/bin/python3 make.py.
Files whose right pixels are not Pillow's (Pillow's RLE reader is wrong on
them) get an .expected.png with the pixels the format defines, written
with Pillow from rows computed here."""
import struct, zlib

W, H = 13, 6


def palette(n, grey=False):
    out = []
    for i in range(n):
        if grey:
            out.append((i * 255 // max(n - 1, 1),) * 3)
        else:
            out.append(((i * 67) % 256, (i * 151 + 40) % 256, (255 - i * 29) % 256))
    return out


def bmp(name, width, height, bits, rows, pal=None, header=40, compression=0,
        masks=None, topdown=False, colors=None, entry=4, raw=None, cut=0):
    """rows: stored rows, bottom-up unless topdown, each as bytes without padding."""
    if raw is None:
        stride = (width * bits + 31) // 32 * 4
        raw = b"".join(r + b"\0" * (stride - len(r)) for r in rows)
    pal_bytes = b""
    if pal is not None:
        for r, g, b in pal:
            pal_bytes += bytes([b, g, r]) + (b"\0" if entry == 4 else b"")
    extra = b""
    if header == 12:
        info = struct.pack("<IHHHH", 12, width, height, 1, bits)
    else:
        h = -height if topdown else height
        ncolors = colors if colors is not None else (len(pal) if pal else 0)
        info = struct.pack("<IiiHHIIiiII", header, width, h, 1, bits, compression, len(raw), 2835, 2835, ncolors, 0)
        if header > 40:
            m = list(masks or (0, 0, 0, 0))
            info += struct.pack("<IIII", *m)
            info += b"\0" * (header - len(info))
        elif masks is not None:
            extra = struct.pack("<III", *masks[:3])
    offset = 14 + len(info) + len(extra) + len(pal_bytes)
    data = info + extra + pal_bytes + raw
    if cut:
        data = data[:-cut]
    with open(name, "wb") as f:
        f.write(b"BM" + struct.pack("<IHHI", 14 + len(info) + len(extra) + len(pal_bytes) + len(raw), 0, 0, offset) + data)


def pack(indices, bits):
    out, acc, n = bytearray(), 0, 0
    for v in indices:
        acc = (acc << bits) | v
        n += bits
        if n == 8:
            out.append(acc)
            acc, n = 0, 0
    if n:
        out.append(acc << (8 - n))
    return bytes(out)


def idx(x, y, n):
    return (x * 3 + y * 5 + x * y) % n


# Palettes: 1, 2, 4 and 8 bits; grey palettes; short palettes; OS/2 headers.
bmp("pal1.bmp", W, H, 1, [pack([idx(x, y, 2) for x in range(W)], 1) for y in range(H)], palette(2))
bmp("pal1-grey.bmp", W, H, 1, [pack([idx(x, y, 2) for x in range(W)], 1) for y in range(H)], [(0, 0, 0), (255, 255, 255)])
bmp("pal4.bmp", W, H, 4, [pack([idx(x, y, 16) for x in range(W)], 4) for y in range(H)], palette(16))
bmp("pal8.bmp", W, H, 8, [bytes(idx(x, y, 256) for x in range(W)) for y in range(H)], palette(256))
bmp("pal8-topdown.bmp", W, H, 8, [bytes(idx(x, y, 256) for x in range(W)) for y in range(H)], palette(256), topdown=True)
bmp("pal8-grey.bmp", W, H, 8, [bytes(idx(x, y, 256) for x in range(W)) for y in range(H)], palette(256, grey=True))
bmp("pal8-short-palette.bmp", W, H, 8, [bytes(idx(x, y, 40) for x in range(W)) for y in range(H)], palette(20))
bmp("pal8-os2.bmp", W, H, 8, [bytes(idx(x, y, 256) for x in range(W)) for y in range(H)], palette(256), header=12, entry=3)
bmp("pal4-v5.bmp", W, H, 4, [pack([idx(x, y, 16) for x in range(W)], 4) for y in range(H)], palette(16), header=124)

# 16, 24 and 32 bits.
def px(x, y):
    return ((x * 19 + y * 7) % 256, (x * 5 + y * 31) % 256, (x * y * 11 + 60) % 256, (x * 40 + y * 9) % 256)

bmp("rgb555.bmp", W, H, 16, [b"".join(struct.pack("<H", (px(x, y)[0] >> 3) << 10 | (px(x, y)[1] >> 3) << 5 | px(x, y)[2] >> 3) for x in range(W)) for y in range(H)])
bmp("rgb565-bitfields.bmp", W, H, 16, [b"".join(struct.pack("<H", (px(x, y)[0] >> 3) << 11 | (px(x, y)[1] >> 2) << 5 | px(x, y)[2] >> 3) for x in range(W)) for y in range(H)], compression=3, masks=(0xF800, 0x7E0, 0x1F))
bmp("rgb555-bitfields-v4.bmp", W, H, 16, [b"".join(struct.pack("<H", (px(x, y)[0] >> 3) << 10 | (px(x, y)[1] >> 3) << 5 | px(x, y)[2] >> 3) for x in range(W)) for y in range(H)], header=108, compression=3, masks=(0x7C00, 0x3E0, 0x1F, 0))
bmp("rgb24.bmp", W, H, 24, [bytes(c for x in range(W) for c in px(x, y)[2::-1]) for y in range(H)])
bmp("rgb24-topdown.bmp", W, H, 24, [bytes(c for x in range(W) for c in px(x, y)[2::-1]) for y in range(H)], topdown=True)
bmp("rgb24-last-padding-missing.bmp", W, H, 24, [bytes(c for x in range(W) for c in px(x, y)[2::-1]) for y in range(H)], cut=1)
bmp("rgb24-os2.bmp", W, H, 24, [bytes(c for x in range(W) for c in px(x, y)[2::-1]) for y in range(H)], header=12)
bmp("rgb32-v5-no-alpha.bmp", W, H, 32, [bytes(c for x in range(W) for c in (px(x, y)[2], px(x, y)[1], px(x, y)[0], px(x, y)[3])) for y in range(H)], header=124)
bmp("rgb32.bmp", W, H, 32, [bytes(c for x in range(W) for c in (px(x, y)[2], px(x, y)[1], px(x, y)[0], 0)) for y in range(H)])
bmp("bgra32-bitfields-v4.bmp", W, H, 32, [bytes(c for x in range(W) for c in (px(x, y)[2], px(x, y)[1], px(x, y)[0], px(x, y)[3])) for y in range(H)], header=108, compression=3, masks=(0xFF0000, 0xFF00, 0xFF, 0xFF000000))
bmp("rgba32-bitfields-v5.bmp", W, H, 32, [bytes(c for x in range(W) for c in px(x, y)) for y in range(H)], header=124, compression=3, masks=(0xFF, 0xFF00, 0xFF0000, 0xFF000000))
bmp("xbgr32-bitfields-v4.bmp", W, H, 32, [bytes(c for x in range(W) for c in (0, px(x, y)[2], px(x, y)[1], px(x, y)[0])) for y in range(H)], header=108, compression=3, masks=(0xFF000000, 0xFF0000, 0xFF00, 0))
bmp("abgr32-bitfields-v4.bmp", W, H, 32, [bytes(c for x in range(W) for c in (px(x, y)[3], px(x, y)[2], px(x, y)[1], px(x, y)[0])) for y in range(H)], header=108, compression=3, masks=(0xFF000000, 0xFF0000, 0xFF00, 0xFF))
bmp("bgrx32-bitfields-40.bmp", W, H, 32, [bytes(c for x in range(W) for c in (px(x, y)[2], px(x, y)[1], px(x, y)[0], 99)) for y in range(H)], compression=3, masks=(0xFF0000, 0xFF00, 0xFF))

# RLE8 and RLE4: runs, literal runs (odd lengths, padded), end of row, end
# of bitmap, a row left short, a run past the end of its row.
rle8 = bytearray()
rle8 += bytes([5, 7, 0, 3, 9, 10, 11, 0, 5, 8]) + bytes([0, 0])             # row 0: run 5, literal 3 (+pad), run 5
rle8 += bytes([13, 200]) + bytes([0, 0])                                    # row 1: one run over the row
rle8 += bytes([0, 4, 1, 2, 3, 4, 2, 99]) + bytes([0, 0])                    # row 2: literal 4, run 2, rest 0
rle8 += bytes([20, 50]) + bytes([0, 0])                                     # row 3: a run past the row's end, cut
rle8 += bytes([3, 17]) + bytes([0, 0])                                      # row 4
rle8 += bytes([0, 3, 1, 2, 3, 0, 0, 0]) + bytes([0, 1])                     # row 5: literal 3, end of row, end of bitmap
bmp("rle8.bmp", W, H, 8, None, palette(256), compression=1, raw=bytes(rle8))
rle4 = bytearray()
rle4 += bytes([6, 0x3A, 0, 4, 0x12, 0x34, 3, 0x5F]) + bytes([0, 0])
rle4 += bytes([13, 0xC1]) + bytes([0, 0])
rle4 += bytes([0, 6, 0xAB, 0xCD, 0xEF, 0]) + bytes([0, 0])
rle4 += bytes([2, 0x11, 0, 0, 4, 0x22, 0, 0, 1, 0x33, 0, 0]) + bytes([0, 1])
bmp("rle4.bmp", W, H, 4, None, palette(16), compression=2, raw=bytes(rle4))
bmp("rle8-truncated.bmp", W, H, 8, None, palette(256), compression=1, raw=bytes(rle8[:9]))

# Where Pillow is wrong: a delta escape (two bytes: right, up), and an odd
# RLE4 literal run. The expected pixels are the format's.
rle8d = bytes([4, 9, 0, 2, 3, 1, 2, 8, 0, 0, 6, 33, 0, 1])
bmp("rle8-delta.bmp", W, H, 8, None, palette(256), compression=1, raw=rle8d)
exp = [[0] * W for _ in range(H)]                                           # stored rows, bottom-up
exp[0][0:4] = [9] * 4                                                       # run of 4
# delta right 3, up 1: to (7, 1); run of 2 of 8 there; end of row; row 2: run 6
exp[1][7:9] = [8, 8]
exp[2][0:6] = [33] * 6
rle4o = bytes([0, 5, 0x12, 0x34, 0x50, 0, 0, 0, 0, 1])
bmp("rle4-odd-literal.bmp", W, H, 4, None, palette(16), compression=2, raw=rle4o)
exp4 = [[0] * W for _ in range(H)]
exp4[0][0:5] = [1, 2, 3, 4, 5]
# End of bitmap after two rows: the rest is index 0 (Pillow refuses it).
bmp("rle8-early-end.bmp", W, H, 8, None, palette(256), compression=1, raw=bytes([13, 5, 0, 0, 2, 6, 0, 1]))
expe = [[0] * W for _ in range(H)]
expe[0] = [5] * W
expe[1][0:2] = [6, 6]

# 2 bits a pixel (Windows CE): Pillow refuses the depth; the format is plain.
bmp("pal2.bmp", W, H, 2, [pack([idx(x, y, 4) for x in range(W)], 2) for y in range(H)], palette(4))
exp2 = [[idx(x, y, 4) for x in range(W)] for y in range(H)]

try:
    from PIL import Image
    for name, rows, pal in (("pal2", exp2, palette(4)), ("rle8-delta", exp, palette(256)), ("rle4-odd-literal", exp4, palette(16)), ("rle8-early-end", expe, palette(256))):
        im = Image.new("RGB", (W, H))
        for sy, row in enumerate(rows):
            for x, v in enumerate(row):
                im.putpixel((x, H - 1 - sy), pal[v])
        im.save(name + ".expected.png")
except ImportError:
    print("Pillow missing: .expected.png files not rewritten")

# Refused by Pillow and by fanout.
bmp("rgb32-bitfields-10bit.bmp", W, H, 32, [bytes(4 * W) for y in range(H)], header=108, compression=3, masks=(0x3FF00000, 0xFFC00, 0x3FF, 0xC0000000))
bmp("jpeg-in-bmp.bmp", W, H, 24, None, header=40, compression=4, raw=b"\xff\xd8\xff\xd9")
bmp("bits64.bmp", W, H, 64, [bytes(8 * W) for y in range(H)])
bmp("rgb24-truncated.bmp", W, H, 24, [bytes(c for x in range(W) for c in px(x, y)[2::-1]) for y in range(H)], cut=60)
