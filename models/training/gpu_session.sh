#!/bin/sh
# One GPU session of the built-in model's training, as ONE command on the lent GPU machine
# (device time is short and a second start costs minutes, so preflight, training and packaging
# run in one go):
#   sh models/training/gpu_session.sh fresh           autoencoder, then diffusion from scratch
#   sh models/training/gpu_session.sh resume PACK     diffusion continued from a shipped pack's
#                                                     EMA weights (its autoencoder and vocabulary
#                                                     stay frozen)
# Run from the repository root with the dataset pack carried (carry: models/training/data/X.swpack).
# Env: OUT (required: the folder that comes back), DATA (default
#      models/training/data/emoji-28.swpack), BUDGET_S (wall seconds of the whole script,
#      default 520), AE_S (autoencoder seconds in fresh mode, default 110), DEVICE (cuda),
#      DM_S (cap on the diffusion seconds, default none), CFG (default
#      configs/stepwise-emoji.json; the smoke run rehearses this script with configs/smoke.json),
#      PYTHON (python3), AE_BATCH (the config's), DM_BATCH (512), DM_LR (4e-4), DM_WARMUP (300), LIMIT (0 = all images;
#      a CPU rehearsal uses a few hundred), SKIP_PREFLIGHT (1 skips it: for a second call on the
#      same kind of machine).
# Returns in $OUT (<= 8 files, <= 16 MiB each): ema-*.safetensors + index (EMA weights, fp32),
# autoencoder.safetensors, run.tar.gz (run jsons and logs), session.log. They are rewritten at
# every diffusion checkpoint (once a minute), so a run cut short still returns its last one.
# Back on the CPU: run_files.py unpack --from FILES --run models/training/runs/R, then export.
set -eu
cd "$(dirname "$0")/../.."
MODE=${1:?usage: gpu_session.sh fresh | resume PACK}
PY=${PYTHON:-python3}
T=models/training
CFG=${CFG:-$T/configs/stepwise-emoji.json}
DATA=${DATA:-$T/data/emoji-28.swpack}
OUT=${OUT:?set OUT to the folder that comes back}
BUDGET_S=${BUDGET_S:-520}
AE_S=${AE_S:-110}
DEVICE=${DEVICE:-cuda}
DM_BATCH=${DM_BATCH:-512}
DM_LR=${DM_LR:-4e-4}
DM_WARMUP=${DM_WARMUP:-300}
LIMIT=${LIMIT:-0}
AE_BATCH=${AE_BATCH:-0}
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

stamp "mode $MODE, data $DATA ($(du -sb "$DATA" | cut -f1) bytes), budget $BUDGET_S s"
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
    SOURCE="--autoencoder $WORK/ae"
    ;;
  resume)
    PACK=${2:?usage: gpu_session.sh resume PACK}
    SOURCE="--resume $PACK"
    ;;
  *) echo "mode $MODE is not one of fresh, resume"; exit 2 ;;
esac

# Diffusion gets what is left, less about 30 s for its setup (data, latent table) and 15 s
# for the final checkpoint and packaging; `timeout` is the backstop.
left=$(( BUDGET_S - $(elapsed) ))
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
stamp "returned: $(ls "$OUT" | tr '\n' ' ')"
