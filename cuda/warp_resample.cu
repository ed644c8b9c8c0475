// resampleWarp / resampleAffine (warp_resample.hpp). Since A is affine, A(x + u) = A(x) + M u:
// the moving index is the affine one plus (Dm diag sm)^-1 M u(x), so with u = 0 (or no field)
// the output is resampleAffine's bit for bit, as on the CPU.
#include "cuda_check.cuh"
#include "field_sampling.cuh"
#include "grid_index_map.cuh"
#include "launch.cuh"
#include "warp_resample.hpp"
#include "warp_resample_point.cuh"

namespace ffdp::cuda {
namespace {

// One kernel per rule: the label rule's per-voxel tables live in local memory and its registers
// would otherwise cap the linear rule's occupancy too.
template <PointRule Rule>
__global__ void resampleKernel(ImageView moving, GridIndexMap map, Matrix3 displacementToIndex,
                               const float* __restrict__ u, int64_t nx, int64_t ny, int64_t voxels, float outside,
                               float* __restrict__ out) {
  for (int64_t n = firstItem(); n < voxels; n += itemStride()) {
    const VoxelIndex x = voxelOf(n, nx, ny);
    double q[3];
    indexOnGrid(map, x, q);
    if (u) {
      const double d[3] = {u[3 * n], u[3 * n + 1], u[3 * n + 2]};
      double step[3];
      exact::matVec(displacementToIndex.m, d, step);
      for (int a = 0; a < 3; ++a) q[a] = exact::add(q[a], step[a]);
    }
    out[n] = resamplePoint(moving, q, Rule, outside);
  }
}

template <PointRule Rule>
void launchRule(const ImageView& moving, const GridIndexMap& map, const Matrix3& displacementToIndex, const float* u,
                const Grid& grid, float outside, float* out) {
  resampleKernel<Rule><<<blocksForEach(grid.voxels()), kThreads, 0, cudaStreamPerThread>>>(
      moving, map, displacementToIndex, u, grid.size[0], grid.size[1], grid.voxels(), outside, out);
}

void launchInterpolation(Interpolation interp, const ImageView& moving, const GridIndexMap& map,
                         const Matrix3& displacementToIndex, const float* u, const Grid& grid, float outside,
                         float* out) {
  switch (interp) {
    case Interpolation::Linear:
      return launchRule<PointRule::Linear>(moving, map, displacementToIndex, u, grid, outside, out);
    case Interpolation::NearestNeighbor:
      return launchRule<PointRule::Nearest>(moving, map, displacementToIndex, u, grid, outside, out);
    case Interpolation::Label:
      return launchRule<PointRule::Label>(moving, map, displacementToIndex, u, grid, outside, out);
  }
  fail(ExitCode::Internal, "resample: unknown interpolation");
}

void launchResample(const float* moving, const Grid& movingGrid, const Affine& A, const float* u, const Grid& grid,
                    Interpolation interp, float outside, float* out) {
  if (movingGrid.voxels() == 0) fail(ExitCode::Input, "resample: the moving image is empty");
  if (grid.voxels() == 0) return;
  const ImageView mv{moving, movingGrid.size[0], movingGrid.size[1], movingGrid.size[2]};
  const Mat3 toIndex = movingGrid.indexToPhysicalMatrix().inverse() * A.M;
  Matrix3 displacementToIndex;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) displacementToIndex.m[a][b] = toIndex.m[a][b];
  launchInterpolation(interp, mv, gridIndexMap(grid, movingGrid, A), displacementToIndex, u, grid, outside, out);
  checkLaunch(u ? "resampleWarp" : "resampleAffine", grid.voxels());
}

}  // namespace

void resampleWarp(const float* moving, const Grid& movingGrid, const Affine& A, const float* u, const Grid& grid,
                  Interpolation interp, float outside, float* out) {
  launchResample(moving, movingGrid, A, u, grid, interp, outside, out);
}

void resampleAffine(const float* moving, const Grid& movingGrid, const Grid& grid, const Affine& A,
                    Interpolation interp, float outside, float* out) {
  launchResample(moving, movingGrid, A, nullptr, grid, interp, outside, out);
}

}  // namespace ffdp::cuda
