#!/usr/bin/env bash
# Runs on the GPU machine (device tool), from the repository root, with .device-bundle carried
# (scripts/device/bundle.sh): the GPU tests, then the labelled brain pairs on the CUDA backend and,
# for comparison, on the CPU backend with the machine's cores. Output goes to stdout and $OUT.
#   scripts/device/run_checks.sh [tests|repeat|pairs|bench|ranks|gpu-ranks|scale|profile|all]   (default: tests, repeat, pairs)
#   ranks: one brain pair on 1, 2, 4, 8 CPU ranks (the cores split between them), and on 1 and every
#          GPU when the build's multi-rank runs take --backend cuda; times and communication shares.
#   gpu-ranks: the multi-GPU equality checks (scripts/device/gpu_rank_equality.sh, NCCL halos).
#   scale: bench_gigavoxel (issue 5): the stroke T1/T2 pair upsampled to SCALE_VOXELS (default 3.7e9)
#          on every GPU, then strong scaling at STRONG_VOXELS (default 1.2e9) on 1, 2, 4, ... GPUs,
#          and on every GPU once more with equal slabs instead of slabs balanced by MI work
#          (SCALE_STRONG=0 skips it; FFDP_GPU_HALOS=staged moves halos through the host instead of NCCL).
#   profile: the strong-scaling run on 1 and on every GPU with every backend operation timed
#          (bench_gigavoxel --op-times; the per-rank tables are in $OUT/scale-profile-*.log).
set -uo pipefail
bundle=$PWD/.device-bundle
export LD_LIBRARY_PATH="$bundle/lib:${LD_LIBRARY_PATH:-}"
# The machine's Open MPI when it has one (its mpirun and plugins match it), else the bundled one.
ldconfig -p | grep -q 'libmpi.so.40 ' || export LD_LIBRARY_PATH="$bundle/lib-fallback:$LD_LIBRARY_PATH"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
. scripts/device/nccl_path.sh  # the CUDA binaries link the machine's NCCL (not bundled)
export NCCL_NVLS_ENABLE=0      # NVLink multicast stays off on the shared machines (KINDS.md)
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
if [ "$what" = ranks ]; then
  data=$bundle/data/brain-labels
  cores=$(nproc)
  gpus=$(nvidia-smi -L | wc -l)
  run() {  # label ranks backend threads
    local dir="$out/$1"
    mkdir -p "$dir"
    local start=$(date +%s.%N)
    mpirun --oversubscribe --bind-to none -np "$2" "$bundle/bin/ffdp-register" -q --backend "$3" --threads "$4" \
      --spec "$bundle/params/brain-greedy.json" --fixed "$data/1000_SS.nii.gz" --moving "$data/1001_SS.nii.gz" \
      -o "$dir/P" --overwrite || { echo "$1: FAILED"; return; }
    local end=$(date +%s.%N)
    python3 - "$dir/Preport.json" "$1" "$start" "$end" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ranks = r.get("perRank", [])
share = max((p["commShare"] for p in ranks), default=0)
print(f"| {sys.argv[2]} | {r['ranks']} | {r['seconds']:.2f} | {share * 100:.0f} % | "
      f"{max((p['peakMemoryMB'] for p in ranks), default=0):.0f} | {float(sys.argv[4]) - float(sys.argv[3]):.1f} |")
PY
  }
  echo "| run | ranks | registration s | largest communication share | peak MiB per rank | wall s |"
  echo "|---|---|---|---|---|---|"
  for n in 1 2 4 8; do run "cpu-$n" "$n" cpu $((cores / n)); done
  if [ "$gpus" -gt 1 ]; then
    run "cuda-1" 1 cuda 1
    run "cuda-$gpus" "$gpus" cuda 1
  fi
  echo "== outputs of every run against the 1-rank CPU run (relative L2)"
  for d in "$out"/cpu-* "$out"/cuda-*; do
    [ -f "$d/PWarped.nii.gz" ] || continue
    printf '%s: ' "$(basename "$d")"
    "$bundle/bin/ffdp-register" eval diff "$out/cpu-1/PWarped.nii.gz" "$d/PWarped.nii.gz" | grep relative
  done
fi
if [ "$what" = gpu-ranks ]; then
  bash scripts/device/gpu_rank_equality.sh 2>&1 | tee "$out/gpu-rank-equality.txt"
fi
if [ "$what" = scale ] || [ "$what" = profile ] || [ "$what" = coarse ] || [ "$what" = coarse-scale ]; then
  gpus=$(nvidia-smi -L | wc -l)
  cores=$(nproc)
  data=$bundle/data/multimodal/stroke
  bench() {  # label ranks voxels [bench_gigavoxel flags: --header, --equal-slabs]
    local log="$out/scale-${1//[^A-Za-z0-9.]/-}.log"  # a plain file name: the device tool returns no others
    mpirun --oversubscribe --bind-to none -np "$2" -x NCCL_NVLS_ENABLE=0 "$bundle/bin/bench_gigavoxel" \
      --first "$data/T1.nii.gz" --second "$data/T2.nii.gz" --spec "$bundle/params/gigavoxel-mi.json" \
      --backend cuda --threads $((cores / $2)) --voxels "$3" --label "$1" "${@:4}" 2>"$log" ||
      { echo "| $1 | FAILED: $(grep -v '^\[' "$log" | tail -2 | tr '\n' ' ') |"; }
  }
