"""A pack's preview decoder folder (vae_preview/) and its model card section.

One writer for both ways a pack gets its preview decoder:
  - train_preview_decoder.py --pack PACK --export distils an existing pack's decoder and adds
    vae_preview/ to that pack (export_into);
  - export_pack.py --preview-run DIR writes vae_preview/ into the pack it exports, from a
    train_preview_decoder.py run folder (read_run, then write_folder from export_core).

vae_preview/ (diffusers' AutoencoderTiny folder, decoder only; the Java engine's TinyDecoder):
  config.json                            the student's AutoencoderTiny config plus
                                         stepwise_vae_scaling_factor, the scaling_factor of the
                                         autoencoder whose scaled latents it reads (the Java
                                         engine refuses it for any other model)
  diffusion_pytorch_model.safetensors    float32, keys decoder.layers.N.* (diffusers' names)
  distillation.json                      the distillation report (preview.json of the run)
The model card's "Preview decoder" section sits between CARD_BEGIN and CARD_END, before
"## Samples"; writing it again replaces it.

A run folder of train_preview_decoder.py holds student.safetensors (the AutoencoderTinyDecoder
state_dict), student.json ({"step", "config"}) and preview.json (the report: student_config,
train_steps, parameters, sets {name: {count, psnr_student_db, psnr_cheap_db}}, and since
teacher {vae_scaling_factor, vae_fingerprint, ...}, data {...}, cheap_factors).
"""

import hashlib
import json
import os
import shutil
import tempfile

import torch

from . import model_card, safetensors_io
from .tiny_vae import AutoencoderTinyDecoder
from .train_common import atomic_save_safetensors, atomic_write_json, load_exact

FOLDER = "vae_preview"
CONFIG = "config.json"
WEIGHTS = "diffusion_pytorch_model.safetensors"
REPORT = "distillation.json"
RUN_STUDENT = "student.safetensors"
RUN_STATE = "student.json"
RUN_REPORT = "preview.json"
CARD_BEGIN = "<!-- preview-decoder:begin -->"
CARD_END = "<!-- preview-decoder:end -->"
SCALING_TOLERANCE = 1e-3  # relative; the Java engine's TinyDecoder.checkFits uses 0.1% too


class PreviewError(ValueError):
    """A preview decoder run or folder that cannot go into a pack; the message names why."""


def vae_fingerprint(state):
    """A short hash of an autoencoder state_dict rounded to float16 (what a pack stores).

    Packs store the autoencoder in fp16 and runs in fp32; both give the same fingerprint, so an
    export can tell whether a preview decoder was distilled from the autoencoder it ships with.
    """
    h = hashlib.sha256()
    for key in sorted(state):
        t = state[key].detach().to("cpu", torch.float16).contiguous()
        h.update(key.encode("utf-8"))
        h.update(str(list(t.shape)).encode("ascii"))
        h.update(t.numpy().tobytes())
    return "sha256:" + h.hexdigest()[:16]


def decoder_state(state):
    """An AutoencoderTinyDecoder state_dict as vae_preview stores it: float32, decoder.layers.N.*."""
    out = {}
    for key, value in state.items():
        if not key.startswith("decoder.layers."):
            raise PreviewError(f"preview decoder key {key!r} is not decoder.layers.N.*")
        out[key] = value.detach().to("cpu", torch.float32).contiguous()
    return out


def folder_config(student_config, vae_scaling_factor):
    """config.json of vae_preview/: the student's config and stepwise_vae_scaling_factor."""
    cfg = dict(student_config)
    cfg["stepwise_vae_scaling_factor"] = float(vae_scaling_factor)
    return cfg


def write_folder(folder, student_config, state, report, vae_scaling_factor):
    """Write vae_preview/ (config.json, weights, distillation.json) into folder; returns it."""
    os.makedirs(folder, exist_ok=True)
    atomic_write_json(os.path.join(folder, CONFIG),
                      folder_config(student_config, vae_scaling_factor))
    atomic_save_safetensors(os.path.join(folder, WEIGHTS), decoder_state(state), {"format": "pt"})
    atomic_write_json(os.path.join(folder, REPORT), report)
    return folder


def load_folder(folder):
    """A pack's vae_preview/ -> AutoencoderTinyDecoder (float32 weights as stored, eval mode)."""
    with open(os.path.join(folder, CONFIG), encoding="utf-8") as f:
        cfg = json.load(f)
    student = AutoencoderTinyDecoder(cfg)
    load_exact(student, safetensors_io.load_file(os.path.join(folder, WEIGHTS)), "vae_preview",
               PreviewError)
    return student.eval()


