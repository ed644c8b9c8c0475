#!/usr/bin/env bash
# Runs on the GPU machine (device tool), from the repository root, with .device-bundle carried
# (scripts/device/bundle.sh): the GPU tests, then the labelled brain pairs on the CUDA backend and,
# for comparison, on the CPU backend with the machine's cores. Output goes to stdout and $OUT.
#   scripts/device/run_checks.sh [tests|repeat|pairs|bench|all]   (default: all but bench)
set -uo pipefail
bundle=$PWD/.device-bundle
export LD_LIBRARY_PATH="$bundle/lib:${LD_LIBRARY_PATH:-}"
export FFDP_SHARED_DATA="$bundle/data"
out=${OUT:-/tmp/ffdp-out}
mkdir -p "$out"
what=${1:-default}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$bundle/bin/ffdp-register" --version

if [ "$what" = default ] || [ "$what" = tests ] || [ "$what" = all ]; then
  echo "== GPU tests"
  "$bundle/bin/test_gpu" 2>&1 | tail -25
fi
if [ "$what" = default ] || [ "$what" = repeat ] || [ "$what" = all ]; then
  echo "== the same GPU registration twice: outputs identical bit for bit?"
  data=$bundle/data/brain-labels
  for run in 1 2; do
    mkdir -p "$out/repeat$run"
    "$bundle/bin/ffdp-register" -q --backend cuda --spec "$bundle/params/brain-greedy.json" --fixed "$data/1000_SS.nii.gz" \
      --moving "$data/1001_SS.nii.gz" -o "$out/repeat$run/P" --overwrite
  done
  for f in 0GenericAffine.mat 1Warp.nii.gz 1InverseWarp.nii.gz Warped.nii.gz InverseWarped.nii.gz; do
    # Voxels, not gzip headers: compare the decompressed images.
    if [[ $f == *.gz ]]; then same() { cmp -s <(gzip -dc "$1") <(gzip -dc "$2"); }; else same() { cmp -s "$1" "$2"; }; fi
    if same "$out/repeat1/P$f" "$out/repeat2/P$f"; then echo "P$f identical"; else echo "P$f DIFFERS"; fi
  done
fi
if [ "$what" = default ] || [ "$what" = pairs ] || [ "$what" = all ]; then
  for backend in cuda cpu; do
    echo "== brain pairs, params/brain-greedy.json, backend $backend"
    python3 scripts/bench/brain_pairs.py --binary "$bundle/bin/ffdp-register" --data "$bundle/data/brain-labels" \
      --presets "$bundle/params/brain-greedy.json" --backend "$backend" 2>&1 | tee "$out/pairs-$backend.md"
  done
  echo "== brain pairs, params/brain-syn.json, backend cuda"
  python3 scripts/bench/brain_pairs.py --binary "$bundle/bin/ffdp-register" --data "$bundle/data/brain-labels" \
    --presets "$bundle/params/brain-syn.json" --backend cuda 2>&1 | tee "$out/pairs-syn-cuda.md"
fi
if [ "$what" = bench ] || [ "$what" = all ]; then
  echo "== GPU kernel benchmarks and the scale table"
  "$bundle/bin/test_gpu" "[.gpu-benchmark]" 2>&1 | tee "$out/gpu-bench.txt"
fi
exit 0
