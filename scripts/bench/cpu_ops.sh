#!/usr/bin/env bash
# Per-operation timings of the CPU backend (hidden Catch2 cases tagged [.cpu-benchmark]): the affine
# and field metrics on the full stroke T1/T2 pair and every field operation on a brain-sized field,
# best of 3, wall and CPU time. Threads: OMP_NUM_THREADS (default 2, the CI machine's cores).
#   scripts/bench/cpu_ops.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
[ -x "$build/tests/test_ops" ] || { echo "cpu_ops: build the tests first (scripts/build.sh)" >&2; exit 1; }
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
"$build/tests/test_ops" "[.cpu-benchmark]"
