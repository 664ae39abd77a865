"""Assemble a diffusers-layout pack from a training run folder (the checkpoint format below).

Run folder: autoencoder.safetensors (+ autoencoder.json with scaling_factor), diffusion_ema
.safetensors (keys "unet." / "text_encoder."; either may be sharded with an index.json),
diffusion.json, vocab.json. Optionally a preview decoder run (options["preview_run"]) becomes
vae_preview/; the budget counts it. The pack is written into a temporary sibling folder and renamed
into place only when complete and within the byte budget, so a failure never leaves a half
pack (and an existing pack is replaced only by a complete one).
"""

import gzip
import json
import math
import os
import shutil
import tempfile
import time

import torch
from PIL import Image

from . import config, model_card, preview_fit, preview_pack, safetensors_io
from .ddim import DDIMScheduler
from .export_tokenizer import EOS, PAD, VocabTokenizer, read_vocab
from .pack import clip_keys
from .pipeline import ddim_txt2img
from .train_common import load_exact

MB = 1_000_000
PACK_BUDGET = 24 * MB
SHARD_BYTES = 16 * 1024 * 1024
PROMPTS_FILE = "prompts.txt.gz"  # gzipped: the built-in pack ships it so (tree budget)
UNET_BASE = "diffusion_pytorch_model.safetensors"
VAE_BASE = "diffusion_pytorch_model.safetensors"
TEXT_BASE = "model.safetensors"


class ExportError(ValueError):
    """The run or the options cannot make a valid pack; the message names the problem."""


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise ExportError(f"{path} is missing") from None
    except json.JSONDecodeError as e:
        raise ExportError(f"{path} is not valid JSON: {e}") from None


def _write_json(path, data):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
        f.write("\n")


def _load_weights(folder, base):
    stem = base[:-len(".safetensors")]
    if not (os.path.exists(os.path.join(folder, base))
            or os.path.exists(os.path.join(folder, stem + ".safetensors.index.json"))):
        raise ExportError(f"{os.path.join(folder, base)} (or its index.json) is missing")
    return safetensors_io.load_sharded(folder, base)


def _load_into(module, state, what):
    load_exact(module, state, what, ExportError)
    return module.eval()


def split_diffusion(state):
    """diffusion_ema state -> (unet state, text encoder state with the text_model. prefix)."""
    unet = {k[len("unet."):]: v for k, v in state.items() if k.startswith("unet.")}
    text = {k[len("text_encoder."):]: v for k, v in state.items()
            if k.startswith("text_encoder.")}
    other = sorted(k for k in state if not k.startswith(("unet.", "text_encoder.")))
    if other:
        raise ExportError(f"diffusion_ema has keys outside unet./text_encoder.: {other[:3]}")
    if not unet or not text:
        raise ExportError("diffusion_ema needs both unet.* and text_encoder.* keys")
    return unet, clip_keys(text)


def to_fp16(state, what):
    """Cast to float16, refusing values that overflow (|x| > 65504) or are not finite."""
    out = {}
    for k, v in state.items():
        if not v.is_floating_point():
            raise ExportError(f"{what} tensor {k} has dtype {v.dtype}; weights must be floats")
        h = v.detach().to(torch.float16).contiguous()
        if not torch.isfinite(h).all():
            raise ExportError(f"{what} tensor {k} is not finite in float16 "
                              f"(max |x| = {float(v.abs().max()):.4g})")
        out[k] = h
    return out


def pad_token_of(cfg, override=None):
    """The pad token: override, else config tokenizer.pad_token / train.pad_token, else a
    text_encoder.pad_token_id of 0 or 3, else <eos> (CLIP's convention)."""
    if override:
        return override
    for section in ("tokenizer", "train"):
        token = (cfg.get(section) or {}).get("pad_token")
        if token:
            return token
    pid = (cfg.get("text_encoder") or {}).get("pad_token_id")
    return {0: PAD, 3: EOS}.get(pid, EOS)


