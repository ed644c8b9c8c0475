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
// would otherwise cap the linear rule's occupancy too. One block per row of voxels along i (rows in
// grid-stride order): the row's (j, k) and the j and k terms of the index map (indexRowExact) are
// worked out once per row, and each voxel adds its i di (the same bits as indexAtExact); the
// per-voxel index division and those double products were about a fifth of the instructions.
template <PointRule Rule>
__global__ void resampleKernel(ImageView moving, GridIndexMap map, Matrix3 displacementToIndex,
                               const float* __restrict__ u, int64_t nx, int64_t ny, int64_t nz, float outside,
                               float* __restrict__ out) {
  const int64_t rows = ny * nz;
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const RowIndex r = rowOf(row, ny);
    double rowStart[3];
    rowOnGrid(map, r.j, r.k, rowStart);
    for (int64_t i = threadIdx.x; i < nx; i += blockDim.x) {
      const int64_t n = nx * row + i;
      double q[3];
      indexAlongRowOnGrid(map, rowStart, i, q);
      if (u) {
        const double d[3] = {u[3 * n], u[3 * n + 1], u[3 * n + 2]};
        double step[3];
        exact::matVec(displacementToIndex.m, d, step);
        for (int a = 0; a < 3; ++a) q[a] = exact::add(q[a], step[a]);
      }
      out[n] = resamplePoint(moving, q, Rule, outside);
    }
  }
}

template <PointRule Rule>
void launchRule(const ImageView& moving, const GridIndexMap& map, const Matrix3& displacementToIndex, const float* u,
                const Grid& grid, float outside, float* out) {
  // Whole warps, no more than a row needs: a narrow grid leaves no block mostly idle.
  const int64_t rowWarps = (grid.size[0] + 31) / 32;
  const int threads = int(rowWarps < kThreads / 32 ? 32 * rowWarps : kThreads);
  resampleKernel<Rule><<<blocksForEach(grid.size[1] * grid.size[2], 1), threads, 0, cudaStreamPerThread>>>(
      moving, map, displacementToIndex, u, grid.size[0], grid.size[1], grid.size[2], outside, out);
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
