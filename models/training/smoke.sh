#!/bin/sh
# CPU smoke run of the training pipeline from a clean checkout (about 2 minutes on 2 cores):
# builds the 36-image dataset subset, trains the smoke autoencoder and diffusion model for a
# few steps each, resumes the diffusion run, exports a latents file and a pack, distils the
# pack's preview decoder into it (vae_preview/), rehearses gpu_session.sh (fresh with its
# preview stage, then resume) and the export of its return files, and (when
# target/stepwise.jar exists) generates an image from that pack with the Java engine, writing
# every step's frame through the preview decoder.
#   sh models/training/smoke.sh            (from the repository root)
# Env: PYTHON (default /usr/bin/python3), RUN (default models/training/runs/smoke).
set -eu
cd "$(dirname "$0")/../.."
PY=${PYTHON:-/usr/bin/python3}
T=models/training
RUN=${RUN:-$T/runs/smoke}
DATA=$T/data/emoji-smoke
CFG=$T/configs/smoke.json
start=$(date +%s)
stamp() { echo "[smoke $(( $(date +%s) - start )) s] $*"; }

stamp "dataset: $DATA (36 images)"
$PY $T/dataset/build.py --out "$DATA" --limit 36
rm -rf "$RUN"
mkdir -p "$RUN"
stamp "autoencoder -> $RUN/autoencoder"
$PY $T/train_autoencoder.py --config "$CFG" --data "$DATA" --out "$RUN/autoencoder" \
    --max-steps 40 --crop 64 --device cpu --quiet
stamp "latents file -> $RUN/latents.safetensors"
$PY $T/train_autoencoder.py --config "$CFG" --data "$DATA" --resume "$RUN/autoencoder" \
    --export-latents "$RUN/latents.safetensors" --device cpu
stamp "diffusion -> $RUN/diffusion"
$PY $T/train_diffusion.py --config "$CFG" --data "$DATA" --autoencoder "$RUN/autoencoder" \
    --out "$RUN/diffusion" --max-steps 60 --lr 3e-4 --warmup-steps 10 --device cpu --quiet
stamp "diffusion resumed from its EMA weights, on the latents file"
$PY $T/train_diffusion.py --config "$CFG" --data "$RUN/latents.safetensors" \
    --resume "$RUN/diffusion" --out "$RUN/diffusion" --max-steps 20 --device cpu --quiet
stamp "preflight"
$PY $T/train_diffusion.py --config "$CFG" --data "$RUN/latents.safetensors" \
    --resume "$RUN/diffusion" --out "$RUN/diffusion" --preflight --device cpu
stamp "sample: $RUN/sample.png (guided DDIM from the run folder's EMA weights)"
$PY - "$RUN" <<'PYEOF'
import sys
sys.path.insert(0, "models/training")
import torch
from PIL import Image
from stepwise_train.pipeline import ddim_txt2img
from stepwise_train.train_run import load_run
run = load_run(sys.argv[1] + "/diffusion")
torch.manual_seed(0)
noise = torch.randn(1, 4, 16, 16)  # [1, 4, 16, 16]
out = ddim_txt2img(run["unet"], run["vae"], run["text_encoder"], run["tokenizer"],
                   run["scheduler"], "red apple, twemoji style", "", noise, 10, 4.0)
pixels = (out["image"][0].permute(1, 2, 0) * 255).round().byte().numpy()  # [128, 128, 3]
Image.fromarray(pixels).save(sys.argv[1] + "/sample.png")
PYEOF
stamp "export -> $RUN/pack (diffusers layout, fp16)"
$PY $T/export_pack.py --config "$CFG" --run "$RUN/diffusion" --out "$RUN/pack" \
    --samples 2 --sample-steps 4 --hardware cpu > "$RUN/export.log"
stamp "preview decoder -> $RUN/pack/vae_preview (distilled from the pack's own decoder)"
$PY $T/train_preview_decoder.py --pack "$RUN/pack" --data "$DATA" --out "$RUN/preview" \
    --images 32 --captions 4 --steps 4 --max-steps 30 --batch-size 16 --device cpu --export --quiet
$PY - "$RUN" <<'PYEOF'
import json, sys
sys.path.insert(0, "models/training")
import torch
from stepwise_train import preview_pack
pack = sys.argv[1] + "/pack"
student = preview_pack.load_folder(pack + "/vae_preview")  # loads with tiny_vae, keys checked
with open(pack + "/vae/config.json") as f:
    assert student.config["stepwise_vae_scaling_factor"] == json.load(f)["scaling_factor"]
