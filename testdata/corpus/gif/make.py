#!/usr/bin/python3
"""Writes the GIF files of fanout's decode corpus byte by byte (with its
own LZW coder, so that odd minimum code sizes, tables that fill up
without a clear code, and missing colour tables can be made): run from
this folder with /usr/bin/python3 make.py."""
import struct
def lzw_encode(indices, min_code, reset=True):
    # simple GIF LZW encoder: emits clear code first, no dictionary growth beyond limits (resets)
    clear = 1 << min_code; eoi = clear + 1
    out_bits = []; code_size = min_code + 1
    dict_ = {(i,): i for i in range(clear)}; next_code = eoi + 1
    codes = [clear]
    w = ()
    sizes = [code_size]
    for k in indices:
        wk = w + (k,)
        if wk in dict_:
            w = wk
        else:
            codes.append(dict_[w]); sizes.append(code_size)
            if next_code < 4096:
                dict_[wk] = next_code; next_code += 1
                if next_code - 1 == (1 << code_size) and code_size < 12:
                    code_size += 1
            elif reset:
                codes.append(clear); sizes.append(code_size)
                dict_ = {(i,): i for i in range(clear)}; next_code = eoi + 1; code_size = min_code + 1
            w = (k,)
    if w: codes.append(dict_[w]); sizes.append(code_size)
    codes.append(eoi); sizes.append(code_size)
    acc = 0; n = 0; out = bytearray()
    for c, s in zip(codes, sizes):
        acc |= c << n; n += s
        while n >= 8:
            out.append(acc & 255); acc >>= 8; n -= 8
    if n: out.append(acc & 255)
    return bytes(out)
def subblocks(b):
    out = bytearray()
    for i in range(0, len(b), 255):
        out.append(len(b[i:i+255])); out += b[i:i+255]
    out.append(0); return bytes(out)
def gif(name, w, h, indices, min_code, gct=None, lct=None, reset=True, interlace=False, trns=None, cut=0):
    flags = 0
    out = bytearray(b"GIF89a" + struct.pack("<HH", w, h))
    if gct:
        n = len(gct).bit_length() - 2
        flags = 0x80 | (7 << 4) | n
    out += bytes([flags, 0, 0])
    if gct:
        for c in gct: out += bytes(c)
    if trns is not None:
        out += bytes([0x21, 0xF9, 4, 1, 0, 0, trns, 0])
    lflags = 0
    if lct:
        lflags = 0x80 | (len(lct).bit_length() - 2)
    if interlace:
        lflags |= 0x40
        rows = [indices[y * w:(y + 1) * w] for y in range(h)]
        order = list(range(0, h, 8)) + list(range(4, h, 8)) + list(range(2, h, 4)) + list(range(1, h, 2))
        indices = [v for y in order for v in rows[y]]
    out += b"," + struct.pack("<HHHH", 0, 0, w, h) + bytes([lflags])
    if lct:
        for c in lct: out += bytes(c)
    out += bytes([min_code]) + subblocks(lzw_encode(indices, min_code, reset)) + b";"
    if cut:
        out = out[:-cut]
    open(name, "wb").write(out)
W, H = 11, 7
pal = [((i*67)%256, (i*151+40)%256, (255-i*29)%256) for i in range(16)]
idx = [(x*3+y*5+x*y) % 16 for y in range(H) for x in range(W)]
gif("no-colour-table.gif", W, H, idx, 4)
gif("lzw-code-size-11.gif", W, H, idx, 11, gct=pal)
gif("lzw-code-size-8.gif", W, H, idx, 8, gct=pal)
gif("local-table-only.gif", W, H, idx, 4, lct=pal)
gif("code-size-2.gif", W, H, [(x + y) % 4 for y in range(H) for x in range(W)], 2, gct=pal[:4])
gif("interlaced.gif", W, 19, [(x * 7 + y * 3) % 16 for y in range(19) for x in range(W)], 4, gct=pal, interlace=True)
gif("transparent-index.gif", W, H, idx, 4, gct=pal, trns=5)
import random
rnd = random.Random(7)
noise = [rnd.randrange(256) for _ in range(64 * 64)]
pal256 = [((i * 67) % 256, (i * 151 + 40) % 256, (255 - i * 29) % 256) for i in range(256)]
gif("full-table-no-clear.gif", 64, 64, noise, 8, gct=pal256, reset=False)
gif("full-table-no-clear-code-size-11.gif", 64, 64, noise, 11, gct=pal256, reset=False)
gif("truncated.gif", 64, 64, noise, 8, gct=pal256, cut=300)
