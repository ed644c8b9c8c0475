#include "cuda_check.cuh"
#include "field_jacobian.hpp"
#include "field_jacobian_voxel.cuh"
#include "field_sampling.cuh"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

__global__ void jacobianKernel(const float* __restrict__ u, int64_t nx, int64_t ny, int64_t nz, Matrix3 toIndex,
                               float* __restrict__ det) {
  const int64_t voxels = nx * ny * nz;
  for (int64_t n = firstItem(); n < voxels; n += itemStride()) {
    const VoxelIndex x = voxelOf(n, nx, ny);
    det[n] = jacobianAt(u, nx, ny, nz, toIndex.m, x.i, x.j, x.k);
  }
}

}  // namespace

void jacobianDeterminant(const float* u, const Grid& grid, float* det) {
  if (grid.voxels() == 0) fail(ExitCode::Internal, "jacobianDeterminant: the field is empty");
  const Mat3 inv = grid.indexToPhysicalMatrix().inverse();
  Matrix3 toIndex;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) toIndex.m[a][b] = inv.m[a][b];
  jacobianKernel<<<blocksFor(grid.voxels()), kThreads, 0, cudaStreamPerThread>>>(u, grid.size[0], grid.size[1],
                                                                                 grid.size[2], toIndex, det);
  checkLaunch("jacobianDeterminant", grid.voxels());
}

}  // namespace ffdp::cuda
