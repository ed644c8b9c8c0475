#include "centre_of_mass.hpp"
#include "cuda_check.cuh"
#include "deterministic_reduce.cuh"
#include "field_sampling.cuh"
#include "launch.cuh"
#include "owned_voxels.hpp"

namespace ffdp::cuda {
namespace {

// Per block: sum m, sum m i, sum m j, sum m k (index space; mapped to physical once at the end) over
// `voxels` voxels from `image`, which starts at slice kFirst of the buffer (a slab's own slices).
__global__ void massPartials(const float* __restrict__ image, int64_t nx, int64_t ny, int64_t voxels,
                             int64_t kFirst, double* partials) {
  __shared__ double scratch[kThreads];
  double s[4] = {0, 0, 0, 0};
  for (int64_t n = firstItem(); n < voxels; n += itemStride()) {
    const float x = image[n];
    const double m = x > 0.0f ? double(x) : 0.0;
    const VoxelIndex v = voxelOf(n, nx, ny);
    s[0] += m;
    s[1] += m * double(v.i);
    s[2] += m * double(v.j);
    s[3] += m * double(v.k + kFirst);
  }
  for (int w = 0; w < 4; ++w) {
    const double total = blockSum(s[w], scratch);
    if (threadIdx.x == 0) partials[int64_t(blockIdx.x) * 4 + w] = total;
  }
}

// sum m, sum m i, sum m j, sum m k over the owned slices (the buffer's local index).
std::vector<double> ownedMassSums(const float* image, const Grid& grid) {
  if (grid.voxels() == 0) fail(ExitCode::Input, "centre of mass: the image is empty");
  const OwnedVoxels own = ownedVoxels(grid);
  const int64_t voxels = own.count();
  if (voxels == 0) return std::vector<double>(4, 0.0);
  const int blocks = blocksFor(voxels);
  DeviceArray<double> partials(int64_t(blocks) * 4, "centre of mass partials");
  massPartials<<<blocks, kThreads, 0, cudaStreamPerThread>>>(image + own.first, grid.size[0], grid.size[1], voxels,
                                                             grid.ownedBegin(), partials.data());
  checkLaunch("centreOfMass", voxels);
  return finishSums(partials, blocks, 4, "centre of mass");
}

}  // namespace

Vec3 centreOfMass(const float* image, const Grid& grid) {
  if (grid.isSlab()) fail(ExitCode::Internal, "centreOfMass: a slab buffer needs the communicator");
  const std::vector<double> total = ownedMassSums(image, grid);
  if (!(total[0] > 0.0)) fail(ExitCode::Input, "centre of mass: the image has no positive intensity");
  return grid.indexToPhysical({total[1] / total[0], total[2] / total[0], total[3] / total[0]});
}

Vec3 centreOfMass(const float* image, const Grid& grid, Comm& comm) {
  if (!grid.isSlab()) return centreOfMass(image, grid);
  std::vector<double> total = ownedMassSums(image, grid);
  // The index sums are in this buffer's local index: each rank moves its part to physical space
  // with its own grid (sum m x = m origin + P sum m idx), then the ranks add (the CPU's order).
  const Vec3 weighted = grid.indexToPhysicalMatrix() * Vec3{total[1], total[2], total[3]};
  for (int a = 0; a < 3; ++a) total[size_t(a + 1)] = total[0] * grid.origin[a] + weighted[a];
  acrossRanksSum(grid, comm, total.data(), total.size());
  if (!(total[0] > 0.0)) fail(ExitCode::Input, "centre of mass: the image has no positive intensity");
  return {total[1] / total[0], total[2] / total[0], total[3] / total[0]};
}

}  // namespace ffdp::cuda
