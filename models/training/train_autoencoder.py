#!/usr/bin/python3
"""Stage 1: train the f = 8 AutoencoderKL (128x128x3 -> 16x16x4) on the emoji images.

    python3 models/training/train_autoencoder.py --config models/training/configs/smoke.json \\
        --data models/training/data/emoji-smoke --out models/training/runs/ae-smoke \\
        [--resume RUN] [--minutes M] [--max-steps N] [--device cpu|cuda]
    python3 models/training/train_autoencoder.py --config C --data D --resume RUN \\
        --export-latents latents.safetensors

Loss (Rombach et al. 2022, LDM sec. 3 without the perceptual and GAN terms):
  L = mean|x - D(z)| + kl_weight * mean(KL(N(mu, sigma^2) || N(0, 1))),  z ~ posterior,
  KL per element = 0.5 (mu^2 + sigma^2 - 1 - log sigma^2) (diffusers vae.py
  DiagonalGaussianDistribution.kl, averaged instead of summed).
AdamW with linear warm-up, bf16 autocast on CUDA only, random horizontal flips, a checkpoint
(atomic) every checkpoint_seconds and at the end. The latent scaling factor is 1 / std of the
posterior means over a sample of the data (LDM appendix; SD's 0.18215 was measured this way).
Writes <out>/autoencoder.safetensors (diffusers keys, fp32), autoencoder.json, config.json,
vocab.json, log.jsonl.
"""

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from stepwise_train import config as model_config  # noqa: E402
from stepwise_train import safetensors_io  # noqa: E402
from stepwise_train import data as train_data  # noqa: E402
from stepwise_train.train_common import (  # noqa: E402
    Clock, RunLog, TrainError, atomic_save_safetensors, atomic_write_json, autocast,
    cpu_state, finite_or_raise, load_config, load_exact, make_adamw, read_json,
    resolve_device, seed_all, warmup_lr)

WEIGHTS = "autoencoder.safetensors"
META = "autoencoder.json"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True)
    p.add_argument("--data", required=True, help="dataset folder or .swpack file")
    p.add_argument("--out", help="run folder to write (created)")
    p.add_argument("--resume", help="run folder holding autoencoder.safetensors")
    p.add_argument("--minutes", type=float, default=None)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--batch-size", type=int, default=None, help="override the config")
    p.add_argument("--limit", type=int, default=0, help="use only the first N images")
    p.add_argument("--crop", type=int, default=0,
                   help="train on random CROPxCROP windows (a multiple of 8; 0 = whole images): "
                        "the networks are convolutional, so a CPU run sees more images per second")
    p.add_argument("--checkpoint-seconds", type=float, default=None, help="override the config")
    p.add_argument("--lr", type=float, default=None, help="override the config")
    p.add_argument("--warmup-steps", type=int, default=None, help="override the config")
    p.add_argument("--scale-sample", type=int, default=None,
                   help="images used to measure the scaling factor (override the config)")
    p.add_argument("--export-latents", metavar="FILE",
                   help="encode the dataset with --resume's weights into FILE and exit")
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    if args.export_latents is None and args.out is None:
        p.error("--out is required unless --export-latents is given")
    if args.export_latents is None and args.minutes is None and args.max_steps is None:
        p.error("give --minutes M and/or --max-steps N (a run must end)")
    if args.crop < 0 or args.crop % 8:
        p.error(f"--crop {args.crop} must be 0 or a positive multiple of 8")
    if args.export_latents is not None and args.resume is None:
        p.error("--export-latents needs --resume RUN (the trained autoencoder)")
    return args


def kl_mean(posterior):
    """Mean over elements of KL(N(mu, var) || N(0, 1)) (diffusers vae.py kl(), averaged)."""
    mean, logvar = posterior.mean.float(), posterior.logvar.float()  # [B, C, h, w] each
    return 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar).mean()  # []


