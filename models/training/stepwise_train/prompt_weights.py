"""Reference for AUTOMATIC1111's prompt emphasis: parsing, chunking, weighting (Stepwise's own code).

The Java engine (dev.stepwise.engine.prompt) is checked against this through
src/test/resources/golden/prompt-weights.safetensors (make_prompt_goldens.py). The behaviour
follows stable-diffusion-webui:

- modules/prompt_parser.py parse_prompt_attention: "(x)" multiplies by 1.1, "[x]" by 1/1.1,
  "(x:w)" by w; escapes \\( \\) \\[ \\] \\\\; a lone backslash is dropped; unclosed brackets
  reach the end (round ones first); unmatched closers are text; "BREAK" (a whole word) outside
  brackets is the marker ("BREAK", -1); runs of equal weight merge.
- modules/sd_hijack_clip.py tokenize_line: 75-token chunks, BREAK closes a chunk, the comma
  backtrack (comma_padding_backtrack, default 20), one chunk more if tokens are left or none yet.
- modules/sd_emphasis.py EmphasisOriginal: z * w[..., None], then times mean(z) / mean(z * w).

On a window other than 77 ids there is one window, cut to fit, and BREAK is skipped (Stepwise's
rule for the built-in pack's 20-token window).
"""

import re

import torch

ROUND = 1.1
SQUARE = 1 / 1.1
CHUNK = 75
CLIP_WINDOW = 77
BACKTRACK = 20
BREAK = ("BREAK", -1.0)

# One lexical item of the emphasis syntax; the branches are tried in this order.
_ITEM = re.compile(r"""
    (?P<esc>\\[()\[\]\\]?)                       # escaped bracket or backslash, or a lone backslash
  | (?P<open>[(\[])                               # opening bracket
  | :\s*(?P<num>[+-]?[.\d]+)\s*\)                # ":1.3)" closes a round bracket with a weight
  | (?P<close>[)\]])                              # closing bracket
  | (?P<text>[^\\()\[\]:]+|:)                     # plain text, or a colon on its own
""", re.X)
_BREAK_WORD = re.compile(r"\s*\bBREAK\b\s*", re.S)


def parse_attention(prompt):
    """prompt -> [[text, weight], ...] with ["BREAK", -1.0] markers (A1111's semantics)."""
    out = []  # [text, weight]
    opened = {"(": [], "[": []}  # start index in out of each open bracket, innermost last
    factor = {"(": ROUND, "[": SQUARE, ")": ROUND, "]": SQUARE}
    partner = {")": "(", "]": "["}

    def scale(start, f):
        for item in out[start:]:
            item[1] *= f

    def plain(text):
        for k, part in enumerate(_BREAK_WORD.split(text)):
            if k:
                out.append(list(BREAK))
            out.append([part, 1.0])

    for m in _ITEM.finditer(prompt):
        if m.group("esc") is not None:
            out.append([m.group("esc")[1:], 1.0])
        elif m.group("open") is not None:
            opened[m.group("open")].append(len(out))
        elif m.group("num") is not None:
            if opened["("]:
                scale(opened["("].pop(), float(m.group("num")))
            else:
                plain(m.group(0))
        elif m.group("close") is not None:
            stack = opened[partner[m.group("close")]]
            if stack:
                scale(stack.pop(), factor[m.group("close")])
            else:
                plain(m.group(0))
        else:
            plain(m.group(0))
    for bracket in "([":
        for start in opened[bracket]:
            scale(start, factor[bracket])
    merged = []
    for text, weight in out:
        if merged and merged[-1][1] == weight:
            merged[-1][0] += text
        else:
            merged.append([text, weight])
    return merged or [["", 1.0]]


def is_break(run):
    return run[0] == BREAK[0] and run[1] == BREAK[1]


def layout(tok, runs, backtrack=BACKTRACK):
    """runs -> (windows [[ids]], weights [[float32 values]]) for a stepwise_train tokenizer."""
    chunked = tok.max_length == CLIP_WINDOW
    capacity = CHUNK if chunked else tok.max_length - 2
    comma = tok.vocab.get(",", -1)
    windows, weights = [], []
    ids, mults, last_comma = [], [], -1

    def close():
        nonlocal ids, mults, last_comma
        pad = tok.max_length - 2 - len(ids)
        windows.append([tok.bos_id] + ids + [tok.eos_id] * (1 + pad))
        weights.append([1.0] + mults + [1.0] * (1 + pad))
        ids, mults, last_comma = [], [], -1

    for run in runs:
        if is_break(run):
            if chunked:
                close()
            continue
        w = float(torch.tensor(run[1], dtype=torch.float32))
        for t in tok.tokens(run[0]):
            token = tok.vocab.get(t, tok.unk_id)
            if not chunked:
                if len(ids) < capacity:
                    ids.append(token)
                    mults.append(w)
                continue
            if token == comma:
                last_comma = len(ids)
            elif (backtrack and len(ids) == capacity and last_comma != -1
                  and len(ids) - last_comma <= backtrack):
                moved_ids, moved_mults = ids[last_comma + 1:], mults[last_comma + 1:]
                ids, mults = ids[:last_comma + 1], mults[:last_comma + 1]
                close()
                ids, mults = moved_ids, moved_mults
            if len(ids) == capacity:
                close()
            ids.append(token)
            mults.append(w)
    if ids or not windows:
        close()
    return windows, weights


def emphasis(z, w):
    """z [1, L, D], w [L] -> z * w (per token), rescaled to z's mean over all elements."""
    w = torch.tensor(w, dtype=torch.float32)[None, :, None]  # [1, L, 1]
    mean = z.mean()  # []
    zw = z * w  # [1, L, D]
    return zw * (mean / zw.mean())  # [1, L, D]


@torch.no_grad()
def encode(text_encoder, tok, prompt, backtrack=BACKTRACK):
    """prompt -> (runs, windows, weights, conditioning [1, 77 k or W, D])."""
    runs = parse_attention(prompt)
    windows, weights = layout(tok, runs, backtrack)
    zs = []
    for ids, w in zip(windows, weights):
        z = text_encoder(torch.tensor([ids], dtype=torch.int64))[0]  # [1, W, D]
        zs.append(emphasis(z, w))
    return runs, windows, weights, torch.cat(zs, dim=1)  # [1, W k, D]
