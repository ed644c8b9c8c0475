#include "cuda_check.cuh"
#include "field_restrict.hpp"
#include "field_sampling.cuh"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

__global__ void restrictFieldKernel(const float* __restrict__ g, CoarseFieldMap map, int64_t voxels,
                                    float* __restrict__ out) {
  for (int64_t n = firstItem(); n < voxels; n += itemStride()) {
    const VoxelIndex x = voxelOf(n, map.axis[0].fieldSize, map.axis[1].fieldSize);
    double r[3];
    map.restrictAt(g, x.i, x.j, x.k, r);
    for (int c = 0; c < 3; ++c) out[3 * n + c] = float(r[c]);
  }
}

}  // namespace

void restrictField(const float* imageGradient, const CoarseFieldMap& map, float* fieldOut) {
  const int64_t voxels = map.axis[0].fieldSize * map.axis[1].fieldSize * map.fieldBufferSlices;
  if (voxels == 0) return;
  restrictFieldKernel<<<blocksFor(voxels), kThreads, 0, cudaStreamPerThread>>>(imageGradient, map, voxels, fieldOut);
  checkLaunch("restrictField", voxels);
}

}  // namespace ffdp::cuda
