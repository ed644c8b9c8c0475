#!/usr/bin/env bash
# Runs on the GPU machine (device tool), from the repository root, with .device-bundle carried:
# reports the GPUs the binary sees and runs a real registration on the bundled brain pair.
# GPU kernel tests and benchmarks are added here as the CUDA backend grows.
set -uo pipefail
bundle=.device-bundle
export LD_LIBRARY_PATH="$PWD/$bundle/lib:${LD_LIBRARY_PATH:-}"
out=${OUT:-/tmp/ffdp-out}
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
"$bundle/bin/ffdp-register" --version
data=$bundle/data/brain-labels
"$bundle/bin/ffdp-register" --spec "$bundle/params/affine.json" --fixed "$data/1000_SS.nii.gz" \
  --moving "$data/1001_SS.nii.gz" -o "$out/P" --overwrite 2>&1 | tail -3
"$bundle/bin/ffdp-register" apply -i "$data/1001_glm.nii.gz" -r "$data/1000_SS.nii.gz" -t "$out/P0GenericAffine.mat" \
  -n NearestNeighbor -o "$out/labels.nii.gz" --overwrite
"$bundle/bin/ffdp-register" eval dice "$data/1000_glm.nii.gz" "$out/labels.nii.gz" | tail -1
for t in "$bundle"/bin/test_gpu; do [ -x "$t" ] && "$t"; done
exit 0
