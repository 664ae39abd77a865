#!/bin/sh
# One GPU session of the built-in model's training, as ONE command on the lent GPU machine
# (device time is short and a second start costs minutes, so preflight, training and packaging
# run in one go):
#   sh models/training/gpu_session.sh fresh           autoencoder, then diffusion from scratch,
#                                                     then the preview decoder distilled from
#                                                     the new autoencoder (PV_S seconds)
#   sh models/training/gpu_session.sh resume PACK     diffusion continued from a shipped pack's
#                                                     EMA weights (its autoencoder and vocabulary
#                                                     stay frozen, so its preview decoder still
#                                                     fits: no preview stage unless PV_S is set)
# Run from the repository root with the dataset pack carried (carry: models/training/data/X.swpack).
# Env: OUT (required: the folder that comes back), DATA (default
#      models/training/data/emoji-27.swpack), BUDGET_S (wall seconds of the whole script,
#      default 520), AE_S (autoencoder seconds in fresh mode, default 110), DEVICE (cuda),
#      DM_S (cap on the diffusion seconds, default none), CFG (default
#      configs/stepwise-emoji.json; the smoke run rehearses this script with configs/smoke.json),
#      PYTHON (python3), AE_BATCH (the config's), DM_BATCH (512), DM_LR (4e-4), DM_WARMUP (300), LIMIT (0 = all images;
#      a CPU rehearsal uses a few hundred), SKIP_PREFLIGHT (1 skips it: for a second call on the
#      same kind of machine), AE_CHECK (fresh: dataset images reconstructed by the new
#      autoencoder for eval/ae_artefacts.py's speckle share in session.log, default 160; 0 = none).
#      Preview decoder (train_preview_decoder.py --run on the diffusion run folder): PV_S
#      (training seconds; fresh 60, resume 0 = none; PV_S + PV_SETUP are reserved out of the
#      diffusion budget), PV_SETUP (its start, data stage and evaluation, default 25),
#      PV_IMAGES (384 dataset images), PV_CAPTIONS (32 captions' trajectories), PV_STEPS (20
#      DDIM steps each), PV_BATCH (256), PV_MAX_STEPS (none; a CPU rehearsal caps the steps).
# Returns in $OUT (<= 8 files, <= 16 MiB each; run_files.py counts them): ema-0000i-of-00003
# .safetensors + index (EMA weights, fp32: 4 files), autoencoder.safetensors, run.tar.gz (run
# jsons and logs), preview.tar.gz (the preview decoder run: student.safetensors, student.json,
# preview.json, log.jsonl) and session.log: 8. The diffusion files are rewritten at every
# diffusion checkpoint (once a minute), so a run cut short still returns its last one;
# preview.tar.gz comes after diffusion.
# Back on the CPU: run_files.py unpack --from FILES --run models/training/runs/R (the preview
# decoder run lands in R/preview), then export_pack.py ... --run R --preview-run R/preview.
set -eu
cd "$(dirname "$0")/../.."
MODE=${1:?usage: gpu_session.sh fresh | resume PACK}
PY=${PYTHON:-python3}
T=models/training
CFG=${CFG:-$T/configs/stepwise-emoji.json}
DATA=${DATA:-$T/data/emoji-27.swpack}
OUT=${OUT:?set OUT to the folder that comes back}
BUDGET_S=${BUDGET_S:-520}
AE_S=${AE_S:-110}
DEVICE=${DEVICE:-cuda}
DM_BATCH=${DM_BATCH:-512}
DM_LR=${DM_LR:-4e-4}
DM_WARMUP=${DM_WARMUP:-300}
LIMIT=${LIMIT:-0}
AE_BATCH=${AE_BATCH:-0}
AE_CHECK=${AE_CHECK:-160}
case "$MODE" in
  fresh) PV_S=${PV_S:-60} ;;
  *) PV_S=${PV_S:-0} ;;  # resume: the autoencoder is frozen, the pack's preview decoder fits
esac
PV_SETUP=${PV_SETUP:-25}
PV_IMAGES=${PV_IMAGES:-384}
PV_CAPTIONS=${PV_CAPTIONS:-32}
PV_STEPS=${PV_STEPS:-20}
PV_BATCH=${PV_BATCH:-256}
PV_RESERVE=0
if [ "$PV_S" -gt 0 ]; then PV_RESERVE=$(( PV_S + PV_SETUP )); fi
PV_EXTRA=""
if [ -n "${PV_MAX_STEPS:-}" ]; then PV_EXTRA="--max-steps $PV_MAX_STEPS"; fi
WORK=${WORK:-/tmp/stepwise-gpu-session}
start=$(date +%s)
elapsed() { echo $(( $(date +%s) - start )); }
stamp() { echo "[session $(elapsed) s] $*"; }
minutes() { awk -v s="$1" 'BEGIN { if (s < 6) s = 6; printf "%.3f", s / 60 }'; }

mkdir -p "$OUT"
rm -rf "$WORK"
mkdir -p "$WORK"
exec > "$OUT/session.log" 2>&1
trap 'stamp "exit"; tail -c 4000 "$OUT/session.log" >&2 || true' EXIT
[ -e "$DATA" ] || { echo "no dataset $DATA (carry it)"; exit 2; }