def hardware(run_jsons, override=None):
    """(sentence, cpu_only) from the run's json files: any "device" value naming cuda/gpu."""
    if override:
        kind, _, name = override.partition(":")
        cpu = kind == "cpu"
        sentence = "CPU only" if cpu else "GPU (CUDA)"
        return (f"{sentence}: {name.strip()}." if name.strip() else sentence + "."), cpu
    devices = []

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("device", "devices", "hardware") and isinstance(v, (str, list)):
                    devices.extend(v if isinstance(v, list) else [v])
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    for j in run_jsons:
        walk(j)
    devices = [str(d).lower() for d in devices]
    if not devices:
        return "not recorded in the run files.", None
    if any("cuda" in d or "gpu" in d for d in devices):
        return f"GPU ({', '.join(sorted(set(devices)))}).", False
    return "CPU only.", True


def save_component(state, folder, base, max_file_bytes):
    """Write state as one file or shards whose FILES (header included) are <= max_file_bytes.

    safetensors_io.save_sharded limits the tensor data of a shard; the header adds a few bytes
    per tensor, so the data limit is lowered by the largest overshoot until every file fits.
    """
    limit = max_file_bytes
    for _ in range(16):
        names = safetensors_io.save_sharded(state, folder, base, limit)
        files = [n for n in names if n.endswith(".safetensors")]
        sizes = {n: os.path.getsize(os.path.join(folder, n)) for n in files}
        over = max(sizes.values()) - max_file_bytes
        if over <= 0:
            return names
        for n in names:
            os.remove(os.path.join(folder, n))
        biggest = max(t.numel() * t.element_size() for t in state.values())
        limit -= over
        if limit < biggest:
            raise ExportError(f"a tensor of {biggest:,} bytes cannot fit a shard file of "
                              f"{max_file_bytes:,} bytes")
    raise ExportError(f"could not shard {base} into files of {max_file_bytes:,} bytes")


def _dir_files(folder):
    out = []
    for dirpath, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(dirpath, name)
            out.append((os.path.relpath(path, folder).replace(os.sep, "/"),
                        os.path.getsize(path)))
    return sorted(out)


def check_budget(folder, budget):
    total = sum(size for _, size in _dir_files(folder))
    if total > budget:
        raise ExportError(f"pack is {total:,} bytes, over the budget of {budget:,} bytes "
                          "(24 MB); shrink the model in the config")
    return total


def load_models(folder):
    """Load an exported pack: (unet, vae, text_encoder, tokenizer, scheduler), float32, eval."""
    unet = config.build_unet(_read_json(os.path.join(folder, "unet", "config.json")))
    _load_into(unet, _load_weights(os.path.join(folder, "unet"), UNET_BASE), "unet")
    vae = config.build_vae(_read_json(os.path.join(folder, "vae", "config.json")))
    _load_into(vae, _load_weights(os.path.join(folder, "vae"), VAE_BASE), "vae")
    text = config.build_clip_text(_read_json(os.path.join(folder, "text_encoder",
                                                          "config.json")))
    _load_into(text, clip_keys(_load_weights(os.path.join(folder, "text_encoder"), TEXT_BASE)),
               "text_encoder")
    tok = VocabTokenizer.load(os.path.join(folder, "tokenizer"))
    sched = DDIMScheduler(_read_json(os.path.join(folder, "scheduler", "scheduler_config.json")))
    return unet, vae, text, tok, sched


def _log_lines(run):
    """The parsable lines of run/log.jsonl (none when absent)."""
    path = os.path.join(run, "log.jsonl")
    if not os.path.exists(path):
        return []
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out


def history_entry(ae_info, df_info, ev, hardware_sentence, note):
    """One line of the pack's history.json: what trained this pack and how it scored."""
    entry = {"date": time.strftime("%Y-%m-%d", time.gmtime()),
             "hardware": hardware_sentence, "note": note or "",
             "autoencoder_steps": int(ae_info.get("steps", 0)),
             "diffusion_steps": int(df_info.get("steps", 0)),
             "images_seen": int(df_info.get("images_seen", 0))}
    if ev and "name_top1" in ev:
        entry["eval"] = {k: ev.get(k) for k in ("images", "name_top1", "style", "name_top5")}
    return entry


