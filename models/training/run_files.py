#!/usr/bin/python3
"""Moves a diffusion run folder across the GPU machine's return channel, and back.

    python3 models/training/run_files.py pack --run RUN --out OUT [--log FILE ...] [--preview PV]
    python3 models/training/run_files.py pack-preview --from PV --out OUT
    python3 models/training/run_files.py unpack --from OUT --run RUN [--preview-run DIR]

A GPU run returns at most 8 files of at most 16 MiB each (64 MiB in all). A run folder of
train_diffusion.py does not fit as it is: its fp32 EMA weights (UNet + text encoder, 38 MB for
configs/stepwise-emoji.json) exceed one file. `pack` writes:
  ema-0000i-of-0000n.safetensors + ema.safetensors.index.json  the EMA weights, fp32, sharded
                                   at 15 MiB with diffusers' index layout (safetensors_io)
  autoencoder.safetensors          the run's autoencoder (fp32)
  run.tar.gz                       config.json, vocab.json, autoencoder.json, diffusion.json,
                                   log.jsonl and any --log files (under logs/)
  preview.tar.gz (optional)        a train_preview_decoder.py run's student.safetensors,
                                   student.json, preview.json and log.jsonl (`pack --preview PV`,
                                   or `pack-preview` alone once the diffusion files are there)
and refuses (exit 2, nothing half-written is left as the last word) when that would break the
8-file / 16 MiB / 64 MiB limits. The count includes gpu_session.sh's session.log (SESSION_FILES):
with the EMA weights of configs/stepwise-emoji.json in 3 shards that is 3 + index + autoencoder
+ run.tar.gz + preview.tar.gz + session.log = 8. `unpack` rebuilds the run folder that
export_pack.py and train_diffusion.py --resume read, checking that every tensor came back, and
the preview decoder run (default RUN/preview) that export_pack.py --preview-run reads.
"""

import argparse
import io
import json
import os
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from stepwise_train import safetensors_io  # noqa: E402
from stepwise_train.train_common import TrainError, atomic_write_bytes  # noqa: E402

SMALL_FILES = ("config.json", "vocab.json", "autoencoder.json", "diffusion.json", "log.jsonl")
EMA, AE, TAR, STEM = "diffusion_ema.safetensors", "autoencoder.safetensors", "run.tar.gz", "ema"
PREVIEW_TAR = "preview.tar.gz"
PREVIEW_FILES = ("student.safetensors", "student.json", "preview.json", "log.jsonl")
PREVIEW_NEEDS = ("student.safetensors", "student.json")
PREVIEW_DIR = "preview"  # unpack's default preview run folder, inside the run folder
SESSION_FILES = ("session.log",)  # written into the return folder by gpu_session.sh itself
SHARD_BYTES = 15 * 2 ** 20
MAX_FILES, MAX_FILE_BYTES, MAX_TOTAL_BYTES = 8, 16 * 2 ** 20, 64 * 2 ** 20


def _serialized_files(run, logs):
    """[(name, bytes)] of the return files of run folder `run` (module doc)."""
    ema = safetensors_io.load_file(os.path.join(run, EMA))
    parts = safetensors_io.shard(ema, SHARD_BYTES)
    files, weight_map, total = [], {}, 0
    for i, part in enumerate(parts):
        name = f"{STEM}-{i + 1:05d}-of-{len(parts):05d}.safetensors"
        files.append((name, safetensors_io.serialize(part)))
        for key, t in part.items():
            weight_map[key] = name
            total += t.numel() * t.element_size()
    index = {"metadata": {"total_size": total},
             "weight_map": {k: weight_map[k] for k in sorted(weight_map)}}
    files.append((STEM + ".safetensors.index.json",
                  (json.dumps(index, indent=2) + "\n").encode("utf-8")))
    with open(os.path.join(run, AE), "rb") as f:
        files.append((AE, f.read()))
    entries = [(os.path.join(run, name), name) for name in SMALL_FILES]
    entries += [(path, f"logs/{os.path.basename(os.path.dirname(os.path.abspath(path)))}-"
                       f"{os.path.basename(path)}") for path in logs]
    files.append((TAR, _tar_gz(entries)))
    return files