stamp "mode $MODE, data $DATA ($(du -sb "$DATA" | cut -f1) bytes), budget $BUDGET_S s, preview decoder $PV_S s"
$PY -c "import torch, PIL, numpy; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name() if torch.cuda.is_available() else '-', 'PIL', PIL.__version__, 'numpy', numpy.__version__)"
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv || true

if [ "${SKIP_PREFLIGHT:-0}" = 1 ]; then
  stamp "preflight skipped (SKIP_PREFLIGHT=1: the same code just ran on this kind of machine)"
else
stamp "preflight: 3 autoencoder steps and a timed diffusion preflight on 256 images"
$PY $T/train_autoencoder.py --config "$CFG" --data "$DATA" --out "$WORK/pre-ae" --limit 256 \
    --max-steps 3 --batch-size "$AE_BATCH" --scale-sample 64 --device "$DEVICE" --quiet
$PY $T/train_diffusion.py --config "$CFG" --data "$DATA" --autoencoder "$WORK/pre-ae" \
    --out "$WORK/pre-dm" --limit 256 --preflight --batch-size "$DM_BATCH" --device "$DEVICE"
fi

case "$MODE" in
  fresh)
    stamp "autoencoder for $AE_S s"
    $PY $T/train_autoencoder.py --config "$CFG" --data "$DATA" --out "$WORK/ae" --limit "$LIMIT" \
        --batch-size "$AE_BATCH" --minutes "$(minutes "$AE_S")" --device "$DEVICE"
    cp "$WORK/ae/autoencoder.safetensors" "$OUT/autoencoder.safetensors"
    if [ "$AE_CHECK" -gt 0 ]; then
      stamp "speckle check of the new autoencoder ($AE_CHECK reconstructed images)"
      $PY $T/eval/ae_artefacts.py --autoencoder "$WORK/ae" --config "$CFG" --data "$DATA" \
          --images "$AE_CHECK" --threads 8 || stamp "speckle check failed (status $?)"
    fi
    SOURCE="--autoencoder $WORK/ae"
    ;;
  resume)
    PACK=${2:?usage: gpu_session.sh resume PACK}
    SOURCE="--resume $PACK"
    ;;
  *) echo "mode $MODE is not one of fresh, resume"; exit 2 ;;
esac

# Diffusion gets what is left, less about 30 s for its setup (data, latent table) and 15 s
# for the final checkpoint and packaging, and less the preview decoder's PV_S + PV_SETUP;
# `timeout` is the backstop.
left=$(( BUDGET_S - $(elapsed) - PV_RESERVE ))
if [ "$left" -lt 75 ]; then
  stamp "only $left s of the budget left: no diffusion stage"
  exit 3
fi
if [ -n "${DM_S:-}" ] && [ $(( left - 45 )) -gt "$DM_S" ]; then
  left=$(( DM_S + 45 ))
fi
stamp "diffusion for about $(( left - 45 )) s"
# shellcheck disable=SC2086
timeout -s INT -k 10 "$(( left - 5 ))" \
  $PY $T/train_diffusion.py --config "$CFG" --data "$DATA" $SOURCE --out "$WORK/dm" --limit "$LIMIT" \
    --minutes "$(minutes $(( left - 45 )))" --batch-size "$DM_BATCH" --lr "$DM_LR" \
    --warmup-steps "$DM_WARMUP" --device "$DEVICE" --return-dir "$OUT" \
    --return-log "$WORK/ae/log.jsonl" || stamp "diffusion ended with status $? (last checkpoint kept)"
rm -f "$OUT"/*.part

# The preview decoder, distilled from the run's own autoencoder so the two never drift apart.
if [ "$PV_S" -gt 0 ]; then
  pv_left=$(( BUDGET_S - $(elapsed) ))
  pv_train=$(( pv_left - PV_SETUP ))
  if [ "$pv_train" -gt "$PV_S" ]; then pv_train=$PV_S; fi
  if [ "$pv_train" -lt 6 ]; then
    stamp "only $pv_left s left: no preview decoder"
  else
    stamp "preview decoder for about $pv_train s ($PV_IMAGES images, $PV_CAPTIONS captions)"
    # shellcheck disable=SC2086
    timeout -s INT -k 10 "$(( pv_left - 5 ))" \
      $PY $T/train_preview_decoder.py --run "$WORK/dm" --data "$DATA" --out "$WORK/pv" \
        --images "$PV_IMAGES" --captions "$PV_CAPTIONS" --steps "$PV_STEPS" \
        --batch-size "$PV_BATCH" --minutes "$(minutes "$pv_train")" --checkpoint-seconds 15 \
        --device "$DEVICE" $PV_EXTRA \
      || stamp "preview decoder ended with status $?"
    $PY $T/run_files.py pack-preview --from "$WORK/pv" --out "$OUT" \
      || stamp "no preview decoder to return"
    if [ -f "$WORK/pv/preview.json" ]; then cat "$WORK/pv/preview.json"; fi
  fi
fi
rm -f "$OUT"/*.part
stamp "returned: $(ls "$OUT" | tr '\n' ' ')"
