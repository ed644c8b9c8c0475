#!/usr/bin/env bash
# Times the CUDA field and image ops on the GPU machine (the hidden Catch2 case "GPU field op
# timings" in tests/gpu/field_benchmark_test.cpp): per op, ms per call on a 5.8 M and a 370 M
# voxel field, the op's minimal bytes per voxel, achieved GB/s and its fraction of a measured
# device-to-device cudaMemcpy. Run from the repository root of the device machine with the
# bundle carried (scripts/device/bundle.sh), or give the test binary as the first argument.
set -euo pipefail
bin=${1:-.device-bundle/bin/test_gpu}
[ -x "$bin" ] || { echo "gpu_field_ops: no test binary at $bin (build with CUDA, then bundle)" >&2; exit 1; }
lib="$(dirname "$bin")/../lib"
[ -d "$lib" ] && export LD_LIBRARY_PATH="$(cd "$lib" && pwd):${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"$bin" "[.gpu-benchmark]" -c "GPU field op timings"
