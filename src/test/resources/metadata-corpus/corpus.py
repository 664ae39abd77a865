"""The corpus's two tools. Run from this folder. Files are kept gzipped (gzip -9 -n).

python3 corpus.py strip SOURCE TARGET.gz: rewrites an image with one pixel, keeping its metadata
byte for byte: a PNG's ancillary chunks in order around a 1x1 IHDR and IDAT; a JPEG's APP1 and COM
segments, or a WebP's EXIF and XMP chunks, in a 1x1 image made by Pillow.

python3 corpus.py reference: writes a1111-reference.json.gz, what AUTOMATIC1111's own parser makes of
the A1111-text files: a port of parse_generation_parameters (modules/infotext_utils.py) without the
defaults it adds for absent keys. The text is decoded as Stepwise decodes it: tEXt as UTF-8 when it
is valid UTF-8 and not ASCII, else Latin-1; iTXt as UTF-8; an Exif UNICODE comment as UTF-16 in the
byte order whose high bytes are zero.
"""
import gzip
import io
import json
import re
import struct
import sys
import zlib

A1111 = ["a1111-unipc.png", "a1111-sd-webui.png", "forge-neo.png", "reforge-lcm.png",
         "sdnext-exponential.png", "sdnext-no-sampler.png", "stability-matrix.png", "civitai.jpg"]
RE_PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')


def chunks(b):
    p = 8
    while p < len(b):
        n = struct.unpack(">I", b[p : p + 4])[0]
        yield b[p + 4 : p + 8], b[p + 8 : p + 8 + n], b[p : p + 12 + n]
        p += 12 + n


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def strip(b):
    from PIL import Image

    out = io.BytesIO()
    if b[:2] == b"\xff\xd8":
        p, meta = 2, []
        while b[p + 1] not in (0xD9, 0xDA):
            n = struct.unpack(">H", b[p + 2 : p + 4])[0]
            meta += [b[p : p + 2 + n]] if b[p + 1] in (0xE1, 0xFE) else []
            p += 2 + n
        Image.new("RGB", (1, 1)).save(out, "JPEG", quality=50)
        tiny, q = out.getvalue(), 2
        while tiny[q + 1] == 0xE0:
            q += 2 + struct.unpack(">H", tiny[q + 2 : q + 4])[0]
        return b"\xff\xd8" + b"".join(meta) + tiny[q:]
    if b[:4] == b"RIFF":
        p, meta = 12, []
        while p + 8 <= len(b):
            n = struct.unpack("<I", b[p + 4 : p + 8])[0]
            meta += [b[p : p + 8 + n + (n & 1)]] if b[p : p + 4] in (b"EXIF", b"XMP ") else []
            p += 8 + n + (n & 1)
        Image.new("RGB", (1, 1)).save(out, "WEBP", lossless=True)
        flags = sum(f for k, f in ((b"EXIF", 8), (b"XMP ", 4)) if any(m[:4] == k for m in meta))
        vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([flags]) + bytes(9)
        body = b"WEBP" + vp8x + out.getvalue()[12:] + b"".join(meta)
        return b"RIFF" + struct.pack("<I", len(body)) + body
    kept, at = [], None
    for kind, _, whole in chunks(b):
        at = len(kept) if kind == b"IDAT" and at is None else at
        kept += [whole] if kind[0:1].islower() else []
    at = len(kept) if at is None else at
    idat = png_chunk(b"IDAT", zlib.compress(bytes(4)))
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    return b[:8] + ihdr + b"".join(kept[:at]) + idat + b"".join(kept[at:]) + png_chunk(b"IEND", b"")


def parse(x):
    prompt, negative, done = "", "", False
    *lines, last = x.strip().split("\n")
    if len(RE_PARAM.findall(last)) < 3:
        lines.append(last)
        last = ""
    for line in lines:
        line = line.strip()
        if line.startswith("Negative prompt:"):
            done = True
            line = line[16:].strip()
        if done:
            negative += ("" if negative == "" else "\n") + line
        else:
            prompt += ("" if prompt == "" else "\n") + line
    pairs = {}
    for k, v in RE_PARAM.findall(last):
        if len(v) == 0:
            continue  # A1111's v[0] raises and the key is skipped
        if v[0] == '"' and v[-1] == '"':
            try:
                v = json.loads(v)
            except Exception:
                pass
        pairs[k] = v
    return {"prompt": prompt, "negative": negative, "pairs": pairs}


def text(b):
    if b[:2] == b"\xff\xd8":  # the Exif IFD's UserComment
        n = struct.unpack(">H", b[4:6])[0]
        t = b[12 : 4 + n]
        e = "<" if t[:2] == b"II" else ">"

        def ifd(off):
            count = struct.unpack(e + "H", t[off : off + 2])[0]
            return {tag: (c, v) for tag, _, c, v in
                    (struct.unpack(e + "HHII", t[off + 2 + 12 * i : off + 14 + 12 * i]) for i in range(count))}

        c, v = ifd(ifd(struct.unpack(e + "I", t[4:8])[0])[0x8769][1])[0x9286]
        body = t[v + 8 : v + c]
        even = sum(1 for i in range(0, len(body) - 1, 2) if body[i] == 0)
        odd = sum(1 for i in range(1, len(body), 2) if body[i] == 0)
        return body.decode("utf-16-be" if even > odd else "utf-16-le").rstrip("\0")
    for kind, data, _ in chunks(b):
        key, _, rest = data.partition(b"\0")
        if key == b"parameters" and kind == b"iTXt":
            flag, rest = rest[0], rest[2:].split(b"\0", 2)[2]
            return (zlib.decompress(rest) if flag else rest).decode("utf-8")
        if key == b"parameters":
            try:
                return rest.decode("ascii")
            except UnicodeDecodeError:
                try:
                    return rest.decode("utf-8")
                except UnicodeDecodeError:
                    return rest.decode("latin-1")


if __name__ == "__main__":
    if sys.argv[1] == "strip":
        with gzip.GzipFile(sys.argv[3], "wb", 9, mtime=0) as out:
            out.write(strip(open(sys.argv[2], "rb").read()))
    else:
        ref = {f: parse(text(gzip.open(f + ".gz").read())) for f in A1111}
        with gzip.GzipFile("a1111-reference.json.gz", "wb", 9, mtime=0) as out:
            out.write(("{\n" + ",\n".join(json.dumps(f, ensure_ascii=False) + ": " + json.dumps(
                ref[f], ensure_ascii=False, sort_keys=True) for f in A1111) + "\n}\n").encode())
