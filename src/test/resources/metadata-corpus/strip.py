"""Rewrites an image with its pixels replaced by one pixel, keeping its metadata byte for byte.

PNG: a 1x1 RGB IHDR and IDAT, every ancillary chunk (text, pHYs, ...) copied unchanged in order.
JPEG: every APP1 (Exif/XMP) and COM segment copied unchanged into a 1x1 JPEG made by Pillow.
WebP: the EXIF and XMP chunks copied unchanged into a 1x1 lossless WebP (VP8X with their flags).

Usage: python3 strip.py SOURCE TARGET
"""
import io
import struct
import sys
import zlib

from PIL import Image

PNG_SIG = b"\x89PNG\r\n\x1a\n"


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def strip_png(b):
    p, kept, idat_at = 8, [], None
    while p < len(b):
        n = struct.unpack(">I", b[p : p + 4])[0]
        kind = b[p + 4 : p + 8]
        if kind == b"IDAT" and idat_at is None:
            idat_at = len(kept)
        if kind[0:1].islower():  # ancillary: copied as it is, CRC included
            kept.append(b[p : p + 12 + n])
        p += 12 + n
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    idat = png_chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00"))
    at = len(kept) if idat_at is None else idat_at
    body = b"".join(kept[:at]) + idat + b"".join(kept[at:])
    return PNG_SIG + ihdr + body + png_chunk(b"IEND", b"")


def strip_jpeg(b):
    p, meta = 2, []
    while p < len(b) and b[p] == 0xFF:
        marker = b[p + 1]
        if marker in (0xD9, 0xDA):
            break
        n = struct.unpack(">H", b[p + 2 : p + 4])[0]
        if marker in (0xE1, 0xFE):
            meta.append(b[p : p + 2 + n])
        p += 2 + n
    out = io.BytesIO()
    Image.new("RGB", (1, 1)).save(out, "JPEG", quality=50)
    tiny = out.getvalue()
    q = 2
    while tiny[q + 1] == 0xE0:  # drop Pillow's JFIF header
        q += 2 + struct.unpack(">H", tiny[q + 2 : q + 4])[0]
    return b"\xff\xd8" + b"".join(meta) + tiny[q:]


def strip_webp(b):
    p, meta = 12, []
    while p + 8 <= len(b):
        kind = b[p : p + 4]
        n = struct.unpack("<I", b[p + 4 : p + 8])[0]
        whole = b[p : p + 8 + n + (n & 1)]
        if kind in (b"EXIF", b"XMP "):
            meta.append(whole)
        p += 8 + n + (n & 1)
    out = io.BytesIO()
    Image.new("RGB", (1, 1)).save(out, "WEBP", lossless=True)
    tiny = out.getvalue()
    vp8l = tiny[12:]
    flags = (0x08 if any(m[:4] == b"EXIF" for m in meta) else 0) | (
        0x04 if any(m[:4] == b"XMP " for m in meta) else 0
    )
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([flags, 0, 0, 0]) + b"\x00\x00\x00\x00\x00\x00"
    body = b"WEBP" + vp8x + vp8l + b"".join(meta)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def main(src, dst):
    b = open(src, "rb").read()
    if b[:8] == PNG_SIG:
        out = strip_png(b)
    elif b[:2] == b"\xff\xd8":
        out = strip_jpeg(b)
    elif b[:4] == b"RIFF" and b[8:12] == b"WEBP":
        out = strip_webp(b)
    else:
        raise SystemExit(src + " is not a PNG, JPEG or WebP file")
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
