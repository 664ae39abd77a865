#!/usr/bin/python3
"""Builds the Stepwise Emoji training set from pinned npm packages (one command, see README.md).

    /usr/bin/python3 models/training/dataset/build.py --out models/training/data/emoji
    /usr/bin/python3 models/training/dataset/build.py --out models/training/data/smoke --limit 36

Writes into --out: images/<style>/<codepoints>.png, captions.jsonl, vocab.json,
eval_captions.txt, ATTRIBUTION.txt, stats.json. The packages are fetched into a cache outside
the repository (~/.cache/stepwise/npm, or $STEPWISE_NPM_CACHE) and checked against sources.json.
"""

import argparse
import collections
import json
import math
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import aliases as aliases_mod  # noqa: E402
import catalogue  # noqa: E402
import emoji_names  # noqa: E402
import eval_captions  # noqa: E402
import npm_cache  # noqa: E402
import rasterize  # noqa: E402
import vocab as vocab_mod  # noqa: E402

MARKER = ".stepwise-dataset"
EVAL_FILE = HERE / "eval_captions.txt"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="output folder (git-ignored)")
    parser.add_argument("--limit", type=int, default=0,
                        help="smoke run: at most N images, the same names in every style (0 = all)")
    parser.add_argument("--styles", default=",".join(catalogue.STYLES),
                        help="comma-separated subset of " + ",".join(catalogue.STYLES))
    parser.add_argument("--size", type=int, default=128, help="image side in pixels (16..1024)")
    parser.add_argument("--workers", type=int, default=2, help="parallel rsvg-convert processes")
    parser.add_argument("--cache", type=Path, default=npm_cache.DEFAULT_CACHE, help="npm package cache")
    parser.add_argument("--names-only", action="store_true",
                        help="vocabulary of the names alone, without the aliases and keywords of "
                             "caption variety (the vocabulary of packs trained before issue 18)")
    parser.add_argument("--write-eval-captions", action="store_true",
                        help="regenerate the committed eval_captions.txt by its rule")
    args = parser.parse_args(argv)
    styles = [s for s in args.styles.split(",") if s]
    bad = [s for s in styles if s not in catalogue.STYLES]
    if bad or not styles:
        parser.error("--styles %r: allowed are %s" % (args.styles, ",".join(catalogue.STYLES)))
    if len(set(styles)) != len(styles):
        parser.error("--styles %r names a style twice" % args.styles)
    if not 16 <= args.size <= 1024:
        parser.error("--size %d is outside 16..1024" % args.size)
    if args.limit < 0:
        parser.error("--limit %d is negative; use 0 for all images" % args.limit)
    args.styles = styles
    return args


def load_index(emojibase_root):
    with open(emojibase_root / "en" / "data.json", encoding="utf-8") as handle:
        data = json.load(handle)
    with open(emojibase_root / "en" / "messages.json", encoding="utf-8") as handle:
        messages = json.load(handle)
    return emoji_names.EmojiIndex(data, messages)


def limited(scans, styles, limit):
    """Smoke subset: names in every chosen style, evenly spaced by emojibase order, all styles."""
    keys = [set(r.emoji.key for r in scans[s].records) for s in styles]
    common = set.intersection(*keys)
    first = scans[styles[0]].records
    bases = [r.emoji.key for r in first if r.emoji.key in common and r.emoji.tone == 0]
    chosen = eval_captions.evenly_spaced(bases, math.ceil(limit / len(styles)))
    by_style = {s: {r.emoji.key: r for r in scans[s].records} for s in styles}
    picked = [by_style[s][key] for key in chosen for s in styles]
    return picked[:limit]


