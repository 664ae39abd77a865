#!/usr/bin/python3
"""Packs a built dataset into one file under a byte budget, and reads it back (numpy + PIL only).

    /usr/bin/python3 models/training/dataset/pack.py --data models/training/data/emoji \\
        --out models/training/data/emoji.swpack [--budget-mib 34] [--encoding webp] [--pixels 128]

File layout (all integers little-endian):

    8 bytes   magic b"SWPACK01"
    4 bytes   uint32 header length H
    H bytes   zlib-compressed UTF-8 JSON header: format, encoding, pixels, records (caption, name, style,
              skin_tone, category, codepoints, offset, length), vocab (vocab.json), eval_captions,
              attribution (ATTRIBUTION.txt), selection figures
    rest      the encoded images, back to back; record offsets are relative to the blob start

Encodings: "webp" (lossless WebP, Pillow method 4: the default, about 2/3 of "png") and "png".
Both are lossless: the loader returns exactly the pixels of the built PNGs (resized first when
--pixels is below the built size).

Subset rule when the whole set does not fit the budget, in priority tiers, each in a fixed order:
  0. images whose caption is an evaluation caption;
  1. one image per name: its base (no skin tone) image in style STYLES[i % 3] for the i-th name
     by emojibase order, or the first style that has it;
  2. the other base images, by emojibase order then style;
  3. skin-tone images, by emojibase order then style.
Tiers 0 and 1 must fit (else the command fails, naming the bytes they need); tiers 2 and 3 are
filled greedily, skipping an image that no longer fits.
"""

import argparse
import io
import json
import struct
import sys
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

MAGIC = b"SWPACK01"
ENCODINGS = ("webp", "png")
STYLES = ("twemoji", "fluent-flat", "fluent-modern")
RECORD_FIELDS = ("caption", "name", "style", "skin_tone", "category", "codepoints")
# Upper bound of the JSON added per record for "offset"/"length" (10 digits each) and separators.
_OFFSET_SLACK = len(', "offset": 0000000000, "length": 0000000000') + 2


class PackError(ValueError):
    """A pack file or a packing request that cannot be used; the message names the problem."""


def encode(pixels, encoding):
    """Lossless bytes of an [H, W, 3] uint8 image."""
    image = Image.fromarray(pixels, "RGB")
    buffer = io.BytesIO()
    if encoding == "webp":
        image.save(buffer, format="WEBP", lossless=True, quality=100, method=4, exact=True)
    elif encoding == "png":
        image.save(buffer, format="PNG", optimize=True)
    else:
        raise PackError("encoding %r is not one of %s" % (encoding, ", ".join(ENCODINGS)))
    return buffer.getvalue()