def read_history(path):
    """The history list of a pack folder (its history.json) or of a JSON file; [] if absent."""
    if os.path.isdir(path):
        path = os.path.join(path, "history.json")
    if not os.path.exists(path):
        return []
    history = _read_json(path)
    if not isinstance(history, list) or not all(isinstance(e, dict) for e in history):
        raise ExportError(f"{path} is not a list of history entries")
    return history


def read_eval_captions(path):
    with open(path, encoding="utf-8") as f:
        return [ln.strip() for ln in f if ln.strip()]


def export(cfg, run, out, eval_captions, attribution, data_images=None, options=None):
    """Write the pack for run into out (atomically). Returns a summary dict.

    cfg: the config dict (configs/<name>.json); eval_captions: list of captions;
    attribution: the text of dataset/ATTRIBUTION.md; data_images: [N, 3, H, W] in [-1, 1] for
    the preview fit, or None for synthetic colour fields. options: shard_bytes, budget,
    samples, sample_steps, guidance, seed, pad_token, hardware, title, history (the earlier
    packs' history list, oldest first), note (one line on this run for the history),
    preview_run (a train_preview_decoder.py run folder distilled from this run's autoencoder:
    written as vae_preview/ with the card's "Preview decoder" section, preview_pack.py).
    """
    opt = {"shard_bytes": SHARD_BYTES, "budget": PACK_BUDGET, "samples": 8, "columns": 4,
           "sample_steps": 20, "guidance": 5.0, "seed": 0, "pad_token": None, "hardware": None,
           "title": "Stepwise Emoji", "history": [], "note": "",
           "prompts": [], "preview_run": None}
    opt.update(options or {})
    for key in ("vae", "unet", "text_encoder", "scheduler"):
        if not isinstance(cfg.get(key), dict):
            raise ExportError(f"config has no \"{key}\" object")
    if "|" not in model_card.attribution_sections(attribution or ""):
        raise ExportError("the attribution text has no licence table (dataset/ATTRIBUTION.md); "
                          "a pack must credit its data")
    ae_info = _read_json(os.path.join(run, "autoencoder.json"))
    df_info = _read_json(os.path.join(run, "diffusion.json"))
    scaling = ae_info.get("scaling_factor")
    if not isinstance(scaling, (int, float)) or not math.isfinite(scaling) or scaling <= 0:
        raise ExportError(f"autoencoder.json scaling_factor {scaling!r} must be a positive number")
    vocab = read_vocab(os.path.join(run, "vocab.json"))

    # Networks from the config, weights from the run (validated by key and shape).
    text_cfg = dict(cfg["text_encoder"])
    if text_cfg.get("vocab_size") != len(vocab):
        raise ExportError(f"text_encoder vocab_size {text_cfg.get('vocab_size')!r} differs from "
                          f"the {len(vocab)} tokens of the run's vocab.json")
    pad_token = pad_token_of(cfg, opt["pad_token"])
    tok = VocabTokenizer(vocab, config.clip_text_config(text_cfg)["max_position_embeddings"],
                         pad_token)
    text_cfg.update(bos_token_id=tok.bos_id, eos_token_id=tok.eos_id, pad_token_id=tok.pad_id)
    vae_cfg = dict(cfg["vae"], scaling_factor=float(scaling))
    unet = config.build_unet(cfg["unet"])
    vae = config.build_vae(vae_cfg)
    text = config.build_clip_text(text_cfg)
    _load_into(vae, _load_weights(run, "autoencoder.safetensors"), "autoencoder")
    unet_state, text_state = split_diffusion(_load_weights(run, "diffusion_ema.safetensors"))
    _load_into(unet, unet_state, "unet")
    _load_into(text, text_state, "text_encoder")
    states = {"unet": to_fp16(unet.state_dict(), "unet"),
              "vae": to_fp16(vae.state_dict(), "vae"),
              "text_encoder": to_fp16(text.state_dict(), "text_encoder")}
    weight_bytes = sum(t.numel() * 2 for s in states.values() for t in s.values())
    preview = None
    if opt["preview_run"]:
        try:
            preview = preview_pack.read_run(opt["preview_run"])
            preview_pack.check_teacher(preview[2], scaling,
                                       preview_pack.vae_fingerprint(states["vae"]))
        except preview_pack.PreviewError as e:
            raise ExportError(str(e)) from None
        weight_bytes += sum(t.numel() * 4 for t in preview[1].values())  # stored as float32
    if weight_bytes > opt["budget"]:
        raise ExportError(f"fp16 weights are {weight_bytes:,} bytes, over the budget of "
                          f"{opt['budget']:,} bytes (24 MB); shrink the model in the config")

    out = os.path.abspath(out)
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(out) + ".partial-", dir=parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes 0700; a pack is an ordinary folder
        summary = _write_pack(tmp, cfg, states, vae_cfg, text_cfg, tok, scaling, ae_info,
                              df_info, run, eval_captions, attribution, data_images, opt,
                              preview)
        _replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    summary["out"] = out
    return summary