def prepare_out(out):
    """Creates out, or empties the images of a previous build; refuses a foreign folder."""
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SystemExit("--out %s exists, is not empty and was not written by build.py; "
                         "choose an empty or new folder" % out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text("written by models/training/dataset/build.py\n", encoding="utf-8")
    if (out / "images").exists():
        shutil.rmtree(out / "images")


def attribution_text(sources, roots, counts, size):
    lines = [
        "Stepwise Emoji training images: sources and licences",
        "",
        "Every image is an emoji SVG from the packages below, rasterized by rsvg-convert to",
        "%dx%d pixels and composited on a white background; nothing else was changed. Captions use" % (size, size),
        "the Unicode CLDR short names from emojibase-data; caption variety adds emojibase's own shortcodes",
        "(MIT) and the Unicode CLDR annotation keywords (Unicode License v3) from the same package.",
        "No Apple, Facebook/Meta or OpenMoji art is used.",
        "",
    ]
    for package in sources.values():
        lines += [
            "== %s@%s (%s)" % (package["npm"], package["version"], package["id"]),
            "role: %s" % package.get("role", ""),
            "licence: %s" % package["licence"],
            "licence text: %s" % package.get("licence_url", ""),
            "npm integrity: %s" % package["integrity"],
            "images used: %d" % counts.get(package["id"], 0),
            "",
        ]
    lines += ["Twemoji graphics: Copyright 2019 Twitter, Inc and other contributors, licensed under",
              "CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/). Fluent Emoji: Copyright (c)",
              "Microsoft Corporation, MIT licence.", ""]
    for package in sources.values():
        licence = roots[package["id"]] / Path(package["licence_file"]).relative_to("package")
        lines += ["---- %s: %s ----" % (package["npm"], package["licence_file"]),
                  licence.read_text(encoding="utf-8").strip(), ""]
    return "\n".join(lines) + "\n"


def statistics(records, scans, vocab, failures, size, seconds, index):
    per_style = collections.Counter(r.style for r in records)
    per_category = collections.Counter(r.emoji.category for r in records)
    per_style_category = {s: dict(sorted(collections.Counter(
        r.emoji.category for r in records if r.style == s).items())) for s in per_style}
    per_name = collections.Counter(r.emoji.name for r in records)
    styles_per_name = collections.defaultdict(set)
    for r in records:
        styles_per_name[r.emoji.name].add(r.style)
    histogram = collections.Counter(per_name.values())
    return {
        "images": len(records),
        "size": size,
        "per_style": dict(sorted(per_style.items())),
        "per_category": dict(sorted(per_category.items())),
        "per_style_category": per_style_category,
        "skin_tone_images": sum(1 for r in records if r.emoji.tone),
        "distinct_names": len(per_name),
        "names_in_every_style": sum(1 for v in styles_per_name.values() if len(v) == len(scans)),
        "images_per_name": {"mean": round(len(records) / max(1, len(per_name)), 3),
                            "histogram": {str(k): histogram[k] for k in sorted(histogram)}},
        "distinct_captions": len(set(r.caption for r in records)),
        "vocab_size": len(vocab["token_to_id"]),
        "vocab_words": len(vocab["words"]),
        "emojibase_entries_indexed": len(index.by_key),
        "skipped": {s: {"unmapped": scan.unmapped, "mixed_tone": len(scan.mixed_tone),
                        "duplicates": scan.duplicates} for s, scan in scans.items()},
        "render_failures": [[str(svg), msg] for svg, msg in failures],
        "build_seconds": round(seconds, 1),
    }


def build(out, roots, sources, aliases, styles, limit=0, size=128, workers=2, eval_file=EVAL_FILE,
          name_forms=True):
    """Builds the dataset into out from unpacked package roots; returns the stats dict.

    name_forms: vocab.json gets "name_forms" (caption name -> short names and keywords, see
    aliases.py) and "fixed_size" (names without geometric jitter), and the vocabulary covers
    the forms; False gives the names-only vocabulary of the packs trained before issue 18.

    roots: package id -> folder holding the package's files (its "package/" root); sources: the
    sources.json entries of those packages; aliases: the Fluent alias map.
    """
    started = time.time()
    index = load_index(roots["emojibase"])
    catalogue.check_aliases(index, aliases)
    scans = {}
    for style in styles:
        package_id, folder, _ = catalogue.STYLE_SOURCES[style]
        scans[style] = catalogue.scan_style(style, roots[package_id] / folder, index, aliases)
    full = [r for s in styles for r in scans[s].records]
    records = limited(scans, styles, limit) if limit else full
    rasterize.require_rsvg()
    prepare_out(out)
    failures = rasterize.render_all([(r.svg, out / r.file) for r in records], size, workers)
    failed = set(str(svg) for svg, _ in failures)
    records = [r for r in records if str(r.svg) not in failed]
    # The vocabulary covers the captions of the full mapped set, so a --limit build has the same words.
    fixed = eval_captions.read(eval_file) if Path(eval_file).is_file() else []
    words = [r.caption for r in full] + fixed
    forms, fixed_size = {}, []
    if name_forms:
        forms, fixed_size = aliases_mod.name_forms(roots["emojibase"],
                                                   sorted(set(r.emoji.name for r in full)))
        # Every token a training variant can have: a form or name alone ("keycap #" gives "#"
        # where the caption has "#,") and followed by its comma ("!!," of "!!, twemoji style").
        every = aliases_mod.all_words(forms) + sorted(forms)
        words += every + [f + "," for f in every]
    vocab = vocab_mod.build_vocab(words)
    if name_forms:
        vocab["name_forms"] = forms
        vocab["fixed_size"] = fixed_size
    with open(out / "captions.jsonl", "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record.as_json(), ensure_ascii=True) + "\n")
    vocab_mod.write_vocab(vocab, out / "vocab.json")
    eval_captions.write(fixed, out / "eval_captions.txt")
    counts = collections.Counter(catalogue.STYLE_SOURCES[r.style][0] for r in records)
    counts["emojibase"] = len(records)
    (out / "ATTRIBUTION.txt").write_text(attribution_text(sources, roots, counts, size), encoding="utf-8")
    stats = statistics(records, scans, vocab, failures, size, time.time() - started, index)
    stats["name_forms"] = {"names_with_forms": sum(1 for f in forms.values() if f),
                           "forms": sum(len(f) for f in forms.values()),
                           "fixed_size_names": len(fixed_size)}
    if tuple(styles) == catalogue.STYLES and fixed:
        # The committed list must be what its rule gives for these packages.
        stats["eval_captions_match_rule"] = eval_captions.choose(full) == fixed
        if not stats["eval_captions_match_rule"]:
            print("warning: %s differs from its rule; rerun with --write-eval-captions" % eval_file)
    with open(out / "stats.json", "w", encoding="utf-8") as handle:
        json.dump(stats, handle, indent=1)
        handle.write("\n")
    return stats


def main(argv=None):
    args = parse_args(argv)
    started = time.time()
    sources = npm_cache.load_sources(HERE / "sources.json")
    with open(HERE / "fluent_aliases.json", encoding="utf-8") as handle:
        aliases = json.load(handle)["aliases"]
    styles_needed = catalogue.STYLES if args.write_eval_captions else args.styles
    needed = {"emojibase"} | {catalogue.STYLE_SOURCES[s][0] for s in styles_needed}
    roots = {pid: npm_cache.fetch(sources[pid], args.cache) for pid in sorted(needed)}
    if args.write_eval_captions:
        index = load_index(roots["emojibase"])
        every = []
        for style in catalogue.STYLES:
            package_id, folder, _ = catalogue.STYLE_SOURCES[style]
            every += catalogue.scan_style(style, roots[package_id] / folder, index, aliases).records
        eval_captions.write(eval_captions.choose(every), EVAL_FILE)
        print("wrote %s" % EVAL_FILE)
    used = {pid: sources[pid] for pid in sources
            if pid == "emojibase" or any(catalogue.STYLE_SOURCES[s][0] == pid for s in args.styles)}
    stats = build(args.out, roots, used, aliases, args.styles, args.limit, args.size, args.workers,
                  name_forms=not args.names_only)
    stats["build_seconds"] = round(time.time() - started, 1)
    with open(args.out / "stats.json", "w", encoding="utf-8") as handle:
        json.dump(stats, handle, indent=1)
        handle.write("\n")
    print("%d images (%s), %d names, vocabulary %d, %d failures, %.1f s -> %s" % (
        stats["images"], ", ".join("%s %d" % kv for kv in stats["per_style"].items()),
        stats["distinct_names"], stats["vocab_size"], len(stats["render_failures"]),
        stats["build_seconds"], args.out))
    return 1 if stats["render_failures"] else 0

if __name__ == "__main__":
    sys.exit(main())