@torch.no_grad()
def encode_means(vae, images_uint8, device, batch=64, flip=False):
    """uint8 [N, S, S, 3] numpy -> posterior means [N, C, h, w] float32 on CPU (unscaled)."""
    out = []
    for i in range(0, len(images_uint8), batch):
        x = torch.from_numpy(images_uint8[i:i + batch]).to(device)  # [b, S, S, 3]
        mask = torch.full((x.shape[0],), flip, dtype=torch.bool, device=device)  # [b]
        with autocast(device):
            mean = vae.encode(train_data.to_model_input(x, mask)).mean  # [b, C, h, w]
        out.append(mean.float().cpu())
    return torch.cat(out)  # [N, C, h, w]


def measure_scaling(vae, images_uint8, device, count):
    """1 / std of the posterior means over the first `count` images (LDM scaling factor)."""
    means = encode_means(vae, images_uint8[:count], device)  # [n, C, h, w]
    std = float(means.std())
    if not std > 0:
        raise TrainError(f"latent std {std} is not positive; the autoencoder is degenerate")
    return 1.0 / std, std


def load_run(vae, folder):
    """Load <folder>/autoencoder.safetensors into vae; returns autoencoder.json (or {})."""
    path = os.path.join(folder, WEIGHTS)
    if not os.path.exists(path):
        raise TrainError(f"--resume {folder} has no {WEIGHTS}")
    load_exact(vae, safetensors_io.load_file(path), "autoencoder")
    meta_path = os.path.join(folder, META)
    return read_json(meta_path) if os.path.exists(meta_path) else {}


def save_checkpoint(out, vae, meta):
    atomic_save_safetensors(os.path.join(out, WEIGHTS), cpu_state(vae),
                            {"steps": str(meta["steps"])})
    atomic_write_json(os.path.join(out, META), meta)


def export_latents(args, cfg, device):
    vae = model_config.build_vae(cfg["vae"]).to(device).eval()
    meta = load_run(vae, args.resume)
    if "scaling_factor" not in meta:
        raise TrainError(f"{args.resume}/{META} has no scaling_factor")
    data = train_data.load_images(args.data, cfg["image_size"], args.limit)
    t0 = time.time()
    means = encode_means(vae, data.images, device).half()  # [N, C, h, w]
    train_data.save_latents(args.export_latents, means, data.captions, data.vocab,
                            meta["scaling_factor"], meta.get("steps", 0))
    size = os.path.getsize(args.export_latents)
    print(f"wrote {args.export_latents}: {len(data)} latents {list(means.shape[1:])}, "
          f"{size} bytes ({size / max(1, len(data)):.0f} per image), {time.time() - t0:.1f} s",
          flush=True)
    return {"file": args.export_latents, "count": len(data), "bytes": size}


