"""Write the prompt-emphasis goldens: src/test/resources/golden/prompt-weights.safetensors.

Usage: /usr/bin/python3 models/training/make_prompt_goldens.py [--out REPO_ROOT]

Contract: docs/goldens.md, section "Prompt emphasis". The reference is
stepwise_train/prompt_weights.py; the text encoders are the committed tiny packs (tiny-sd: a
16-token window, so one window; tiny-sd2: 77 tokens, so A1111's 75-token chunks). Metadata
"parse" holds [prompt, runs] pairs (the hand-written prompts, then seeded random ones; runs null
where the weight is not a number), "cases" the encoded prompts with their windows and weights,
"comma_tokenizer" a tokenizer.json with a comma for the comma-backtrack layout "comma".
Tensors, F32: "<case>.z" [1, L, D] for tiny-sd cases; for tiny-sd2 cases only
"<case>.rows" (z summed over D, [1, L]) and "<case>.head" (z[..., :4], [1, L, 4]) to stay small.

It also writes src/test/resources/golden/sdxl-prompt-weights.safetensors: A1111's reading of
SDXL prompts (sd_hijack_clip.py forward once per embedder) on tiny-sdxl, metadata "cases" as
above, tensors "<case>.z" [1, L, D1 + D2] (each encoder's penultimate state, weighted per chunk
with its own mean restored, side by side) and "<case>.pooled" [1, P] (encoder 2, chunk 0).
"""

import argparse
import json
import os
import random
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stepwise_train import pack, safetensors_io  # noqa: E402
from stepwise_train import prompt_weights as pw  # noqa: E402
from stepwise_train.tokenizer import WordLevelTokenizer  # noqa: E402

# Parser-only cases: every rule of parse_prompt_attention, in prompts of our own.
PARSE = [
    "a red heart emoji",
    "a (happy) cat face",
    "((big:1.3)) [tree] on a (hill:0.5), sun, (((star))).",
    "(never closed",
    "[never closed",
    "(one)(two)",
    "\\(not emphasis\\] and \\\\ a backslash",
    "a lone\\ backslash",
    "stray :1.3) and ) and ] and : colons",
    "(spaced : 1.5 ) [[quiet]] (neg:-1) (x:+.5)",
    "(a[b)c]",
    "(x:abc)",
    "(red:1.0) heart",
    "",
    "a BREAK b",
    "BREAK",
    "a BREAKfast BREAK\n(b BREAK c)",
    "<lora:emoji:0.8> (heart:1.2)",
    "(bad:1.2.3)",
]

# Random prompts from the syntax's pieces (a fixed seed); a weight that is not a number such as
# "(a:1.2.)" is recorded with runs null (A1111 raises ValueError, Stepwise refuses it).
FUZZ_PIECES = ["(", ")", "[", "]", ":", "1.3", " ", "a", "b", "\\", "\\(", "BREAK", " BREAK ",
               "-", ".", ":0.5)", ",", "\n"]


def fuzz_prompts(count=120, seed=13):
    rng = random.Random(seed)
    return ["".join(rng.choice(FUZZ_PIECES) for _ in range(rng.randint(1, 14)))
            for _ in range(count)]


def parse_or_none(prompt):
    try:
        return pw.parse_attention(prompt)
    except ValueError:
        return None


# Encoded cases: name -> (pack, prompt).
CASES = {
    "sd_plain": ("tiny-sd", "a red heart emoji"),
    "sd_weighted": ("tiny-sd", "a (red:1.3) heart [emoji]"),
    "sd_cut": ("tiny-sd", "(a red heart) " + "blue " * 14 + "cat"),
    "sd_break": ("tiny-sd", "a red BREAK heart"),
    "sd2_weighted": ("tiny-sd2", "a ((smiling)) cat face, (flat:0.7) style"),
    "sd2_break": ("tiny-sd2", "a red heart BREAK (green tree:1.4)"),
    "sd2_long": ("tiny-sd2", " ".join(["red cat", "(blue dog:1.2)", "[sun]"] * 30)),
}


# SDXL cases (tiny-sdxl: a 16-token window, so one window).
SDXL_CASES = {
    "sdxl_weighted": "a ((red)) heart [emoji] (face:0.8)",
}


