#include "centre_of_mass.hpp"
#include "cuda_check.cuh"
#include "deterministic_reduce.cuh"
#include "field_sampling.cuh"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

// Per block: sum m, sum m i, sum m j, sum m k (index space; mapped to physical once at the end).
__global__ void massPartials(const float* __restrict__ image, int64_t nx, int64_t ny, int64_t voxels,
                             double* partials) {
  __shared__ double scratch[kThreads];
  double s[4] = {0, 0, 0, 0};
  for (int64_t n = firstItem(); n < voxels; n += itemStride()) {
    const float x = image[n];
    const double m = x > 0.0f ? double(x) : 0.0;
    const VoxelIndex v = voxelOf(n, nx, ny);
    s[0] += m;
    s[1] += m * double(v.i);
    s[2] += m * double(v.j);
    s[3] += m * double(v.k);
  }
  for (int w = 0; w < 4; ++w) {
    const double total = blockSum(s[w], scratch);
    if (threadIdx.x == 0) partials[int64_t(blockIdx.x) * 4 + w] = total;
  }
}

}  // namespace

Vec3 centreOfMass(const float* image, const Grid& grid) {
  const int64_t voxels = grid.voxels();
  if (voxels == 0) fail(ExitCode::Input, "centre of mass: the image is empty");
  const int blocks = blocksFor(voxels);
  DeviceArray<double> partials(int64_t(blocks) * 4, "centre of mass partials");
  massPartials<<<blocks, kThreads, 0, cudaStreamPerThread>>>(image, grid.size[0], grid.size[1], voxels,
                                                             partials.data());
  checkLaunch("centreOfMass", voxels);
  const std::vector<double> total = finishSums(partials, blocks, 4, "centre of mass");
  if (!(total[0] > 0.0)) fail(ExitCode::Input, "centre of mass: the image has no positive intensity");
  return grid.indexToPhysical({total[1] / total[0], total[2] / total[0], total[3] / total[0]});
}

}  // namespace ffdp::cuda