def read_folder(folder):
    """A pack's vae_preview/ -> (student config, state_dict, report), the way read_run gives a
    run's: config without stepwise_vae_scaling_factor, which goes into report["teacher"]."""
    for name in (CONFIG, WEIGHTS, REPORT):
        if not os.path.isfile(os.path.join(folder, name)):
            raise PreviewError(f"preview decoder folder {folder} has no {name}")
    with open(os.path.join(folder, CONFIG), encoding="utf-8") as f:
        cfg = json.load(f)
    with open(os.path.join(folder, REPORT), encoding="utf-8") as f:
        report = json.load(f)
    made_for = cfg.pop("stepwise_vae_scaling_factor", None)
    if made_for is not None:
        report = dict(report, teacher=dict(report.get("teacher") or {},
                                           vae_scaling_factor=made_for))
    state = safetensors_io.load_file(os.path.join(folder, WEIGHTS))
    student = AutoencoderTinyDecoder(cfg)
    load_exact(student, state, "preview decoder", PreviewError)
    return student.config, state, report


def read_run(folder):
    """A train_preview_decoder.py run folder -> (student config, state_dict, report).

    A pack's vae_preview/ folder is accepted too (read_folder): a pack exported again with the
    same autoencoder (a `resume` session) keeps its preview decoder that way.
    """
    if (os.path.isfile(os.path.join(folder, WEIGHTS))
            and not os.path.isfile(os.path.join(folder, RUN_STUDENT))):
        return read_folder(folder)
    for name in (RUN_STUDENT, RUN_STATE, RUN_REPORT):
        if not os.path.isfile(os.path.join(folder, name)):
            raise PreviewError(f"preview run {folder} has no {name} (a finished "
                               "train_preview_decoder.py run writes it)")
    with open(os.path.join(folder, RUN_STATE), encoding="utf-8") as f:
        state_info = json.load(f)
    with open(os.path.join(folder, RUN_REPORT), encoding="utf-8") as f:
        report = json.load(f)
    cfg = state_info.get("config") or report.get("student_config")
    if not isinstance(cfg, dict):
        raise PreviewError(f"{os.path.join(folder, RUN_STATE)} has no student config")
    state = safetensors_io.load_file(os.path.join(folder, RUN_STUDENT))
    student = AutoencoderTinyDecoder(cfg)  # validates the config and the state's keys and shapes
    load_exact(student, state, "preview decoder", PreviewError)
    if int(state_info.get("step", -1)) != int(report.get("train_steps", -2)):
        raise PreviewError(f"{folder}: preview.json reports {report.get('train_steps')} steps but "
                           f"the student is at step {state_info.get('step')}; rerun "
                           "train_preview_decoder.py on it to evaluate the last checkpoint")
    return student.config, state, report


def check_teacher(report, vae_scaling_factor, fingerprint=None):
    """Refuse a report distilled from another autoencoder than the pack's (scaling factor and,
    when both are known, the fp16 weights' fingerprint)."""
    teacher = report.get("teacher") or {}
    made_for = teacher.get("vae_scaling_factor")
    if made_for is not None and abs(float(made_for) - float(vae_scaling_factor)) > (
            SCALING_TOLERANCE * abs(float(vae_scaling_factor))):
        raise PreviewError(f"the preview decoder was distilled from an autoencoder with "
                           f"scaling_factor {made_for}, the pack's has {vae_scaling_factor}: "
                           "distil it again from this run")
    made_fp = teacher.get("vae_fingerprint")
    if made_fp and fingerprint and made_fp != fingerprint:
        raise PreviewError(f"the preview decoder was distilled from another autoencoder "
                           f"({made_fp}, the pack's is {fingerprint}): distil it again")


def _fmt_count(value):
    return f"{value:,}" if isinstance(value, int) else str(value)