fi
if [ "$what" = profile ]; then
  echo "== time per operation at ${STRONG_VOXELS:-1.2e9} voxels, 1 and $gpus GPUs (bench_gigavoxel --op-times; tables in the logs)"
  bench "profile 1" 1 "${STRONG_VOXELS:-1.2e9}" --header --op-times
  bench "profile $gpus" "$gpus" "${STRONG_VOXELS:-1.2e9}" --op-times
fi
if [ "$what" = scale ]; then
  echo "== gigavoxel benchmark (synthetic size, real anatomy: stroke T1 -> T2 under a known deformation, MI)"
  bench "${gpus} GPUs, ${SCALE_VOXELS:-3.7e9}" "$gpus" "${SCALE_VOXELS:-3.7e9}" --header | tee "$out/scale.md"
  [ "${SCALE_STRONG:-1}" = 1 ] && echo "== strong scaling at ${STRONG_VOXELS:-1.2e9} voxels"
  n=1
  while [ "${SCALE_STRONG:-1}" = 1 ] && [ "$n" -le "$gpus" ]; do
    bench "strong $n" "$n" "${STRONG_VOXELS:-1.2e9}" $([ "$n" = 1 ] && echo --header) | tee -a "$out/strong.md"
    n=$((n * 2))
  done
  if [ "${SCALE_STRONG:-1}" = 1 ] && [ "$gpus" -gt 1 ]; then
    bench "strong $gpus, equal slabs" "$gpus" "${STRONG_VOXELS:-1.2e9}" --equal-slabs | tee -a "$out/strong.md"
  fi
fi
if [ "$what" = coarse ]; then
  echo "== a field on a 2x coarser grid (fieldShrink 2): GPU tests, the iteration table, one GPU end to end"
  if [ "${COARSE_TABLE:-1}" = 1 ]; then  # COARSE_TABLE=0: the end-to-end runs only
    "$bundle/bin/test_gpu" "[coarse]" 2>&1 | tail -4
    "$bundle/bin/test_gpu" "greedy iteration cost with the field on a 2x coarser grid*" 2>&1 | grep '^|\|^field' |
      tee "$out/coarse-iterations.md"
  fi
  labels=$bundle/data/brain-labels
  mkdir -p "$out/coarse"
  "$bundle/bin/ffdp-register" -q --backend cuda --spec "$bundle/params/brain-greedy.json" --field-shrink 2 \
    --fixed "$labels/1000_SS.nii.gz" --moving "$labels/1001_SS.nii.gz" -o "$out/coarse/P" --overwrite &&
    "$bundle/bin/ffdp-register" apply -r "$labels/1000_SS.nii.gz" -i "$labels/1001_glm.nii.gz" -n NearestNeighbor \
      -t "$out/coarse/P1Warp.nii.gz" -t "$out/coarse/P0GenericAffine.mat" -o "$out/coarse/labels.nii.gz" &&
    echo "brain 1000/1001, fieldShrink 2, cuda: mean Dice $("$bundle/bin/ffdp-register" eval dice \
      "$labels/1000_glm.nii.gz" "$out/coarse/labels.nii.gz" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["meanDice"])'),"\
      "registration $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seconds"])' "$out/coarse/Preport.json") s"
  rm -f "$out"/coarse/*.nii.gz
  bench "1 GPU, 1.2 G, fieldShrink 1" 1 1.2e9 --header
  bench "1 GPU, 1.2 G, fieldShrink 2" 1 1.2e9 --field-shrink 2
  bench "1 GPU, ${SCALE_VOXELS:-3.7e9}, fieldShrink 2" 1 "${SCALE_VOXELS:-3.7e9}" --field-shrink 2
fi
if [ "$what" = coarse-scale ]; then
  echo "== fieldShrink 2 over GPUs: strong scaling at ${STRONG_VOXELS:-1.2e9} voxels, then ${SCALE_VOXELS:-3.7e9} on $gpus"
  n=1
  while [ "$n" -le "$gpus" ]; do
    bench "fieldShrink 2, strong $n" "$n" "${STRONG_VOXELS:-1.2e9}" --field-shrink 2 $([ "$n" = 1 ] && echo --header)
    n=$((n * 2))
  done
  bench "fieldShrink 2, $gpus GPUs" "$gpus" "${SCALE_VOXELS:-3.7e9}" --field-shrink 2
fi
exit 0
