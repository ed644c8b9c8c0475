#!/usr/bin/env bash
# Packs what a run on the lent GPU machine needs into .device-bundle/ (git-ignored; name it in the
# device tool's `carry`): the CUDA-enabled ffdp-register and test binaries, the Debian shared
# libraries they link that the GPU machine's Ubuntu image lacks (ITK, spdlog, fmt, ...), and a few
# real images from ../shared/data (which does not travel). Keep it under the 64 MiB transfer limit.
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle=.device-bundle
build=${FFDP_BUILD_DIR:-build-cuda}  # a CUDA-enabled build (scripts/build.sh builds one when nvcc exists)
[ -x "$build/ffdp-register" ] || { echo "bundle: build first (scripts/build.sh)" >&2; exit 1; }
rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib" "$bundle/lib-fallback" "$bundle/data"
# The GPU tests only (the CPU tests run in CI); test_gpu_ranks: NCCL between GPUs under mpirun;
# bench_gigavoxel: run_checks.sh scale. All four with the libraries come within 1 MiB of the transfer
# limit (stop 16), leaving no room for more images: FFDP_BUNDLE_BINARIES names the ones a run needs
# (default: all that were built).
binaries=${FFDP_BUNDLE_BINARIES:-"ffdp-register test_gpu test_gpu_ranks bench_gigavoxel"}
for name in $binaries; do
  for candidate in "$build/$name" "$build/tests/$name" "$build/bench/$name"; do
    [ -x "$candidate" ] && { cp "$candidate" "$bundle/bin/"; break; }
  done
done
# Symbols are not needed there, and the transfer limit is 64 MiB.
for bin in "$bundle"/bin/*; do strip --strip-unneeded "$bin"; done
# Every non-glibc library any binary needs; glibc and the CUDA driver come from the machine itself,
# and so does NCCL (218 MB, over the transfer limit; scripts/device/nccl_path.sh finds the machine's).
for bin in "$bundle"/bin/*; do
  ldd "$bin" | awk '/=> \// {print $3}'
done | sort -u | grep -v -E '/(libc|libm|libdl|librt|libpthread|ld-linux[^/]*|libcuda|libnccl)\.so' | while read -r lib; do
  # Open MPI and the C++ runtime apart: the machine's own mpirun wants its own libraries, and its
  # newer libstdc++ serves our binaries too (run_checks.sh falls back to these only without them).
  case "$(basename "$lib")" in
    libmpi*|libopen-*|libhwloc*|libevent*|libpmix*|libstdc++*|libgcc_s*) cp -L "$lib" "$bundle/lib-fallback/" ;;
    *) cp -L "$lib" "$bundle/lib/" ;;
  esac
done
shared=../shared/data
# The GPU tests and the scale benchmark need brains 1000 and 1001 and the stroke pair; the `pairs` mode
# (all labelled pairs) needs all six brains: FFDP_BUNDLE_ALL_BRAINS=1 (then leave a binary out to fit).
brains=100{0,1}
[ "${FFDP_BUNDLE_ALL_BRAINS:-0}" = 1 ] && brains=100{0,1,2,3,4,5}
for f in multimodal/stroke/T1.nii.gz multimodal/stroke/T2.nii.gz $(eval echo "brain-labels/${brains}_{SS,glm,mask}.nii.gz"); do
  [ -f "$shared/$f" ] && install -D -m 644 "$shared/$f" "$bundle/data/$f"
done
# The GPU tests look for ../shared/data relative to the checkout; run_checks.sh links it there.
cp -r params "$bundle/params"
# The device tool refuses a carry over 64 MiB. lib-fallback is needed only where the machine lacks
# Open MPI's libmpi.so.40 (run_checks.sh checks); the lent Ubuntu image has it, so it is left out of
# the count and may be deleted before a run.
limit=$((64 * 1024 * 1024))
bytes=$(du -sb --exclude=lib-fallback "$bundle" | cut -f1)
du -sh "$bundle"/* | sed 's/^/  /'
if [ "$bytes" -gt "$limit" ]; then
  echo "bundle: $bytes bytes without lib-fallback, over the 64 MiB transfer limit;" \
    "name fewer binaries in FFDP_BUNDLE_BINARIES (e.g. \"ffdp-register test_gpu\")" >&2
  exit 1
fi
echo "bundle: $bytes bytes without lib-fallback (limit $limit); rm -rf $bundle/lib-fallback before carrying it"