def train(args):
    """Run stage 1; returns the final autoencoder.json dict."""
    cfg = load_config(args.config)
    device = resolve_device(args.device)
    if args.export_latents:
        return export_latents(args, cfg, device)
    tcfg = dict(cfg["train"]["autoencoder"])
    for key in ("lr", "warmup_steps"):
        if getattr(args, key, None) is not None:
            tcfg[key] = getattr(args, key)  # a run's override; the config stays as committed
    seed_all(cfg["train"].get("seed", 0))
    os.makedirs(args.out, exist_ok=True)
    data = train_data.load_images(args.data, cfg["image_size"], args.limit)
    atomic_write_json(os.path.join(args.out, "config.json"), cfg)
    atomic_write_json(os.path.join(args.out, "vocab.json"), data.vocab)

    vae = model_config.build_vae(cfg["vae"]).to(device)
    start_step, images_seen = 0, 0
    if args.resume:
        prev = load_run(vae, args.resume)
        start_step, images_seen = int(prev.get("steps", 0)), int(prev.get("images_seen", 0))
    vae.train()
    opt = make_adamw(vae.parameters(), tcfg["lr"], tcfg.get("weight_decay", 0.0))
    batch = args.batch_size or tcfg["batch_size"]
    kl_weight, flip = tcfg.get("kl_weight", 1e-4), tcfg.get("flip", True)
    images = torch.from_numpy(data.images).to(device)  # [N, S, S, 3] uint8
    n = images.shape[0]
    log = RunLog(args.out, args.quiet)
    clock = Clock(args.minutes, args.checkpoint_seconds or cfg["train"].get("checkpoint_seconds", 60))
    size = images.shape[1]
    crop = args.crop if 0 < args.crop < size else 0
    scale_sample = args.scale_sample or tcfg.get("scale_sample", 1024)
    log_every = cfg["train"].get("log_every", 20)
    step, local = start_step, 0
    avg = None  # running mean of L1, kept on the device (no sync per step)

    def l1_avg():
        return None if avg is None else finite_or_raise(float(avg), step)

    def snapshot():
        # Every checkpoint carries a measured scaling factor, so any of them can be used.
        scale, std = measure_scaling(vae.eval(), data.images, device,
                                     scale_sample)
        vae.train()
        return {"steps": step, "scaling_factor": scale, "latent_std": std, "l1": l1_avg(),
                "images_seen": images_seen, "seconds": round(clock.elapsed(), 1),
                "device": device.type, "config": cfg["name"], "batch_size": batch,
                "kl_weight": kl_weight, "images": n, "crop": crop}

    while True:
        if args.max_steps is not None and local >= args.max_steps:
            break
        if clock.out_of_time():
            break
        idx = torch.randint(0, n, (batch,), device=device)  # [B]
        mask = (torch.rand(batch, device=device) < 0.5) if flip else None  # [B]
        x = train_data.to_model_input(images[idx], mask)  # [B, 3, S, S]
        if crop:
            # One window per batch, on the latent grid so that crops align with 8x8 cells.
            i0, j0 = (int(v) * 8 for v in torch.randint(0, (size - crop) // 8 + 1, (2,)))
            x = x[:, :, i0:i0 + crop, j0:j0 + crop].contiguous()  # [B, 3, crop, crop]
        for group in opt.param_groups:
            group["lr"] = warmup_lr(tcfg["lr"], local, tcfg.get("warmup_steps", 0))
        with autocast(device):
            posterior = vae.encode(x)
            # Reparameterised sample drawn on the device (DiagonalGaussian.sample draws on CPU).
            z = posterior.mean + posterior.std * torch.randn_like(posterior.std)  # [B, C, h, w]
            recon = vae.decode(z)  # [B, 3, S, S]
        l1 = (recon.float() - x).abs().mean()  # []
        kl = kl_mean(posterior)  # []
        loss = l1 + kl_weight * kl.float()  # []
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        local += 1
        images_seen += batch
        avg = l1.detach() if avg is None else 0.9 * avg + 0.1 * l1.detach()  # []
        if local % log_every == 0 or local == 1:
            l1_now = finite_or_raise(float(l1.detach()), step)
            log.write(stage="autoencoder", step=step, l1=l1_now, kl=float(kl.detach()),
                      l1_avg=l1_avg(), seconds=round(clock.elapsed(), 2),
                      images_per_s=round(local * batch / max(clock.elapsed(), 1e-9), 1))
        if clock.checkpoint_due():
            meta = snapshot()
            save_checkpoint(args.out, vae, meta)
    meta = snapshot()
    save_checkpoint(args.out, vae, meta)
    log.write(stage="autoencoder", event="end", **{k: meta[k] for k in
                                                    ("steps", "l1", "scaling_factor",
                                                     "latent_std", "seconds")})
    return meta


def main(argv=None):
    args = parse_args(argv)
    try:
        result = train(args)
    except (TrainError, safetensors_io.SafetensorsError, OSError) as error:
        print(f"train_autoencoder.py: {error}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(f"run folder: {args.out or args.export_latents}  {result}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
