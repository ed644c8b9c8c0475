#!/usr/bin/env bash
# Configures and builds ffdp-register and its tests into build/ (CUDA part compiled when nvcc exists).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)"
