#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite: unit tests, then the
# integration set (full-size real volumes; labelled "integration" in ctest).
# GPU tests are compiled when nvcc exists and skip with a message where no GPU is present.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
echo "== unit tests"
ctest -L unit -j "$(nproc)" --output-on-failure --timeout 600
echo "== integration tests (real full-size volumes)"
OMP_NUM_THREADS="$(nproc)" ctest -L integration --output-on-failure --timeout 1800
