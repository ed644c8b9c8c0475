// smoothAndResample / resampleMask (image_pyramid.hpp). Smoothing works on a copy of the input
// (field_smooth.hpp, shared with the fields), then one thread per target voxel resamples it.
#include <string>

#include "cuda_check.cuh"
#include "device_array.cuh"
#include "dist/slab.hpp"
#include "field_sampling.cuh"
#include "field_smooth.hpp"
#include "grid_index_map.cuh"
#include "image_pyramid.hpp"
#include "launch.cuh"
#include "warp_resample_point.cuh"

namespace ffdp::cuda {
namespace {

__global__ void resampleOntoGridKernel(ImageView in, GridIndexMap map, int64_t nx, int64_t ny, int64_t voxels,
                                       float* __restrict__ out) {
  const double hi[3] = {double(in.nx - 1), double(in.ny - 1), double(in.nz - 1)};
  for (int64_t n = firstItem(); n < voxels; n += itemStride()) {
    const VoxelIndex x = voxelOf(n, nx, ny);
    double q[3];
    indexOnGrid(map, x, q);
    for (int a = 0; a < 3; ++a) q[a] = q[a] < 0.0 ? 0.0 : (hi[a] < q[a] ? hi[a] : q[a]);
    out[n] = sampleLinearFloat(in, q);
  }
}

__global__ void resampleMaskKernel(const uint8_t* __restrict__ in, int64_t mx, int64_t my, int64_t mz,
                                   GridIndexMap map, int64_t nx, int64_t ny, int64_t voxels,
                                   uint8_t* __restrict__ out) {
  const ImageView shape{nullptr, mx, my, mz};  // for the inside test and the rounded index only
  for (int64_t n = firstItem(); n < voxels; n += itemStride()) {
    const VoxelIndex x = voxelOf(n, nx, ny);
    double q[3];
    indexOnGrid(map, x, q);
    out[n] = insideNearest(shape, q) ? in[nearestLinear(shape, q)] : uint8_t(0);
  }
}

std::string sizeText(const Grid& g) {
  return std::to_string(g.size[0]) + "x" + std::to_string(g.size[1]) + "x" + std::to_string(g.size[2]);
}

}  // namespace

void resampleOntoGrid(const float* in, const Grid& inGrid, const Grid& target, float* out) {
  if (inGrid.voxels() == 0) fail(ExitCode::Input, "resample: the input image is empty");
  if (target.voxels() == 0) return;
  const ImageView iv{in, inGrid.size[0], inGrid.size[1], inGrid.size[2]};
  resampleOntoGridKernel<<<blocksFor(target.voxels()), kThreads, 0, cudaStreamPerThread>>>(
      iv, gridIndexMap(target, inGrid), target.size[0], target.size[1], target.voxels(), out);
  checkLaunch("resampleOntoGrid", target.voxels());
}

void smoothAndResample(const float* in, const Grid& inGrid, const Vec3& sigmaVoxels, const Grid& target, float* out) {
  const bool smooth = sigmaVoxels[0] > 0 || sigmaVoxels[1] > 0 || sigmaVoxels[2] > 0;
  if (!smooth || inGrid.voxels() == 0) return resampleOntoGrid(in, inGrid, target, out);
  DeviceArray<float> smoothed(inGrid.voxels(), "pyramid smoothing of a " + sizeText(inGrid) + " image");
  smoothImageInto(in, smoothed.data(), inGrid, sigmaVoxels);
  resampleOntoGrid(smoothed.data(), inGrid, target, out);
}

void resampleMask(const uint8_t* in, const Grid& inGrid, const Grid& target, uint8_t* out) {
  if (target.voxels() == 0) return;
  if (inGrid.voxels() == 0) {
    check(cudaMemsetAsync(out, 0, size_t(target.voxels()), cudaStreamPerThread), "clearing a resampled mask");
    return;
  }
  resampleMaskKernel<<<blocksFor(target.voxels()), kThreads, 0, cudaStreamPerThread>>>(
      in, inGrid.size[0], inGrid.size[1], inGrid.size[2], gridIndexMap(target, inGrid),
      target.size[0], target.size[1], target.voxels(), out);
  checkLaunch("resampleMask", target.voxels());
}

}  // namespace ffdp::cuda
