"""Writes a1111-reference.json: what AUTOMATIC1111's own parser makes of each A1111-text corpus file.

The parse is a port of parse_generation_parameters in AUTOMATIC1111 modules/infotext_utils.py (the
prompt and negative prompt lines, then re.findall of its key-value expression over the last line
when it matches 3 times or more, values in double quotes decoded with json.loads when they can be).
A1111's defaults for absent keys (Clip skip 1 and others) are not ported: Stepwise does not invent
keys. Decoding the file is Stepwise's part and is done here as Stepwise does it: PNG tEXt as UTF-8
when its bytes are valid UTF-8 and not ASCII, else Latin-1; iTXt as UTF-8; Exif UserComment by its
8-byte prefix, UNICODE as UTF-16 in the byte order whose high bytes are zero.

Usage (from this folder): python3 make_a1111_reference.py
"""
import json
import re
import struct
import zlib

FILES = {
    "a1111-unipc.png": "parameters",
    "a1111-sd-webui.png": "parameters",
    "forge-neo.png": "parameters",
    "reforge-lcm.png": "parameters",
    "sdnext-exponential.png": "parameters",
    "sdnext-no-sampler.png": "parameters",
    "stability-matrix.png": "parameters",
    "civitai.jpg": "exif",
    "a1111-sd-webui.jpg": "exif",
}

RE_PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')


def unquote(text):
    if len(text) == 0 or text[0] != '"' or text[-1] != '"':
        return text
    try:
        return json.loads(text)
    except Exception:
        return text


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
        pairs[k] = unquote(v) if v[0] == '"' and v[-1] == '"' else v
    return {"prompt": prompt, "negative": negative, "pairs": pairs}


def png_text(data, key):
    p = 8
    while p < len(data):
        n = struct.unpack(">I", data[p : p + 4])[0]
        kind, body = data[p + 4 : p + 8], data[p + 8 : p + 8 + n]
        p += 12 + n
        k, _, rest = body.partition(b"\0")
        if k.decode("latin-1") != key:
            continue
        if kind == b"tEXt":
            try:
                return rest.decode("ascii")
            except UnicodeDecodeError:
                try:
                    return rest.decode("utf-8")
                except UnicodeDecodeError:
                    return rest.decode("latin-1")
        if kind == b"iTXt":
            flag, rest = rest[0], rest[2:]
            text = rest.split(b"\0", 2)[2]
            return (zlib.decompress(text) if flag else text).decode("utf-8")
    raise SystemExit(key + " not found")


def user_comment(data):
    if data[:2] == b"\xff\xd8":
        p = 2
        while data[p + 1] != 0xE1:
            p += 2 + struct.unpack(">H", data[p + 2 : p + 4])[0]
        tiff = data[p + 10 : p + 2 + struct.unpack(">H", data[p + 2 : p + 4])[0]]
    else:
        raise SystemExit("only JPEG is used here")
    e = "<" if tiff[:2] == b"II" else ">"

    def ifd(off):
        n = struct.unpack(e + "H", tiff[off : off + 2])[0]
        out = {}
        for i in range(n):
            tag, typ, cnt, val = struct.unpack(e + "HHII", tiff[off + 2 + 12 * i : off + 14 + 12 * i])
            out[tag] = (cnt, val)
        return out

    exif = ifd(ifd(struct.unpack(e + "I", tiff[4:8])[0])[0x8769][1])
    cnt, val = exif[0x9286]
    raw = tiff[val : val + cnt]
    prefix, body = raw[:8], raw[8:]
    if prefix == b"UNICODE\0":
        even = sum(1 for i in range(0, len(body) - 1, 2) if body[i] == 0)
        odd = sum(1 for i in range(1, len(body), 2) if body[i] == 0)
        text = body.decode("utf-16-be" if even > odd else "utf-16-le")
    else:
        text = body.decode("utf-8")
    return text.rstrip("\0")


def main():
    out = {}
    for name, where in FILES.items():
        data = open(name, "rb").read()
        text = png_text(data, "parameters") if where == "parameters" else user_comment(data)
        out[name] = parse(text)
    with open("a1111-reference.json", "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