with torch.no_grad():
    y = student.decode(torch.randn(1, 4, 16, 16))  # [1, 3, 64, 64]
assert list(y.shape) == [1, 3, 64, 64] and bool(torch.isfinite(y).all()), y.shape
with open(pack + "/README.md") as f:
    assert f.read().count("## Preview decoder") == 1
with open(sys.argv[1] + "/preview/preview.json") as f:
    sets = json.load(f)["sets"]
print("preview decoder: " + ", ".join(f"{k} {v['psnr_student_db']} dB (cheap {v['psnr_cheap_db']})"
                                      for k, v in sets.items()))
PYEOF
stamp "the GPU session script, rehearsed on the CPU: fresh (with its preview stage), then resumed from the pack"
OUT="$RUN/gpu-return" CFG="$CFG" DATA="$DATA" DEVICE=cpu PYTHON="$PY" WORK="$RUN/gpu-work" \
    BUDGET_S=200 AE_S=4 DM_S=6 AE_BATCH=4 DM_BATCH=4 PV_S=6 PV_SETUP=10 PV_IMAGES=16 \
    PV_CAPTIONS=2 PV_STEPS=2 PV_BATCH=8 PV_MAX_STEPS=5 sh $T/gpu_session.sh fresh 2> /dev/null
$PY $T/run_files.py unpack --from "$RUN/gpu-return" --run "$RUN/gpu-run" > /dev/null
stamp "export of the unpacked return files with their preview decoder -> $RUN/gpu-pack"
$PY $T/export_pack.py --config "$CFG" --run "$RUN/gpu-run" --out "$RUN/gpu-pack" \
    --preview-run "$RUN/gpu-run/preview" --samples 1 --sample-steps 2 --hardware cpu \
    > "$RUN/gpu-export.log"
OUT="$RUN/gpu-return-2" CFG="$CFG" DATA="$DATA" DEVICE=cpu PYTHON="$PY" WORK="$RUN/gpu-work" \
    BUDGET_S=200 DM_S=4 DM_BATCH=4 SKIP_PREFLIGHT=1 sh $T/gpu_session.sh resume "$RUN/pack" 2> /dev/null
$PY - "$RUN" <<'PYEOF'
import json, os, sys
sys.path.insert(0, "models/training")
from stepwise_train import preview_pack
from stepwise_train.train_run import load_run
run = load_run(sys.argv[1] + "/gpu-run")  # the unpacked return files load as a run folder
assert run["steps"] > 0, run["steps"]
returned = os.listdir(sys.argv[1] + "/gpu-return")
assert len(returned) <= 8 and "preview.tar.gz" in returned, returned
assert "preview.tar.gz" not in os.listdir(sys.argv[1] + "/gpu-return-2")  # resume: no stage
student = preview_pack.load_folder(sys.argv[1] + "/gpu-pack/vae_preview")
assert student.config["stepwise_vae_scaling_factor"] == run["scaling_factor"]
with open(sys.argv[1] + "/pack/training.json") as f:
    before = json.load(f)["steps"]
with open(sys.argv[1] + "/gpu-return-2/session.log") as f:
    log = f.read()
resumed = [json.loads(l)["steps"] for l in log.splitlines() if l.startswith("{") and '"end"' in l]
assert resumed and resumed[-1] > before, (before, resumed)
print(f"gpu session rehearsal: fresh run {run['steps']} steps; resumed pack {before} -> {resumed[-1]} steps")
PYEOF
JAR=${STEPWISE_JAR:-target/stepwise.jar}
if [ -f "$JAR" ]; then
  stamp "the Java engine loads the exported pack: $RUN/java.png, frames of its preview decoder in $RUN/frames"
  mkdir -p "$RUN/frames"
  java -jar "$JAR" generate --model "$RUN/pack" --prompt "red heart, twemoji style" \
      --steps 8 --seed 3 --out "$RUN/java.png" --preview tiny --frames "$RUN/frames"
  frames=$(ls "$RUN/frames" | grep -c '^image0-step00[1-8]\.png$' || true)
  [ "$frames" = 8 ] || { echo "expected 8 preview frames in $RUN/frames, found $frames"; exit 1; }
else
  stamp "no $JAR (run ./mvnw package first): Java check skipped"
fi
stamp "done"
echo "autoencoder: $(cat "$RUN/autoencoder/autoencoder.json" | tr -d '\n ')"
echo "diffusion: $(cat "$RUN/diffusion/diffusion.json" | tr -d '\n ')"
echo "run folder: $RUN/diffusion (diffusion_ema.safetensors, autoencoder.safetensors, vocab.json)"
