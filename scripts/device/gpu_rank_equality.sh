#!/usr/bin/env bash
# Runs on the GPU machine (device tool), from the repository root, with .device-bundle carried
# (scripts/device/bundle.sh). Multi-rank GPU runs must write what one GPU process writes:
#   1. test_gpu_ranks under mpirun -np 2 and -np 4 (NCCL halo exchange against the host's, bit for bit);
#   2. the real brain pair 1000_SS -> 1001_SS registered with the short schedule of
#      tests/cli/test_multi_rank_equality.cpp (a linear stage and a greedy stage, LNCC with Affine and
#      MI with Rigid) by one process --backend cuda, then by mpirun -np 2 and -np 4 (4: only with >= 4
#      GPUs) --backend cuda (halos over NCCL), -np 2 with FFDP_GPU_HALOS=staged (through the host), and
#      -np 2 / -np 4 with --moving-placement shard (each rank fetches the moving slices it needs);
#      every output (affine, warp, inverse warp, warped, inverse warped) is compared with the single
#      process's by relative L2 (ffdp-register eval diff) and must stay below 1e-5.
# Prints a table, each run's GPU-to-GPU bytes and communication share (Preport.json perRank), and
# PASS or FAIL; exits 1 on any FAIL. Outputs go to $OUT/rank-equality.
# RANK_EQUALITY_FLAGS adds flags to every registration (e.g. "--field-shrink 2").
#   scripts/device/gpu_rank_equality.sh
set -uo pipefail
bundle=$PWD/.device-bundle
bin=$bundle/bin
export LD_LIBRARY_PATH="$bundle/lib:${LD_LIBRARY_PATH:-}"
# The machine's Open MPI when it has one (its mpirun and plugins match it), else the bundled one.
ldconfig -p | grep -q 'libmpi.so.40 ' || export LD_LIBRARY_PATH="$bundle/lib-fallback:$LD_LIBRARY_PATH"
. "$(dirname "$0")/nccl_path.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export FFDP_SHARED_DATA="$bundle/data"
export NCCL_DEBUG=${NCCL_DEBUG:-WARN}  # NCCL says why when it fails
out=${OUT:-/tmp/ffdp-out}/rank-equality
mkdir -p "$out"
bound=1e-5
gpus=$(nvidia-smi -L 2>/dev/null | wc -l)
failures=0
mpirun_flags="--oversubscribe --bind-to none"  # Open MPI's, as run_checks.sh uses them
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }  # seconds since $1
echo "== $gpus GPU(s): $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | sort | uniq -c | xargs)"

echo "== test_gpu_ranks: NCCL halo exchange against the host exchange"
for n in 2 4; do
  if [ "$gpus" -lt "$n" ]; then echo "-np $n: skipped ($gpus GPUs)"; continue; fi
  if timeout 300 mpirun $mpirun_flags -np "$n" "$bin/test_gpu_ranks" > "$out/test_gpu_ranks-$n.txt" 2>&1; then
    echo "-np $n: PASS ($(grep -E 'All tests passed|test cases' "$out/test_gpu_ranks-$n.txt" | head -1))"
  else
    echo "-np $n: FAIL"
    tail -40 "$out/test_gpu_ranks-$n.txt"
    failures=$((failures + 1))
  fi
done

f=$bundle/data/brain-labels/1000_SS.nii.gz
m=$bundle/data/brain-labels/1001_SS.nii.gz
if [ ! -f "$f" ] || [ ! -f "$m" ]; then
  echo "FAIL: the brain pair is not in the bundle ($f, $m)"
  exit 1
