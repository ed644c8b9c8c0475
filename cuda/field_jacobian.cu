#include "cuda_check.cuh"
#include "field_jacobian.hpp"
#include "field_jacobian_voxel.cuh"
#include "field_sampling.cuh"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

// One block per row of voxels along i (rows in grid-stride order): the row's (j, k), its differences
// along j and k and the four neighbour rows are worked out once per row, not per voxel (the index
// division and clamps were most of the instructions), and a warp reads consecutive voxels of a row.
// Blocks run in row order, so the neighbour planes a row reads are still in L2. At most 48 registers
// (5 blocks per multiprocessor, not 4 at the 60 it would take): warps wait mostly on the float to
// double conversions' latency, which more warps hide; measured 5 % faster despite a 16-byte spill.
__global__ void __launch_bounds__(kThreads, 5) jacobianKernel(const float* __restrict__ u, int64_t nx, int64_t ny,
                                                           int64_t nz, Matrix3 toIndex, float* __restrict__ det) {
  const int64_t rows = ny * nz;
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const RowIndex r = rowOf(row, ny);
    const JacobianDifference dj = jacobianDifference(r.j, ny), dk = jacobianDifference(r.k, nz);
    const float* centre = u + 3 * nx * row;
    const float* jLo = u + 3 * nx * (dj.lo + ny * r.k);
    const float* jHi = u + 3 * nx * (dj.hi + ny * r.k);
    const float* kLo = u + 3 * nx * (r.j + ny * dk.lo);
    const float* kHi = u + 3 * nx * (r.j + ny * dk.hi);
    for (int64_t i = threadIdx.x; i < nx; i += blockDim.x) {
      const JacobianDifference di = jacobianDifference(i, nx);
      const float* const lo[3] = {centre + 3 * di.lo, jLo + 3 * i, kLo + 3 * i};
      const float* const hi[3] = {centre + 3 * di.hi, jHi + 3 * i, kHi + 3 * i};
      const double invStep[3] = {di.invStep, dj.invStep, dk.invStep};
      det[nx * row + i] = jacobianFromSamples(lo, hi, invStep, toIndex.m);
    }
  }
}

}  // namespace

void jacobianDeterminant(const float* u, const Grid& grid, float* det) {
  if (grid.voxels() == 0) fail(ExitCode::Internal, "jacobianDeterminant: the field is empty");
  const Mat3 inv = grid.indexToPhysicalMatrix().inverse();
  Matrix3 toIndex;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) toIndex.m[a][b] = inv.m[a][b];
  // Whole warps, no more than a row needs: a narrow grid leaves no block mostly idle.
  const int64_t rowWarps = (grid.size[0] + 31) / 32;
  const int threads = int(rowWarps < kThreads / 32 ? 32 * rowWarps : kThreads);
  jacobianKernel<<<blocksForEach(grid.size[1] * grid.size[2], 1), threads, 0, cudaStreamPerThread>>>(
      u, grid.size[0], grid.size[1], grid.size[2], toIndex, det);
  checkLaunch("jacobianDeterminant", grid.voxels());
}

}  // namespace ffdp::cuda
