#!/usr/bin/env bash
# One device session in at most ~10 minutes on one GPU, prepared for the tasks that are lent one:
#   1. the `gpu`-marked tests (CUDA against CPU),
#   2. bench_engine on CUDA (model-steps/s against the one-run-at-a-time baseline, same run),
#   3. the (B, λ) phase diagram at PRESET (default `paper`), 2 seeds, a 3 x 3 grid,
#   4. the paper-size audit of Tables 1-2 and Figs 5-6 under the four readings (bench_tables12 --audit).
# Every step has its own time limit, so one slow step cannot eat the others' time; a step that
# hits its limit says so in the log and the script goes on. Everything comes back in $OUT as at
# most 6 files (the device tool returns 8): session.log, phase.tgz, phase.png, phase.md,
# audit.txt and gpu.sqlite (every run, with its config, seed and code version).
#
#   OUT=/tmp/gpu bash benchmarks/gpu_session.sh                      # on the GPU machine
#   OUT=/tmp/gpu PRESET=tiny DEVICE=cpu BATCH_SIZES=4,10,20 ENGINE_STEPS=100 bash benchmarks/gpu_session.sh
#                                                                       # a dry run on a CPU machine
#
# SCALE multiplies every step's time limit; BATCH_SIZES (divisors of the preset's n) and
# ENGINE_STEPS size the phase grid and the engine benchmark. The device machine's python3 has torch and every dependency; PYTHONPATH points at the
# checkout, so nothing is installed.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:?set OUT to the folder the results go to}
PRESET=${PRESET:-paper}
DEVICE=${DEVICE:-cuda}
SCALE=${SCALE:-1}
BATCH_SIZES=${BATCH_SIZES:-4,20,100}
ENGINE_STEPS=${ENGINE_STEPS:-2000}
PY=${PY:-python3}
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1 THEORYCHECK_STORE="$OUT/gpu.sqlite"
mkdir -p "$OUT"
LOG="$OUT/session.log"
: >"$LOG"

step() { # name, limit in seconds (before SCALE), command...
  local name=$1 limit
  limit=$(awk -v a="$2" -v s="$SCALE" 'BEGIN { l = int(a * s); print (l < 20 ? 20 : l) }')
  shift 2
  echo "== $name (limit ${limit} s): $*" | tee -a "$LOG"
  local t0=$SECONDS rc
  timeout "$limit" "$@" >>"$LOG" 2>&1
  rc=$?
  echo "== $name: exit $rc after $((SECONDS - t0)) s$([ "$rc" -eq 124 ] && echo ' (hit its limit)')" | tee -a "$LOG"
}

step env 30 "$PY" -m theorycheck env
command -v nvidia-smi >/dev/null && step nvidia-smi 20 nvidia-smi
step gpu_tests 120 "$PY" -m pytest -q -p no:cacheprovider -m gpu tests/
step bench_engine 120 "$PY" benchmarks/bench_engine.py --device "$DEVICE" --steps "$ENGINE_STEPS" --ks 1,16,64,256
PHASE=$(mktemp -d)
step phase 150 "$PY" -m theorycheck phase --preset "$PRESET" --set device="$DEVICE" --set compile=True \
  --seeds 0,1 --batch-sizes "$BATCH_SIZES" --lambdas 1e-5,0.01,0.5 --store "$OUT/gpu.sqlite" --out "$PHASE" --name "$PRESET"
tar -czf "$OUT/phase.tgz" -C "$PHASE" . 2>>"$LOG"
cp "$PHASE/$PRESET.png" "$OUT/phase.png" 2>>"$LOG"
cp "$PHASE/$PRESET.md" "$OUT/phase.md" 2>>"$LOG"
step audit 180 "$PY" benchmarks/bench_tables12.py --audit --preset "$PRESET" --max-batch 160 --device "$DEVICE"
grep -A200 "^== audit" "$LOG" >"$OUT/audit.txt"
echo "== done in $SECONDS s" | tee -a "$LOG"