@torch.no_grad()
def sdxl_encode(models, text2, prompt):
    """prompt -> (runs, windows, weights, context [1, W k, D1 + D2], pooled [1, P])."""
    runs = pw.parse_attention(prompt)
    windows, weights = pw.layout(models["tokenizer"], runs)  # tokenizer_2 is the same file
    ones, twos, pooled = [], [], None
    for ids, w in zip(windows, weights):
        t = torch.tensor([ids], dtype=torch.int64)  # [1, W]
        _, _, hidden1 = models["text_encoder"](t)
        _, pooled2, hidden2 = text2(t)
        ones.append(pw.emphasis(hidden1[-2], w))  # [1, W, D1]
        twos.append(pw.emphasis(hidden2[-2], w))  # [1, W, D2]
        pooled = pooled2 if pooled is None else pooled  # [1, P]
    return runs, windows, weights, torch.cat([torch.cat(ones, 1), torch.cat(twos, 1)], -1), pooled


@torch.no_grad()
def sdxl_goldens(res):
    from make_sdxl_goldens import load_text2
    folder = os.path.join(res, "packs", "tiny-sdxl")
    models = pack.load_pack(folder)
    text2 = load_text2(folder)
    tensors, cases = {}, []
    for name, prompt in SDXL_CASES.items():
        runs, windows, weights, z, pooled = sdxl_encode(models, text2, prompt)
        cases.append({"name": name, "pack": "tiny-sdxl", "prompt": prompt, "runs": runs,
                      "windows": windows, "weights": [float32_list(w) for w in weights]})
        tensors[name + ".z"] = z.float().contiguous()
        tensors[name + ".pooled"] = pooled.float().contiguous()
    meta = {"torch": torch.__version__, "what": "SDXL prompt emphasis goldens (A1111 syntax)",
            "cases": json.dumps(cases)}
    return tensors, meta


def comma_tokenizer():
    """A 77-token WordLevel tokenizer that knows "," (the tiny packs' vocabularies lack it)."""
    return WordLevelTokenizer(["a", "b", "c", ","], 77)


def comma_prompt():
    """70 words, a comma, 10 words: the comma lies 5 tokens before the end of chunk 1."""
    return " ".join(["a"] * 70) + " , " + " ".join(["(b)"] * 10)


def float32_list(values):
    return [float(torch.tensor(v, dtype=torch.float32)) for v in values]


@torch.no_grad()
def goldens(res):
    """tensors and metadata; res is src/test/resources."""
    tensors = {}
    parse = [[p, parse_or_none(p)] for p in PARSE + fuzz_prompts()]
    packs = {}
    cases = []
    for name, (pack_name, prompt) in CASES.items():
        if pack_name not in packs:
            packs[pack_name] = pack.load_pack(os.path.join(res, "packs", pack_name))
        models = packs[pack_name]
        runs, windows, weights, z = pw.encode(models["text_encoder"], models["tokenizer"],
                                              prompt)
        cases.append({"name": name, "pack": pack_name, "prompt": prompt, "runs": runs,
                      "windows": windows, "weights": [float32_list(w) for w in weights]})
        z = z.float().contiguous()  # [1, L, D]
        if pack_name == "tiny-sd":
            tensors[name + ".z"] = z
        else:
            tensors[name + ".rows"] = z.sum(-1).contiguous()  # [1, L]
            tensors[name + ".head"] = z[..., :4].contiguous()  # [1, L, 4]
    tok = comma_tokenizer()
    runs = pw.parse_attention(comma_prompt())
    windows, weights = pw.layout(tok, runs)
    cases.append({"name": "comma", "pack": None, "prompt": comma_prompt(), "runs": runs,
                  "windows": windows, "weights": [float32_list(w) for w in weights]})
    meta = {"torch": torch.__version__, "what": "prompt emphasis goldens (A1111 syntax)",
            "parse": json.dumps(parse), "cases": json.dumps(cases),
            "comma_tokenizer": json.dumps(tok.to_json())}
    return tensors, meta


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.dirname(here)),
                        help="repository root to write src/test/resources/golden/ under")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    res = os.path.join(args.out, "src", "test", "resources")
    tensors, meta = goldens(res)
    path = os.path.join(res, "golden", "prompt-weights.safetensors")
    safetensors_io.save_file(tensors, path, meta)
    print(f"{path}: " + ", ".join(f"{k}{list(v.shape)}" for k, v in tensors.items())
          + f"; {os.path.getsize(path)} bytes")
    tensors, meta = sdxl_goldens(res)
    path = os.path.join(res, "golden", "sdxl-prompt-weights.safetensors")
    safetensors_io.save_file(tensors, path, meta)
    print(f"{path}: " + ", ".join(f"{k}{list(v.shape)}" for k, v in tensors.items())
          + f"; {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
