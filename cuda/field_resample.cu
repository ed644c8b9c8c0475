#include "cuda_check.cuh"
#include "field_resample.hpp"
#include "field_sampling.cuh"
#include "grid_index_map.cuh"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

__global__ void resampleFieldKernel(FieldView u, GridIndexMap map, int64_t nx, int64_t ny, int64_t voxels,
                                    float* __restrict__ out) {
  for (int64_t n = firstItem(); n < voxels; n += itemStride()) {
    const VoxelIndex x = voxelOf(n, nx, ny);
    double q[3];
    float r[3];
    indexOnGrid(map, x, q);
    sampleFieldClamped(u, q, r);
    for (int c = 0; c < 3; ++c) out[3 * n + c] = r[c];
  }
}

}  // namespace

void resampleField(const float* u, const Grid& from, const Grid& target, float* out) {
  if (from.voxels() == 0) fail(ExitCode::Internal, "resampleField: the field is empty");
  if (target.voxels() == 0) return;
  const FieldView uv{u, from.size[0], from.size[1], from.size[2]};
  resampleFieldKernel<<<blocksFor(target.voxels()), kThreads, 0, cudaStreamPerThread>>>(
      uv, gridIndexMap(target, from), target.size[0], target.size[1], target.voxels(), out);
  checkLaunch("resampleField", target.voxels());
}

}  // namespace ffdp::cuda
