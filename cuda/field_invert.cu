#include <cmath>

#include "cuda_check.cuh"
#include "deterministic_reduce.cuh"
#include "field_invert.hpp"
#include "field_sampling.cuh"
#include "launch.cuh"
#include "owned_voxels.hpp"
#include "row_segments.cuh"
#include "ops/field_inverse_newton.hpp"

namespace ffdp::cuda {
namespace {

__global__ void negateKernel(const float* __restrict__ u, float* __restrict__ v, int64_t floats) {
  for (int64_t f = firstItem(); f < floats; f += itemStride()) v[f] = -u[f];
}

// One sweep v(y) <- -u(y + v(y)) over the planes of `tiles`, with the CPU's float arithmetic
// (lib/ops/cpu/field_invert.cpp: the step sampled relative to the voxel as composition does,
// field_sampling.cuh, and the squared change fma(d2, d2, fma(d1, d1, d0 d0)) in float). A voxel reads
// only its own v, so the sweep runs in place (the Jacobi iteration, no second field); the first
// sweep reads v = -u from u itself. Each block writes the largest squared change it saw (a NaN
// change is skipped, as on the CPU). A voxel reads only u, so a slab's halo voxels are left out:
// the caller refreshes them from their owners. Four planes per turn of the tile loop, with the
// registers that takes (4 blocks per SM rather than composition's 5): one sweep at 370 M voxels
// 3.96 -> 3.73 ms; with two planes per turn it was slower (4.20 ms).
// Each warp asks L2 for its segments of v and u one plane ahead (prefetchSegmentL2, as composition does):
// one sweep 3.73 -> 3.51 ms, two 8.77 -> 7.53 (two planes ahead: 3.57 / 7.70; three: 3.58 / 7.80).
constexpr int kSweepPlanesPerTurn = 4, kSweepBlocksPerSM = 4, kSweepPrefetchPlanes = 1;
template <bool Small>
__global__ void __launch_bounds__(kThreads, kSweepBlocksPerSM)
    sweepKernel(FieldView u, const float* from, bool fromIsU, float* v, FloatMatrix3 toIndex, PlaneTiles tiles,
                double* partials) {
  __shared__ float buffers[kTileRows][kSegmentFloats];
  __shared__ double scratch[kThreads];
  float* buffer = buffers[threadIdx.x >> 5];
  float largest = 0;
  forEachRowSegment<kSweepPlanesPerTurn>(tiles, [&](const RowSegment& seg) {
    prefetchSegmentL2<kSweepPrefetchPlanes>(from, seg, tiles);
    if (!fromIsU) prefetchSegmentL2<kSweepPrefetchPlanes>(u.data, seg, tiles);
    float vy[3] = {0, 0, 0}, next[3] = {0, 0, 0};
    loadSegment(from, seg, vy);
    if (seg.lane < seg.voxels) {
      if (fromIsU)
        for (int c = 0; c < 3; ++c) vy[c] = -vy[c];
      float q[3], sampled[3], d[3];
      indexStepFloat(toIndex, vy, q);
      sampleStepAtLane<Small>(u, seg, q, sampled);
      for (int c = 0; c < 3; ++c) {
        next[c] = -sampled[c];
        d[c] = exact::subf(next[c], vy[c]);
      }
      const float change = fusedMulAdd(d[2], d[2], fusedMulAdd(d[1], d[1], exact::mulf(d[0], d[0])));
      largest = change > largest ? change : largest;  // NaN is skipped
    }
    storeSegment(v, seg, buffer, next);
  });
  const double m = blockMax(double(largest), scratch);
  if (threadIdx.x == 0) partials[blockIdx.x] = m;
}

// The Newton polish (ops/field_inverse_newton.hpp, the CPU's code): every voxel whose residual is
// above the tolerance is solved on its own, from the sweeps' answer.
__global__ void polishKernel(const float* __restrict__ u, float* __restrict__ v, int64_t nx, int64_t ny, int64_t nz,
                             Matrix3 toIndex, int steps, double tolerance, int64_t ownFirst, int64_t ownLast) {
  for (int64_t n = ownFirst + firstItem(); n < ownLast; n += itemStride()) {
    const VoxelIndex y = voxelOf(n, nx, ny);
    double d[3] = {v[3 * n], v[3 * n + 1], v[3 * n + 2]};
    if (!isfinite(d[0] + d[1] + d[2])) continue;
    trilinear::newtonInverseAtVoxel(u, nx, ny, nz, y.i, y.j, y.k, toIndex.m, steps, tolerance, d);
    for (int c = 0; c < 3; ++c) v[3 * n + c] = float(d[c]);
  }
}

}  // namespace

int invertField(const float* u, float* v, const Grid& grid, int iterations, double tolerance) {
  if (grid.isSlab()) fail(ExitCode::Internal, "invertField: a slab buffer needs the communicator");
  SelfComm self;
  return invertField(u, v, grid, iterations, tolerance, self);
}

int invertField(const float* u, float* v, const Grid& grid, int iterations, double tolerance, Comm& comm) {
  const OwnedVoxels own = ownedVoxels(grid);
  const int64_t voxels = grid.voxels();
  if (voxels == 0) fail(ExitCode::Internal, "invertField: the field is empty");
  const Mat3 inv = grid.indexToPhysicalMatrix().inverse();
  Matrix3 toIndex;  // the Newton polish's, in double
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) toIndex.m[a][b] = inv.m[a][b];
  const FloatMatrix3 step = floatMatrix(toIndex.m);  // the sweeps', in float as on the CPU
  const FieldView uv{u, grid.size[0], grid.size[1], grid.size[2]};
  if (iterations <= 0) {  // v = -u, as the CPU returns it
    const int64_t ownFloats = 3 * own.first, ownCount = 3 * own.count();
    negateKernel<<<blocksFor(ownCount), kThreads, 0, cudaStreamPerThread>>>(u + ownFloats, v + ownFloats, ownCount);
    checkLaunch("invertField without sweeps", ownCount);
    return 0;
  }
  const PlaneTiles tiles = planeTiles(grid, grid.ownedBegin(), grid.ownedEnd());
  // One block per tile, as composition launches (a capped grid striding through the tiles measured
  // the same); the change's maximum does not depend on the block count.
  const int blocks = blocksForEach(tiles.tiles, 1);
  const bool small = smallStepField(uv);
  DeviceArray<double> partials(blocks, "invertField partials");
  int sweeps = 0;
  for (int it = 0; it < iterations; ++it) {
    const float* from = it == 0 ? u : v;
    if (small)
      sweepKernel<true><<<blocks, kThreads, 0, cudaStreamPerThread>>>(uv, from, it == 0, v, step, tiles, partials.data());
    else
      sweepKernel<false><<<blocks, kThreads, 0, cudaStreamPerThread>>>(uv, from, it == 0, v, step, tiles, partials.data());
    checkLaunch("invertField sweep", own.count());
    ++sweeps;
    double largest = std::sqrt(finishMax(partials, blocks, "invertField change"));
    acrossRanksMax(grid, comm, &largest, 1);  // every rank stops at the same sweep
    if (largest < tolerance) break;
  }
  if (tolerance > 0) {
    polishKernel<<<blocksFor(own.count()), kThreads, 0, cudaStreamPerThread>>>(
        u, v, grid.size[0], grid.size[1], grid.size[2], toIndex, trilinear::kInverseNewtonSteps, tolerance, own.first,
        own.last);
    checkLaunch("invertField Newton polish", own.count());
  }
  return sweeps;
}

}  // namespace ffdp::cuda