fi
# tests/cli/test_multi_rank_equality.cpp registrationArguments(f, m, metric, linear).
arguments() {  # metric-parameter linear-transform
  local name=MI images="[$f,$m,1,$1]"
  [ "$1" = 2 ] && name=CC
  echo "-d 3 -r [$f,$m,1] -t $2[0.1] -m $name$images -c [15x10x5,1e-6,10] -f 8x4x2 -s 3x2x1vox" \
       "-t Greedy[0.25,1,0.5] -m $name$images -c [6x6x5x4,1e-6,10] -f 16x4x2x1 -s 2x1x0.5x0vox --threads 1 -q" \
       "${RANK_EQUALITY_FLAGS:-}"
}
# Relative L2 of one output against the single process's (eval diff compares images, fields and affines).
relative() {
  "$bin/ffdp-register" eval diff --json "$1" "$2" 2>&1 |
    python3 -c 'import json,sys
try: print("%.3g" % json.load(sys.stdin)["relativeL2"])
except Exception: print("error")'
}
# The largest per-rank GPU-to-GPU megabytes and communication share of a run's report.
report_figures() {
  python3 - "$1" <<'PY'
import json, sys
try:
    ranks = json.load(open(sys.argv[1])).get("perRank", [])
    print("%.1f %.0f" % (max((r.get("gpuBytesSent", 0) for r in ranks), default=0) / 1e6,
                         100 * max((r.get("commShare", 0) for r in ranks), default=0)))
except Exception:
    print("? ?")
PY
}

outputs="0GenericAffine.mat 1Warp.nii.gz 1InverseWarp.nii.gz Warped.nii.gz InverseWarped.nii.gz"
echo "== brain pair 1000_SS -> 1001_SS, --backend cuda: outputs against one process (relative L2, bound $bound)"
echo "| metric | run | affine | warp | inverse warp | warped | inverse warped | wall s | GPU MB sent (largest rank) | comm share (largest) | verdict |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
for variant in "LNCC 2 Affine" "MI 32 Rigid"; do
  set -- $variant
  label=$1 args=$(arguments "$2" "$3")
  single=$out/$label-single
  mkdir -p "$single"
  start=$(date +%s.%N)
  if ! timeout 600 "$bin/ffdp-register" --backend cuda $args -o "$single/P" --overwrite > "$single/log.txt" 2>&1; then
    echo "| $label | 1 process | | | | | | | | | FAIL (exit; $single/log.txt) |"
    tail -20 "$single/log.txt"
    failures=$((failures + 1))
    continue
  fi
  echo "| $label | 1 process | | | | | | $(since "$start") | | | reference |"
  # name:ranks:halos:moving placement (shard: each rank fetches the moving slices it needs).
  runs="np2:2:auto:auto staged2:2:staged:auto shard2:2:auto:shard"
  if [ "$gpus" -ge 4 ]; then runs="$runs np4:4:auto:auto shard4:4:auto:shard"; fi
  for run in $runs; do
    IFS=: read -r name n halos placement <<< "$run"
    [ "$placement" = shard ] && halos="$halos, moving sharded"
    dir=$out/$label-$name
    mkdir -p "$dir"
    if [ "$gpus" -lt "$n" ]; then
      echo "| $label | -np $n ($halos halos) | | | | | | | | | skipped ($gpus GPUs) |"
      continue
    fi
    start=$(date +%s.%N)
    # The ranks inherit mpirun's environment (one machine): FFDP_GPU_HALOS, NCCL_DEBUG, LD_LIBRARY_PATH.
    if ! FFDP_GPU_HALOS=${halos%%,*} timeout 600 mpirun $mpirun_flags -np "$n" \
        "$bin/ffdp-register" --backend cuda --moving-placement "$placement" $args -o "$dir/P" --overwrite \
        > "$dir/log.txt" 2>&1; then
      echo "| $label | -np $n ($halos halos) | | | | | | | | | FAIL (exit; $dir/log.txt) |"
      tail -20 "$dir/log.txt"
      failures=$((failures + 1))
      continue
    fi
    wall=$(since "$start")
    verdict=PASS
    row=""
    for o in $outputs; do
      r=$(relative "$single/P$o" "$dir/P$o")
      row="$row $r |"
      python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$r" "$bound" 2>/dev/null ||
        verdict=FAIL
    done
    read -r mb share <<< "$(report_figures "$dir/Preport.json")"
    [ "$verdict" = FAIL ] && failures=$((failures + 1))
    echo "| $label | -np $n ($halos halos) |$row $wall | $mb | $share % | $verdict |"
  done
done

if [ "$failures" -eq 0 ]; then
  echo "gpu_rank_equality: PASS"
  exit 0
fi
echo "gpu_rank_equality: FAIL ($failures)"
exit 1