def card_section(report):
    """The model card's "Preview decoder" section (markdown) for a distillation report."""
    c = report["student_config"]
    stages = len(c["num_decoder_blocks"])
    factor = c["upsampling_scaling_factor"] ** (stages - 1)
    data = report.get("data") or {}
    trained_on = ""
    if data:
        trained_on = (f" It learned from {_fmt_count(data.get('dataset_latents', '?'))} training "
                      f"images' latents and from the predicted x0 and the noisy x_t of every step "
                      f"of {_fmt_count(data.get('trajectories', '?'))} guided DDIM runs "
                      f"({data.get('steps', '?')} steps, guidance {data.get('guidance', '?')}) of "
                      "this pack's UNet from training captions; the targets are the full "
                      "decoder's images of the same latents.")
    lines = [CARD_BEGIN, "## Preview decoder", "",
             f"`vae_preview/` holds a {report['parameters']:,}-parameter AutoencoderTiny decoder "
             f"(TAESD layout: {stages} stages of {c['decoder_block_out_channels'][0]} channels, "
             f"blocks {c['num_decoder_blocks']}, {c['upsampling_scaling_factor']}x "
             f"{c['upsample_fn']} upsampling, so {factor}x the latent size) distilled from this "
             f"pack's own decoder in {report['train_steps']:,} steps "
             f"(`models/training/train_preview_decoder.py`).{trained_on} "
             "The studio decodes every step's preview with it and upscales it smoothly to the "
             "image size.", "",
             "Fidelity against the full decoder on held-out latents (PSNR of the upscaled 8-bit "
             "frame against the full decoder's image, higher is better; the cheap preview is the "
             "linear latent-to-RGB projection upscaled bilinearly"
             + (f", factors from {report['cheap_factors']}" if report.get("cheap_factors") else "")
             + "):", "",
             "| held-out latents | count | preview decoder | cheap preview |", "|---|---|---|---|"]
    names = {"dataset": "training images' latents (held-out images)",
             "x0": "predicted x0 of every DDIM step (held-out captions)",
             "xt": "noisy x_t of every DDIM step (held-out captions)"}
    for key, s in report["sets"].items():
        lines.append(f"| {names.get(key, key)} | {s['count']} | {s['psnr_student_db']:.2f} dB | "
                     f"{s['psnr_cheap_db']:.2f} dB |")
    lines += ["", CARD_END]
    return "\n".join(lines)


def with_card_section(text, section):
    """text with its preview-decoder section replaced, else inserted before "## Samples", else
    appended."""
    if CARD_BEGIN in text and CARD_END in text:
        head, rest = text.split(CARD_BEGIN, 1)
        tail = rest.split(CARD_END, 1)[1]
        return head + section + tail
    marker = "\n## Samples\n"
    if marker in text:
        head, tail = text.split(marker, 1)
        return head.rstrip("\n") + "\n\n" + section + "\n" + marker + tail
    return text.rstrip("\n") + "\n\n" + section + "\n"


def _files(folder, skip=()):
    out = []
    for dirpath, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, folder).replace(os.sep, "/")
            if not rel.startswith(tuple(skip)):
                out.append((rel, os.path.getsize(path)))
    return sorted(out)


def export_into(pack, student_config, state, report, budget):
    """Add (or replace) pack/vae_preview/ and the card's section, within budget bytes.

    The folder is written beside the pack first; the pack is left unchanged when the new total
    (card included) would exceed the budget. The card's Files table is brought up to date.
    Returns (folder, total bytes).
    """
    pack = os.path.abspath(pack)
    with open(os.path.join(pack, "vae", "config.json"), encoding="utf-8") as f:
        scaling = json.load(f)["scaling_factor"]
    check_teacher(report, scaling)
    stage = tempfile.mkdtemp(prefix="." + os.path.basename(pack) + ".vae_preview-",
                             dir=os.path.dirname(pack))
    try:
        write_folder(stage, student_config, state, report, scaling)
        others = [f for f in _files(pack, skip=(FOLDER + "/",)) if f[0] != "README.md"]
        others += [(FOLDER + "/" + n, s) for n, s in _files(stage)]
        card_path = os.path.join(pack, "README.md")
        text = None
        if os.path.exists(card_path):
            with open(card_path, encoding="utf-8") as f:
                text = model_card.with_files(with_card_section(f.read(), card_section(report)),
                                             others)
        total = sum(s for _, s in others) + (len(text.encode("utf-8")) if text else 0)
        if total > budget:
            raise PreviewError(f"the pack with its preview decoder would be {total:,} bytes, over "
                               f"the budget of {budget:,} bytes")
        folder = os.path.join(pack, FOLDER)
        old = None
        if os.path.exists(folder):
            old = stage + ".old"
            os.rename(folder, old)
        os.rename(stage, folder)
        if old:
            shutil.rmtree(old, ignore_errors=True)
        if text is not None:
            tmp = card_path + ".tmp"
            with open(tmp, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            os.replace(tmp, card_path)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return folder, total
