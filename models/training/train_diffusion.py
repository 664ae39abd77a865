#!/usr/bin/python3
"""Stage 2: train the UNet and the CLIP-style text encoder together on the frozen latents.

    python3 models/training/train_diffusion.py --config models/training/configs/smoke.json \\
        --data models/training/data/emoji-smoke --autoencoder models/training/runs/ae-smoke \\
        --out models/training/runs/dm-smoke [--resume RUN_OR_PACK] [--minutes M] \\
        [--max-steps N] [--device cpu|cuda] [--preflight]

--data: a dataset folder, a .swpack file, or a latents .safetensors file written by
train_autoencoder.py --export-latents. --resume: a run folder of this script (its EMA weights)
or a shipped pack folder (diffusers layout: unet/ and text_encoder/ weights; its vae/ and
tokenizer/ are then the frozen autoencoder and vocabulary). Optimizer state is never kept.

Objective (Ho et al. 2020, eq. 14; LDM: in the latent space): z0 = scaling_factor * E(x),
t ~ U{0..T-1}, eps ~ N(0, I), z_t = sqrt(abar_t) z0 + sqrt(1 - abar_t) eps, loss = MSE(eps,
unet(z_t, t, text(ids))). abar from the config's betas (ddim.make_betas: scaled_linear). The
caption is replaced by the empty caption (<bos> <eos> padding) with probability
caption_dropout, for classifier-free guidance (Ho & Salimans 2022). AdamW + linear warm-up,
gradient clip, bf16 autocast on CUDA for the UNet (the text encoder runs in fp32), EMA of
both networks saved as diffusion_ema.safetensors ("unet." / "text_encoder." keys, fp32).

Caption variety and geometric jitter (issue 18; config train.diffusion "caption_variety" and
"jitter", stepwise_train/variety.py): per sample, style and skin-tone parts dropped and the name
replaced by a short name or keyword of vocab.json "name_forms" at the configured rates; K
extra latent variants per image from copies moved by at most 2 px and scaled by at most 5%
(none for vocab.json "fixed_size" names, none from a latents file). Off when the keys are absent.
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import run_files  # noqa: E402
from stepwise_train import config as model_config  # noqa: E402
from stepwise_train import data as train_data  # noqa: E402
from stepwise_train import safetensors_io  # noqa: E402
from stepwise_train import variety  # noqa: E402
from stepwise_train.ddim import DDIMScheduler  # noqa: E402
from stepwise_train.pack import clip_keys  # noqa: E402
from stepwise_train.train_common import (  # noqa: E402
    EMA, Clock, DatasetTokenizer, RunLog, TrainError, atomic_save_safetensors,
    atomic_write_json, autocast, cpu_state, finite_or_raise, load_config, load_exact,
    make_adamw, read_json, resolve_device, seed_all, split_prefixed, warmup_lr)

EMA_WEIGHTS = "diffusion_ema.safetensors"
META = "diffusion.json"
AE_WEIGHTS, AE_META = "autoencoder.safetensors", "autoencoder.json"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--autoencoder", help="autoencoder run folder (not needed with a pack)")
    p.add_argument("--out", required=True)
    p.add_argument("--resume", help="run folder or shipped pack folder")
    p.add_argument("--minutes", type=float, default=None)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--batch-size", type=int, default=None, help="override the config")
    p.add_argument("--lr", type=float, default=None, help="override the config")
    p.add_argument("--warmup-steps", type=int, default=None, help="override the config")
    p.add_argument("--checkpoint-seconds", type=float, default=None, help="override the config")
    p.add_argument("--limit", type=int, default=0, help="use only the first N images")
    p.add_argument("--preflight", action="store_true",
                   help="a few timed steps; prints throughput and memory, writes nothing")
    p.add_argument("--preflight-steps", type=int, default=8)
    p.add_argument("--return-dir", help="after every checkpoint, also write the run's return "
                   "files (run_files.py pack) here: a GPU run's $OUT")
    p.add_argument("--return-log", action="append", default=[],
                   help="extra log file for the return files (repeatable)")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    if not args.preflight and args.minutes is None and args.max_steps is None:
        p.error("give --minutes M and/or --max-steps N (a run must end)")
    return args


def is_pack(folder):
    return os.path.isfile(os.path.join(folder, "model_index.json"))


def _pack_json(folder, *parts):
    return read_json(os.path.join(folder, *parts))


class Frozen:
    """The frozen side of a run: vae (or None with a latents file), scaling factor, tokenizer."""

    def __init__(self, vae, vae_cfg, scaling_factor, ae_meta, tokenizer):
        self.vae, self.vae_cfg = vae, vae_cfg
        self.scaling_factor = scaling_factor
        self.ae_meta = ae_meta
        self.tokenizer = tokenizer


def load_autoencoder_run(folder, cfg):
    path = os.path.join(folder, AE_WEIGHTS)
    if not os.path.exists(path):
        raise TrainError(f"--autoencoder {folder} has no {AE_WEIGHTS}")
    run_cfg_path = os.path.join(folder, "config.json")
    vae_cfg = read_json(run_cfg_path)["vae"] if os.path.exists(run_cfg_path) else cfg["vae"]
    vae = model_config.build_vae(vae_cfg)
    load_exact(vae, safetensors_io.load_file(path), "autoencoder")
    meta = read_json(os.path.join(folder, AE_META))
    if not float(meta.get("scaling_factor") or 0) > 0:
        raise TrainError(f"{folder}/{AE_META} has no positive scaling_factor")
    return vae.eval(), vae_cfg, meta


def load_pack_frozen(folder):
    """vae, its config, autoencoder meta and tokenizer of a shipped pack folder."""
    vae_cfg = _pack_json(folder, "vae", "config.json")
    vae = model_config.build_vae(vae_cfg)
    load_exact(vae, safetensors_io.load_sharded(os.path.join(folder, "vae"),
                                                "diffusion_pytorch_model.safetensors"),
               "pack vae")
    scale = float(vae_cfg.get("scaling_factor", 0))
    if not scale > 0:
        raise TrainError(f"{folder}/vae/config.json scaling_factor {scale} is not positive")
    tok = DatasetTokenizer.from_tokenizer_json(_pack_json(folder, "tokenizer", "tokenizer.json"))
    meta = {"scaling_factor": scale, "source": folder}
    training = os.path.join(folder, "training.json")
    if os.path.exists(training):  # the frozen autoencoder's own step count travels on
        meta["steps"] = int(read_json(training).get("autoencoder_steps", 0))
    return vae.eval(), vae_cfg, meta, tok


def pack_steps(folder):
    """(cumulative steps, images seen) of a pack: its training.json, when it carries one."""
    path = os.path.join(folder, "training.json")
    if not os.path.exists(path):
        print(f"warning: {folder} has no training.json; the step count restarts at 0",
              file=sys.stderr)
        return 0, 0
    info = read_json(path)
    return int(info.get("steps", 0)), int(info.get("images_seen", 0))


def load_weights(unet, text, resume):
    """EMA weights of a run folder or a pack into unet and text; returns (steps, images_seen)."""
    if is_pack(resume):
        load_exact(unet, safetensors_io.load_sharded(os.path.join(resume, "unet"),
                                                     "diffusion_pytorch_model.safetensors"),
                   "pack unet")
        load_exact(text, clip_keys(safetensors_io.load_sharded(
            os.path.join(resume, "text_encoder"), "model.safetensors")), "pack text encoder")
        return pack_steps(resume)
    path = os.path.join(resume, EMA_WEIGHTS)
    if not os.path.exists(path):
        raise TrainError(f"--resume {resume} is neither a pack folder nor holds {EMA_WEIGHTS}")
    state = safetensors_io.load_file(path)
    load_exact(unet, split_prefixed(state, "unet"), "unet")
    load_exact(text, split_prefixed(state, "text_encoder"), "text encoder")
    meta = read_json(os.path.join(resume, META))
    return int(meta.get("steps", 0)), int(meta.get("images_seen", 0))


@torch.no_grad()
def latent_table(frozen, data, device, flip, batch=64, theta=None):
    """Posterior (mean, std) of every image, unscaled: 2 x [N, V, C, h, w]. V = (1 + K) x 2
    with flips, K jittered copies per image when theta [N, K, 2, 3] is given (variety.py)."""
    copies = 0 if theta is None else theta.shape[1]
    variants = [(j, v) for j in range(1 + copies) for v in ((False, True) if flip else (False,))]
    means, stds = [], []
    vae = frozen.vae.to(device)
    for i in range(0, len(data), batch):
        x = torch.from_numpy(data.images[i:i + batch]).to(device)  # [b, S, S, 3]
        m_v, s_v = [], []
        for j, v in variants:
            mask = torch.full((x.shape[0],), v, dtype=torch.bool, device=device)  # [b]
            x_in = train_data.to_model_input(x, mask)  # [b, 3, S, S]
            if j:
                x_in = variety.apply_jitter(x_in, theta[i:i + batch, j - 1])  # [b, 3, S, S]
            post = vae.encode(x_in)
            m_v.append(post.mean.float())  # [b, C, h, w]
            s_v.append(post.std.float())  # [b, C, h, w]
        means.append(torch.stack(m_v, 1))  # [b, V, C, h, w]
        stds.append(torch.stack(s_v, 1))  # [b, V, C, h, w]
    vae.cpu()
    return torch.cat(means), torch.cat(stds)  # [N, V, C, h, w] each


def setup(args, cfg, device):
    """Frozen parts, data tables and the two trainable networks."""
    is_latents = train_data.is_latents_file(args.data)
    data = (train_data.load_latents(args.data) if is_latents
            else train_data.load_images(args.data, cfg["image_size"], args.limit))
    if is_latents and args.limit:
        data.latents, data.captions = data.latents[:args.limit], data.captions[:args.limit]
    tcfg = cfg["train"]["diffusion"]
    _, jit = variety.settings(tcfg)  # a latents file holds means only: no jitter copies
    length = cfg["text_encoder"]["max_position_embeddings"]
    if args.resume and is_pack(args.resume):
        vae, vae_cfg, ae_meta, tok = load_pack_frozen(args.resume)
    else:
        ae_folder = args.autoencoder or (args.resume if args.resume and os.path.exists(
            os.path.join(args.resume, AE_WEIGHTS)) else None)
        if ae_folder is None and not is_latents:
            raise TrainError("--autoencoder RUN is needed (or --resume a pack or a run folder)")
        vae, vae_cfg, ae_meta = (load_autoencoder_run(ae_folder, cfg) if ae_folder
                                 else (None, cfg["vae"], {"scaling_factor": data.scaling_factor}))
        tok = DatasetTokenizer.from_vocab_json(data.vocab, length,
                                               tcfg.get("pad_token", "<eos>"))
    if tok.vocab != data.vocab["token_to_id"]:
        raise TrainError("the data's vocab.json differs from the frozen tokenizer's vocabulary;"
                         " the vocabulary is frozen once a pack ships")
    if tok.max_length != length or len(tok.vocab) != cfg["text_encoder"]["vocab_size"]:
        raise TrainError(f"tokenizer ({len(tok.vocab)} words, length {tok.max_length}) does not "
                         f"match text_encoder vocab_size {cfg['text_encoder']['vocab_size']} "
                         f"and max_position_embeddings {length}")
    scale = float(ae_meta["scaling_factor"])
    if is_latents and abs(scale - data.scaling_factor) > 1e-6 * scale:
        raise TrainError(f"latents file scaling_factor {data.scaling_factor} differs from the "
                         f"autoencoder's {scale}: re-export the latents")
    frozen = Frozen(vae, vae_cfg, scale, ae_meta, tok)
    if is_latents:
        mean = data.latents.to(device)[:, None]  # [N, 1, C, h, w]
        std = torch.zeros_like(mean)  # [N, 1, C, h, w]: means only
    else:
        theta = None
        if jit and jit.get("copies", 0) > 0:
            fixed = variety.fixed_size_mask(data.captions, data.vocab)
            theta = variety.jitter_params(len(data), jit["copies"], jit.get("shift_px", 0),
                                          jit.get("scale", 0), cfg["image_size"], fixed,
                                          cfg["train"].get("seed", 0))  # [N, K, 2, 3]
        mean, std = latent_table(frozen, data, device, tcfg.get("flip", True), theta=theta)
        mean, std = mean.to(device), std.to(device)  # [N, V, C, h, w] each
    ids, forms = variety.caption_table(data.captions, data.vocab, tok)  # [N, F, 4, L], [N]
    ids, forms = ids.to(device), forms.to(device)
    truncated = sum(tok.content_length(c) > length - 2 for c in data.captions)
    unet = model_config.build_unet(cfg["unet"]).to(device)
    text = model_config.build_clip_text(cfg["text_encoder"]).to(device)
    return frozen, data, mean, std, (ids, forms), truncated, unet, text


def save_checkpoint(out, ema, meta, return_dir=None, return_logs=()):
    atomic_save_safetensors(os.path.join(out, EMA_WEIGHTS), ema.state(),
                            {"steps": str(meta["steps"])})
    atomic_write_json(os.path.join(out, META), meta)
    if return_dir:
        run_files.pack(out, return_dir, return_logs)


def write_frozen(out, frozen, cfg, data_vocab):
    """config.json, vocab.json and the frozen autoencoder, so the run folder exports alone."""
    run_cfg = dict(cfg, vae=frozen.vae_cfg)
    atomic_write_json(os.path.join(out, "config.json"), run_cfg)
    atomic_write_json(os.path.join(out, "vocab.json"), data_vocab)
    if frozen.vae is not None:
        atomic_save_safetensors(os.path.join(out, AE_WEIGHTS), cpu_state(frozen.vae))
        atomic_write_json(os.path.join(out, AE_META), dict(frozen.ae_meta))


def train(args, keep=None):
    """Run stage 2 (or the preflight); returns the final diffusion.json dict.

    keep: optional dict that receives the live "unet", "text_encoder" and "ema" (for tests).
    """
    cfg = load_config(args.config)
    device = resolve_device(args.device)
    tcfg = dict(cfg["train"]["diffusion"])
    for key in ("lr", "warmup_steps"):
        if getattr(args, key) is not None:
            tcfg[key] = getattr(args, key)  # a run's override; the config stays as committed
    seed_all(cfg["train"].get("seed", 0))
    t_setup = time.time()
    caption_cfg, jitter_cfg = variety.settings(tcfg)
    frozen, data, lat_mean, lat_std, (ids, forms), truncated, unet, text = setup(args, cfg,
                                                                                 device)
    start_step, images_seen = (load_weights(unet, text, args.resume) if args.resume
                               else (0, 0))
    setup_s = time.time() - t_setup
    modules = {"unet": unet, "text_encoder": text}
    ema = EMA(modules, tcfg["ema_decay"])
    unet.train()
    text.train()
    params = list(unet.parameters()) + list(text.parameters())
    opt = make_adamw(params, tcfg["lr"], tcfg.get("weight_decay", 0.0))
    sched = DDIMScheduler(cfg["scheduler"])
    abar = sched.alphas_cumprod.to(device)  # [T]
    n_t = abar.shape[0]
    batch = args.batch_size or tcfg["batch_size"]
    n, variants = lat_mean.shape[0], lat_mean.shape[1]
    empty = torch.tensor(frozen.tokenizer.encode(""), dtype=torch.int64, device=device)  # [L]
    drop_p = tcfg.get("caption_dropout", 0.1)
    scale = frozen.scaling_factor
    if not args.preflight:
        os.makedirs(args.out, exist_ok=True)
        write_frozen(args.out, frozen, cfg, data.vocab)
    log = RunLog(args.out, args.quiet) if not args.preflight else None
    clock = Clock(args.minutes,
                  args.checkpoint_seconds or cfg["train"].get("checkpoint_seconds", 60))
    log_every = cfg["train"].get("log_every", 20)
    max_steps = args.preflight_steps + 2 if args.preflight else args.max_steps
    step, local, timed_from = start_step, 0, None
    avg = None  # running mean of the loss, kept on the device (no sync per step)

    def loss_avg():
        return None if avg is None else finite_or_raise(float(avg), step)

    def meta():
        return {"steps": step, "loss": loss_avg(), "images_seen": images_seen,
                "run_steps": local, "seconds": round(clock.elapsed(), 1),
                "device": device.type, "config": cfg["name"], "batch_size": batch,
                "images": n, "scaling_factor": scale, "caption_dropout": drop_p,
                "ema_decay": tcfg["ema_decay"], "truncated_captions": truncated,
                "pad_token": frozen.tokenizer.pad_token, "resumed_from": args.resume,
                "caption_variety": caption_cfg, "latent_variants": variants,
                "jitter": jitter_cfg if variants > (2 if tcfg.get("flip", True) else 1) else None,
                "data": args.data}

    while True:
        if max_steps is not None and local >= max_steps:
            break
        if clock.out_of_time():
            break
        if args.preflight and local == 2:
            if device.type == "cuda":
                torch.cuda.synchronize()
            timed_from = time.time()
        idx = torch.randint(0, n, (batch,), device=device)  # [B]
        var = torch.randint(0, variants, (batch,), device=device)  # [B]
        mu, sd = lat_mean[idx, var], lat_std[idx, var]  # [B, C, h, w] each
        z0 = (mu + sd * torch.randn_like(sd)) * scale  # [B, C, h, w] scaled latents
        drop = torch.rand(batch, device=device) < drop_p  # [B]
        tok = torch.where(drop[:, None], empty[None],
                          variety.sample_ids(ids, forms, idx, caption_cfg))  # [B, L]
        t = torch.randint(0, n_t, (batch,), device=device)  # [B]
        noise = torch.randn_like(z0)  # [B, C, h, w]
        a = abar[t][:, None, None, None]  # [B, 1, 1, 1]
        zt = a.sqrt() * z0 + (1 - a).sqrt() * noise  # [B, C, h, w] (Ho et al. eq. 4)
        for group in opt.param_groups:
            group["lr"] = warmup_lr(tcfg["lr"], local, tcfg.get("warmup_steps", 0))
        context = text(tok)[0]  # [B, L, D] in fp32
        with autocast(device):
            pred = unet(zt, t, context)  # [B, C, h, w]
        loss = torch.nn.functional.mse_loss(pred.float(), noise)  # []
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, tcfg.get("grad_clip", 1.0))
        opt.step()
        step += 1
        local += 1
        images_seen += batch
        ema.update(modules, step)
        avg = loss.detach() if avg is None else 0.95 * avg + 0.05 * loss.detach()  # []
        if log is not None and (local % log_every == 0 or local == 1):
            loss_now = finite_or_raise(float(loss.detach()), step)
            log.write(stage="diffusion", step=step, loss=loss_now,
                      loss_avg=loss_avg(),
                      lr=opt.param_groups[0]["lr"], seconds=round(clock.elapsed(), 2),
                      images_per_s=round(local * batch / max(clock.elapsed(), 1e-9), 1))
        if not args.preflight and clock.checkpoint_due():
            save_checkpoint(args.out, ema, meta(), args.return_dir, args.return_log)
    if args.preflight:
        return preflight_report(device, timed_from, local - 2, batch, setup_s, unet, text)
    result = meta()
    save_checkpoint(args.out, ema, result, args.return_dir, args.return_log)
    if keep is not None:
        keep.update(unet=unet, text_encoder=text, ema=ema)
    log.write(stage="diffusion", event="end", steps=step, loss=result["loss"],
              images_seen=images_seen, seconds=result["seconds"])
    return result


def preflight_report(device, timed_from, steps, batch, setup_s, unet, text):
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.time() - timed_from
    ips = steps * batch / seconds
    report = {"preflight": True, "device": str(device), "setup_s": round(setup_s, 1),
              "timed_steps": steps, "batch_size": batch,
              "steps_per_s": round(steps / seconds, 3), "images_per_s": round(ips, 1),
              "images_in_7_min": int(ips * 420), "steps_in_7_min": int(steps / seconds * 420),
              "unet_params": sum(p.numel() for p in unet.parameters()),
              "text_params": sum(p.numel() for p in text.parameters())}
    if device.type == "cuda":
        report["peak_memory_gib"] = round(torch.cuda.max_memory_allocated() / 2 ** 30, 2)
        report["gpu"] = torch.cuda.get_device_name()
    print(json.dumps(report), flush=True)
    return report


def main(argv=None):
    args = parse_args(argv)
    try:
        result = train(args)
    except (TrainError, safetensors_io.SafetensorsError, OSError) as error:
        print(f"train_diffusion.py: {error}", file=sys.stderr)
        return 2
    if not args.quiet and not args.preflight:
        print(f"run folder: {args.out}  {json.dumps(result)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