def decode(data, pixels):
    """[pixels, pixels, 3] uint8 array of encoded bytes; PackError if it is anything else."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.size != (pixels, pixels):
                raise PackError("packed image is %dx%d, header says %dx%d" % (image.size + (pixels, pixels)))
            return np.asarray(image.convert("RGB"), dtype=np.uint8)  # [pixels, pixels, 3]
    except (OSError, SyntaxError) as error:
        raise PackError("packed image bytes do not decode: %s" % error) from error


def load_image(path, pixels):
    """RGB pixels of a built PNG, box-filtered down to pixels x pixels when smaller."""
    with Image.open(path) as image:
        image = image.convert("RGB")
        if image.size != (pixels, pixels):
            if image.size[0] < pixels:
                raise PackError("%s is %dx%d, smaller than --pixels %d" % ((path,) + image.size + (pixels,)))
            image = image.resize((pixels, pixels), Image.BOX)
        return np.asarray(image, dtype=np.uint8)  # [pixels, pixels, 3]


def priority_tiers(records, eval_set, styles=STYLES):
    """Indices of records in the four tiers of the subset rule (module doc)."""
    order = {}
    for i, record in enumerate(records):
        order.setdefault(record["name"], i)
    names = sorted(order, key=lambda n: order[n])
    taken = set()
    tier0 = [i for i, r in enumerate(records) if r["caption"] in eval_set]
    taken.update(tier0)
    have = set(records[i]["name"] for i in tier0)
    base_of = {}
    for i, record in enumerate(records):
        if not record["skin_tone"]:
            base_of.setdefault((record["name"], record["style"]), i)
    tier1 = []
    for n, name in enumerate(names):
        if name in have:
            continue
        preferred = [styles[n % len(styles)]] + list(styles)
        pick = next((base_of[(name, s)] for s in preferred if (name, s) in base_of), None)
        if pick is None:
            pick = next(i for i, r in enumerate(records) if r["name"] == name)
        tier1.append(pick)
        taken.add(pick)
    rank = {s: k for k, s in enumerate(styles)}

    def key(i):
        return (order[records[i]["name"]], records[i]["skin_tone"], rank.get(records[i]["style"], 99))

    rest = sorted((i for i in range(len(records)) if i not in taken), key=key)
    tier2 = [i for i in rest if not records[i]["skin_tone"]]
    tier3 = [i for i in rest if records[i]["skin_tone"]]
    return [tier0, tier1, tier2, tier3]


def _record_json_size(record):
    return len(json.dumps({k: record[k] for k in RECORD_FIELDS}).encode("utf-8")) + _OFFSET_SLACK


def select(records, cost, fixed_bytes, budget, eval_set):
    """Indices (sorted) of the records to pack so that fixed_bytes + their costs fit budget."""
    tiers = priority_tiers(records, eval_set)
    used = fixed_bytes
    chosen = []
    for tier_number, tier in enumerate(tiers):
        for i in tier:
            if used + cost[i] <= budget:
                chosen.append(i)
                used += cost[i]
            elif tier_number < 2:
                need = fixed_bytes + sum(cost[j] for t in tiers[:2] for j in t)
                raise PackError("budget %d bytes cannot hold the evaluation images and one image per "
                                "name (%d bytes needed); raise --budget-mib or lower --pixels" % (budget, need))
    return sorted(chosen)


def _header(records, chosen, offsets, lengths, encoding, pixels, extra):
    packed = []
    for i, offset, length in zip(chosen, offsets, lengths):
        entry = {k: records[i][k] for k in RECORD_FIELDS}
        entry["offset"] = offset
        entry["length"] = length
        packed.append(entry)
    header = {"format": 1, "encoding": encoding, "pixels": pixels, "records": packed}
    header.update(extra)
    return zlib.compress(json.dumps(header, ensure_ascii=True).encode("utf-8"), 9)


def pack(records, images, out, budget, encoding="webp", pixels=128, vocab=None, eval_captions=(),
         attribution="", workers=2):
    """Writes the pack file; records are caption dicts, images their [pixels, pixels, 3] loaders.

    images: a list of zero-argument callables returning uint8 [pixels, pixels, 3] arrays.
    Returns a summary dict (images, bytes, names, names_total, per_style).
    """
    if encoding not in ENCODINGS:
        raise PackError("encoding %r is not one of %s" % (encoding, ", ".join(ENCODINGS)))
    if len(records) != len(images) or not records:
        raise PackError("need one image per record and at least one record")
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        blobs = list(pool.map(lambda get: encode(get(), encoding), images))
    extra = {"vocab": vocab, "eval_captions": list(eval_captions), "attribution": attribution}
    every = list(range(len(records)))
    raw = [_record_json_size(r) for r in records]
    full_header = _header(records, every, [10 ** 9] * len(records), [len(b) for b in blobs], encoding, pixels, extra)
    # Header bytes per record after compression, estimated from the whole set with 25% slack.
    ratio = 1.25 * len(full_header) / (sum(raw) + len(json.dumps(extra)))
    cost = [len(blobs[i]) + int(raw[i] * ratio) + 1 for i in every]
    fixed = len(MAGIC) + 4 + len(_header(records, [], [], [], encoding, pixels, extra)) + 256
    target = budget
    for _ in range(8):
        chosen = select(records, cost, fixed, target, set(eval_captions))
        offsets, lengths, position = [], [], 0
        for i in chosen:
            offsets.append(position)
            lengths.append(len(blobs[i]))
            position += len(blobs[i])
        names_total = len(set(r["name"] for r in records))
        names_kept = len(set(records[i]["name"] for i in chosen))
        extra["selection"] = {"images_available": len(records), "images_packed": len(chosen),
                              "names_total": names_total, "names_packed": names_kept, "budget": budget}
        header = _header(records, chosen, offsets, lengths, encoding, pixels, extra)
        total = len(MAGIC) + 4 + len(header) + position
        if total <= budget:
            break
        target -= total - budget + 4096  # the estimate was short: tighten and choose again
    else:
        raise PackError("packed size %d bytes exceeds the budget %d bytes" % (total, budget))
    with open(out, "wb") as handle:
        handle.write(MAGIC)
        handle.write(struct.pack("<I", len(header)))
        handle.write(header)
        for i in chosen:
            handle.write(blobs[i])
    per_style = {}
    for i in chosen:
        per_style[records[i]["style"]] = per_style.get(records[i]["style"], 0) + 1
    return {"images": len(chosen), "bytes": total, "names": names_kept, "names_total": names_total,
            "per_style": dict(sorted(per_style.items())),
            "encoded_bytes_all_images": sum(len(b) for b in blobs)}


class PackedDataset:
    """A pack file read back: records, vocab, eval captions and decoded images on demand."""

    def __init__(self, path):
        data = Path(path).read_bytes()
        if len(data) < len(MAGIC) + 4 or data[: len(MAGIC)] != MAGIC:
            raise PackError("%s is not a Stepwise dataset pack (magic %r expected)" % (path, MAGIC))
        (length,) = struct.unpack_from("<I", data, len(MAGIC))
        start = len(MAGIC) + 4
        if start + length > len(data):
            raise PackError("%s header length %d runs past the end of the %d-byte file" % (path, length, len(data)))
        try:
            header = json.loads(zlib.decompress(data[start:start + length]).decode("utf-8"))
        except (zlib.error, UnicodeDecodeError, ValueError) as error:
            raise PackError("%s header is not JSON: %s" % (path, error)) from error
        if header.get("format") != 1 or header.get("encoding") not in ENCODINGS:
            raise PackError("%s has format %r / encoding %r; expected 1 and one of %s"
                            % (path, header.get("format"), header.get("encoding"), ENCODINGS))
        self.pixels = int(header["pixels"])
        self.encoding = header["encoding"]
        self.records = header["records"]
        self.vocab = header.get("vocab")
        self.eval_captions = header.get("eval_captions", [])
        self.attribution = header.get("attribution", "")
        self.selection = header.get("selection", {})
        self._blob = memoryview(data)[start + length:]
        for record in self.records:
            offset, size = record.get("offset"), record.get("length")
            if not (isinstance(offset, int) and isinstance(size, int) and offset >= 0 and size > 0
                    and offset + size <= len(self._blob)):
                raise PackError("%s record %r has offset %r length %r outside the %d-byte image area"
                                % (path, record.get("caption"), offset, size, len(self._blob)))

    def __len__(self):
        return len(self.records)

    @property
    def captions(self):
        return [record["caption"] for record in self.records]

    def image(self, index):
        """[pixels, pixels, 3] uint8 RGB image of record index."""
        record = self.records[index]
        return decode(bytes(self._blob[record["offset"]:record["offset"] + record["length"]]), self.pixels)

    def images(self, indices=None):
        """[N, pixels, pixels, 3] uint8 array of the given (default: all) records."""
        indices = range(len(self)) if indices is None else indices
        return np.stack([self.image(i) for i in indices]) if len(indices) else np.zeros(
            (0, self.pixels, self.pixels, 3), np.uint8)  # [N, pixels, pixels, 3]


def load(path):
    """Reads a pack file written by :func:`pack`."""
    return PackedDataset(path)


def pack_folder(data, out, budget, encoding="webp", pixels=128):
    """Packs a folder written by build.py (captions.jsonl, vocab.json, eval_captions.txt...)."""
    data = Path(data)
    records = []
    with open(data / "captions.jsonl", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                records.append(json.loads(line))
    if not records:
        raise PackError("%s/captions.jsonl lists no images" % data)
    vocab = json.loads((data / "vocab.json").read_text(encoding="utf-8"))
    evals = [line.strip() for line in (data / "eval_captions.txt").read_text(encoding="utf-8").splitlines()
             if line.strip()] if (data / "eval_captions.txt").is_file() else []
    attribution = (data / "ATTRIBUTION.txt").read_text(encoding="utf-8")
    attribution += "\nPacked by pack.py: %d px per side, lossless %s.\n" % (pixels, encoding.upper())
    images = [(lambda p=data / r["file"]: load_image(p, pixels)) for r in records]
    return pack(records, images, out, budget, encoding, pixels, vocab, evals, attribution)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Pack a built emoji dataset under a byte budget.")
    parser.add_argument("--data", required=True, type=Path, help="folder written by build.py")
    parser.add_argument("--out", required=True, type=Path, help="pack file to write")
    parser.add_argument("--budget-mib", type=float, default=34.0, help="size limit in MiB (default 34)")
    parser.add_argument("--encoding", choices=ENCODINGS, default="webp")
    parser.add_argument("--pixels", type=int, default=128, help="image side in the pack")
    args = parser.parse_args(argv)
    budget = int(args.budget_mib * 1024 * 1024)
    try:
        summary = pack_folder(args.data, args.out, budget, args.encoding, args.pixels)
    except PackError as error:
        print("pack.py: %s" % error, file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