def _tar_gz(entries):
    """bytes of a .tar.gz holding each existing file of entries [(path, name in the archive)]."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path, arcname in entries:
            if os.path.isfile(path):
                tar.add(path, arcname=arcname)
    return buffer.getvalue()


def preview_tar(preview):
    """bytes of preview.tar.gz: the student files of train_preview_decoder.py run `preview`."""
    for name in PREVIEW_NEEDS:
        if not os.path.isfile(os.path.join(preview, name)):
            raise TrainError(f"preview decoder run {preview} has no {name}")
    return _tar_gz([(os.path.join(preview, name), name) for name in PREVIEW_FILES])


def _check_limits(sizes, others=()):
    """Refuse a set of return files {name: bytes} (plus `others` already counted names)."""
    count = len(set(sizes) | set(others) | set(SESSION_FILES))
    too_big = [f"{n} ({s} bytes)" for n, s in sizes.items() if s > MAX_FILE_BYTES]
    if count > MAX_FILES or too_big or sum(sizes.values()) > MAX_TOTAL_BYTES:
        raise TrainError(f"the return files break the limits ({MAX_FILES} files with "
                         f"{', '.join(SESSION_FILES)}, {MAX_FILE_BYTES} bytes each, "
                         f"{MAX_TOTAL_BYTES} in all): {count} files, {sum(sizes.values())} "
                         f"bytes, too big: {too_big}")


def _return_names(out):
    """The complete return files already in `out` (not .part files)."""
    if not os.path.isdir(out):
        return []
    return [n for n in os.listdir(out) if not n.endswith(".part")]


def pack(run, out, logs=(), preview=None):
    """Write the return files of run folder `run` (and of preview decoder run `preview`) into
    `out`; returns their names.

    Every file is first written as <name>.part and the set is renamed into place only when all
    are written, so a run killed while packing leaves the previous complete set in `out`. A
    preview.tar.gz already in `out` is kept (and counted) when `preview` is not given.
    """
    for name in (EMA, AE, "config.json", "vocab.json", "diffusion.json"):
        if not os.path.isfile(os.path.join(run, name)):
            raise TrainError(f"run folder {run} has no {name}")
    files = _serialized_files(run, logs)
    if preview:
        files.append((PREVIEW_TAR, preview_tar(preview)))
    sizes = {name: len(data) for name, data in files}
    kept = [n for n in _return_names(out) if n == PREVIEW_TAR]
    _check_limits(sizes, kept)
    os.makedirs(out, exist_ok=True)
    for name, data in files:
        with open(os.path.join(out, name + ".part"), "wb") as f:
            f.write(data)
    for name, _ in files:
        os.replace(os.path.join(out, name + ".part"), os.path.join(out, name))
    stale = [n for n in os.listdir(out) if n.startswith(STEM + "-") and n not in sizes]
    for name in stale:  # shards of an earlier, differently sharded set
        os.remove(os.path.join(out, name))
    return [name for name, _ in files]


def pack_preview(preview, out):
    """Add preview.tar.gz (train_preview_decoder.py run `preview`) to the return files in `out`,
    counting those already there; returns its name."""
    data = preview_tar(preview)
    sizes = {PREVIEW_TAR: len(data)}
    others = _return_names(out)
    for name in others:
        if name != PREVIEW_TAR:
            sizes[name] = os.path.getsize(os.path.join(out, name))
    _check_limits(sizes, others)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, PREVIEW_TAR + ".part"), "wb") as f:
        f.write(data)
    os.replace(os.path.join(out, PREVIEW_TAR + ".part"), os.path.join(out, PREVIEW_TAR))
    return PREVIEW_TAR


def unpack_preview(source, preview_run):
    """Rebuild a preview decoder run folder from source/preview.tar.gz; returns its files."""
    with tarfile.open(os.path.join(source, PREVIEW_TAR), mode="r:gz") as tar:
        members = tar.getmembers()
        for member in members:
            if not member.isfile() or member.name not in PREVIEW_FILES:
                raise TrainError(f"{PREVIEW_TAR} holds an unexpected entry {member.name!r}")
        names = {m.name for m in members}
        missing = [n for n in PREVIEW_NEEDS if n not in names]
        if missing:
            raise TrainError(f"{PREVIEW_TAR} lacks {', '.join(missing)}")
        os.makedirs(preview_run, exist_ok=True)
        for member in members:
            atomic_write_bytes(os.path.join(preview_run, member.name),
                               tar.extractfile(member).read())
    return sorted(names)


def unpack(source, run, preview_run=None):
    """Rebuild run folder `run` from the files `pack` wrote into `source`, and the preview
    decoder run (preview_run, default run/preview) when source has preview.tar.gz."""
    tar_path = os.path.join(source, TAR)
    if not os.path.isfile(tar_path):
        raise TrainError(f"{source} has no {TAR}")
    os.makedirs(run, exist_ok=True)
    ema = safetensors_io.load_sharded(source, STEM + ".safetensors")
    if not any(k.startswith("unet.") for k in ema) or not any(
            k.startswith("text_encoder.") for k in ema):
        raise TrainError(f"{source}'s EMA weights lack unet. or text_encoder. tensors")
    with tarfile.open(tar_path, mode="r:gz") as tar:
        for member in tar.getmembers():
            name = member.name
            plain = name in SMALL_FILES or (name.startswith("logs/") and "/" not in name[5:]
                                            and ".." not in name)
            if not member.isfile() or not plain:
                raise TrainError(f"{TAR} holds an unexpected entry {name!r}")
            os.makedirs(os.path.join(run, os.path.dirname(name)), exist_ok=True)
            atomic_write_bytes(os.path.join(run, name), tar.extractfile(member).read())
    with open(os.path.join(source, AE), "rb") as f:
        atomic_write_bytes(os.path.join(run, AE), f.read())
    safetensors_io.save_file(ema, os.path.join(run, EMA + ".tmp"))
    os.replace(os.path.join(run, EMA + ".tmp"), os.path.join(run, EMA))
    if os.path.isfile(os.path.join(source, PREVIEW_TAR)):
        unpack_preview(source, preview_run or os.path.join(run, PREVIEW_DIR))
    return sorted(os.listdir(run))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    a = sub.add_parser("pack", help="run folder -> return files")
    a.add_argument("--run", required=True)
    a.add_argument("--out", required=True)
    a.add_argument("--log", action="append", default=[], help="extra log file to include")
    a.add_argument("--preview", help="a train_preview_decoder.py run folder to include")
    c = sub.add_parser("pack-preview", help="preview decoder run -> preview.tar.gz in OUT")
    c.add_argument("--from", dest="source", required=True)
    c.add_argument("--out", required=True)
    b = sub.add_parser("unpack", help="return files -> run folder (and preview decoder run)")
    b.add_argument("--from", dest="source", required=True)
    b.add_argument("--run", required=True)
    b.add_argument("--preview-run", help="where preview.tar.gz goes (default RUN/preview)")
    args = p.parse_args(argv)
    try:
        if args.command == "pack":
            names = pack(args.run, args.out, args.log, args.preview)
        elif args.command == "pack-preview":
            names = [pack_preview(args.source, args.out)]
        else:
            names = unpack(args.source, args.run, args.preview_run)
    except (TrainError, safetensors_io.SafetensorsError, OSError, tarfile.TarError) as error:
        print(f"run_files.py: {error}", file=sys.stderr)
        return 2
    print(" ".join(names), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
