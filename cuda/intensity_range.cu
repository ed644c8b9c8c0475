// Min and max in one pass: per-block extremes (the minimum as the maximum of -v), then the
// fixed-order finishMax. Exact: min/max involve no rounding, so any order gives the same answer.
#include "deterministic_reduce.cuh"
#include "intensity_range.hpp"
#include "owned_voxels.hpp"

namespace ffdp::cuda {
namespace {

__global__ void blockExtremes(const float* image, int64_t voxels, double* negMinPartials, double* maxPartials) {
  __shared__ double scratch[kThreads];
  double lo = -1.0 / 0.0, hi = -1.0 / 0.0;  // lo holds max(-v)
  for (int64_t n = firstItem(); n < voxels; n += itemStride()) {
    const double v = double(image[n]);
    lo = fmax(lo, -v);
    hi = fmax(hi, v);
  }
  const double blockLo = blockMax(lo, scratch);
  const double blockHi = blockMax(hi, scratch);
  if (threadIdx.x == 0) {
    negMinPartials[blockIdx.x] = blockLo;
    maxPartials[blockIdx.x] = blockHi;
  }
}

// The range of voxels [0, voxels) of `image` on this GPU; (+inf, -inf) when there are none.
DeviceIntensityRange localRange(const float* image, int64_t voxels) {
  DeviceIntensityRange r{1.0 / 0.0, -1.0 / 0.0};
  if (voxels <= 0) return r;
  const int blocks = blocksFor(voxels);
  DeviceArray<double> negMin(blocks, "intensity range partials"), max(blocks, "intensity range partials");
  blockExtremes<<<blocks, kThreads, 0, cudaStreamPerThread>>>(image, voxels, negMin.data(), max.data());
  checkLaunch("blockExtremes (intensity range)", voxels);
  r.min = -finishMax(negMin, blocks, "intensity range");
  r.max = finishMax(max, blocks, "intensity range");
  return r;
}

}  // namespace

DeviceIntensityRange intensityRange(const float* image, const Grid& grid, Comm& comm) {
  const OwnedVoxels own = ownedVoxels(grid);
  DeviceIntensityRange r = localRange(image + own.first, own.count());
  acrossRanksMin(grid, comm, &r.min, 1);
  acrossRanksMax(grid, comm, &r.max, 1);
  return r;
}

DeviceIntensityRange intensityRange(const float* image, int64_t voxels, Comm&) { return localRange(image, voxels); }

}  // namespace ffdp::cuda