def _replace(tmp, out):
    """Move the finished pack tmp to out; an older pack there is removed only afterwards."""
    old = None
    if os.path.exists(out):
        old = tempfile.mkdtemp(prefix="." + os.path.basename(out) + ".old-",
                               dir=os.path.dirname(out))
        os.rmdir(old)
        os.rename(out, old)
    try:
        os.rename(tmp, out)
    except BaseException:
        if old is not None:
            os.rename(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_pack(folder, cfg, states, vae_cfg, text_cfg, tok, scaling, ae_info, df_info,
                run, eval_captions, attribution, data_images, opt, preview=None):
    for sub in ("unet", "vae", "text_encoder", "tokenizer", "scheduler", "preview"):
        os.makedirs(os.path.join(folder, sub))
    sched_cfg = dict(cfg["scheduler"])
    sched_cfg.setdefault("_class_name", "DDIMScheduler")
    _write_json(os.path.join(folder, "model_index.json"), {
        "_class_name": "StableDiffusionPipeline", "feature_extractor": [None, None],
        "requires_safety_checker": False, "safety_checker": [None, None],
        "scheduler": ["diffusers", sched_cfg["_class_name"]],
        "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "PreTrainedTokenizerFast"],
        "unet": ["diffusers", "UNet2DConditionModel"], "vae": ["diffusers", "AutoencoderKL"]})
    _write_json(os.path.join(folder, "unet", "config.json"), config.unet_json(cfg["unet"]))
    _write_json(os.path.join(folder, "vae", "config.json"), config.vae_json(vae_cfg))
    _write_json(os.path.join(folder, "text_encoder", "config.json"),
                config.clip_text_json(text_cfg, "float16"))
    for comp, base in (("unet", UNET_BASE), ("vae", VAE_BASE), ("text_encoder", TEXT_BASE)):
        save_component(states[comp], os.path.join(folder, comp), base, opt["shard_bytes"])
    tok.save(os.path.join(folder, "tokenizer"))
    _write_json(os.path.join(folder, "scheduler", "scheduler_config.json"), sched_cfg)
    # Cumulative training figures, read back by train_diffusion.py when a run resumes from the pack.
    _write_json(os.path.join(folder, "training.json"), {
        "steps": int(df_info.get("steps", 0)),
        "images_seen": int(df_info.get("images_seen", 0)),
        "autoencoder_steps": int(ae_info.get("steps", 0)),
    })

    if opt["prompts"]:
        # One caption per line: what the model was trained on, for the studio's prompt ideas.
        text = "".join(c.strip() + "\n" for c in opt["prompts"] if c.strip())
        with open(os.path.join(folder, PROMPTS_FILE), "wb") as raw:
            # mtime 0 and no file name inside: the same captions give the same bytes.
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as fh:
                fh.write(text.encode("utf-8"))

    # Everything below runs on the weights as exported (fp16, read back).
    unet, vae16, text, tok2, sched = load_models(folder)
    f = 2 ** (len(vae_cfg["block_out_channels"]) - 1)
    size = int(cfg.get("image_size") or f * unet.config["sample_size"])
    if data_images is None:
        images = preview_fit.synthetic_images(64, size, torch.Generator().manual_seed(1))
        source = "64 synthetic colour fields"
    else:
        images = data_images
        source = f"{images.shape[0]} dataset images"
    _write_json(os.path.join(folder, "preview", "latent_rgb.json"),
                preview_fit.fit_vae(vae16, images, scaling))
    if preview is not None:  # the live-preview decoder, as train_preview_decoder.py --export writes it
        preview_cfg, preview_state, preview_report = preview
        preview_pack.write_folder(os.path.join(folder, preview_pack.FOLDER), preview_cfg,
                                  preview_state, preview_report, scaling)

    captions = list(eval_captions[:opt["samples"]])
    pictures = []
    latent_hw = size // f
    for i, caption in enumerate(captions):
        g = torch.Generator().manual_seed(opt["seed"] + i)
        noise = torch.randn((1, vae_cfg["latent_channels"], latent_hw, latent_hw),
                            generator=g)  # [1, C, h, w]
        run_out = ddim_txt2img(unet, vae16, text, tok2, sched, caption, "", noise,
                               opt["sample_steps"], opt["guidance"])
        pictures.append(run_out["image"])  # [1, 3, H, W]
    if pictures:
        model_card.save_png(model_card.sample_grid(torch.cat(pictures), opt["columns"]),
                 os.path.join(folder, "samples.png"))

    ev_path = os.path.join(run, "eval.json")
    sentence, cpu_only = hardware([ae_info, df_info] + _log_lines(run), opt["hardware"])
    params = {"unet": sum(t.numel() for t in states["unet"].values()),
              "vae": sum(t.numel() for t in states["vae"].values()),
              "text_encoder": sum(t.numel() for t in states["text_encoder"].values())}
    info = {"title": opt["title"], "config_name": cfg.get("name", "?"), "image_size": size,
            "params": params, "autoencoder": ae_info, "diffusion": df_info,
            "hardware": sentence, "cpu_only": cpu_only,
            "attribution": model_card.attribution_sections(attribution),
            "samples": captions, "sample_steps": opt["sample_steps"],
            "guidance": opt["guidance"], "seed": opt["seed"],
            "eval": _read_json(ev_path) if os.path.exists(ev_path) else None,
            "vocab_size": len(tok), "max_length": tok.max_length, "pad_token": tok.pad_token,
            "scaling_factor": float(scaling), "vae_factor": f,
            "latent_channels": vae_cfg["latent_channels"], "preview_source": source,
            "prompt_count": len([c for c in opt["prompts"] if c.strip()]),
            "preview_decoder_section": (preview_pack.card_section(preview[2])
                                        if preview is not None else None)}
    info["history"] = list(opt["history"]) + [history_entry(ae_info, df_info, info["eval"],
                                                            sentence, opt["note"])]
    _write_json(os.path.join(folder, "history.json"), info["history"])
    grid_src = os.path.join(run, "grid.png")
    if info["eval"] is not None and os.path.exists(grid_src):
        # The judge's labelled grid of the evaluation captions (eval/evaluate.py).
        with Image.open(grid_src) as grid:
            model_card.save_png(grid.convert("RGB"), os.path.join(folder, "eval_grid.png"))
        info["eval_grid"] = "eval_grid.png"
    others = _dir_files(folder)
    card_bytes, text_md = 0, ""
    for _ in range(8):  # the card states its own size: iterate to a fixed point
        info["file_list"] = sorted(others + [("README.md", card_bytes)])
        info["pack_bytes"] = sum(s for _, s in others) + card_bytes
        text_md = model_card.render(info)
        if len(text_md.encode("utf-8")) == card_bytes:
            break
        card_bytes = len(text_md.encode("utf-8"))
    with open(os.path.join(folder, "README.md"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text_md)
    total = check_budget(folder, opt["budget"])
    unknown = sorted({w for c in captions for w in tok.unknown_words(c)})
    return {"bytes": total, "params": params, "cpu_only": cpu_only, "unknown_words": unknown,
            "files": _dir_files(folder), "preview_source": source,
            "preview_decoder": (preview_pack.FOLDER if preview is not None else None)}
