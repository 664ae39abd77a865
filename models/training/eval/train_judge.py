"""Train the evaluation judge on the real images of a built dataset (folder or .swpack).

  /usr/bin/python3 models/training/eval/train_judge.py --data models/training/data/emoji \
      --out models/training/runs/judge

Writes OUT/judge.safetensors (state_dict; the class lists and figures in its metadata) and
OUT/judge.json (the same figures: split, held-out accuracy on real images, training time).
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from eval import judge as J  # noqa: E402
from eval.data import EVAL_CAPTIONS, DataError, Dataset, read_eval_captions  # noqa: E402
from eval.judge_train import train  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="dataset folder (captions.jsonl) or .swpack")
    p.add_argument("--out", required=True)
    p.add_argument("--eval-captions", default=EVAL_CAPTIONS)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--size", type=int, default=32, help="judge input pixels (multiple of 8)")
    p.add_argument("--width", type=int, default=24)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args(argv)
    for key in ("steps", "batch", "size", "width", "hidden", "threads"):
        if getattr(a, key) < 1:
            p.error(f"--{key} {getattr(a, key)} must be at least 1")
    try:
        ds = Dataset(a.data)
        captions = read_eval_captions(a.eval_captions)
    except (DataError, OSError, ValueError) as e:
        print(f"train_judge: {e}", file=sys.stderr)
        return 1
    model, info = train(ds, captions, vars(a), log=lambda m: print(m, flush=True))
    os.makedirs(a.out, exist_ok=True)
    J.save(os.path.join(a.out, "judge.safetensors"), model, info)
    with open(os.path.join(a.out, "judge.json"), "w", encoding="utf-8") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    real = info["real_accuracy"]
    print(json.dumps({k: {m: v.get(m) for m in ("n", "name_top1", "style", "both",
                                               "called_other")}
                      for k, v in real.items()}))
    print(f"train {info['train_seconds']} s; wrote {a.out}/judge.safetensors, judge.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
