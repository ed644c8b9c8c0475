// composeFields / composeAdamStep (field_compose.hpp), with the CPU's float arithmetic relative to
// the voxel (field_sampling.cuh: sampleFieldStep, as lib/ops/cpu/field_sampling.hpp's
// FieldStepSampler): the step in mm becomes an index step in float, so a block of 256 voxels moves
// only floats. Blocks walk 32 x 8 voxel tiles through the planes (row_segments.cuh); u's 8 corners
// are read where the step points (near the voxel for the small steps of an optimiser: the tile's
// own rows and next plane, cache hits).
#include "cuda_check.cuh"
#include "field_adam_element.cuh"
#include "field_compose.hpp"
#include "field_sampling.cuh"
#include "launch.cuh"
#include "row_segments.cuh"

namespace ffdp::cuda {
namespace {

// Where the step comes from: a stored field g, or the Adam direction of (m, v) scaled by s and
// rounded to float, as the unfused step stored it.
struct StepSource {
  const float* g = nullptr;
  const float* m = nullptr;
  const float* v = nullptr;
  float mScale = 0, vScale = 0, eps = 0, s = 0;
};

// How many planes ahead each warp asks L2 for its step's segment and u's (prefetchSegmentL2). Without
// it a third of the stall samples were the first multiply waiting for the step from DRAM, and the
// corners of plane k + 1 were DRAM reads too (Nsight Compute). At 370 M voxels (H200): composeFields
// 4.50 -> 4.09 ms two planes ahead with u (1 plane: 4.21, 3: 4.22; the step alone, 2 planes: 4.65);
// composeAdamStep 5.79 -> 5.53 one plane ahead with u (without u: 5.60; 2 planes: 5.71, 4: 6.50).
constexpr int kStepPrefetchPlanes = 2, kAdamPrefetchPlanes = 1;

// The planes of `tiles` of r. Compiled per step source and offset width, so that neither choice
// is a run-time branch per voxel.
template <bool Adam, bool Small>
__global__ void __launch_bounds__(kThreads, kGatherBlocksPerSM)
    composeKernel(FieldView u, StepSource step, float* r, FloatMatrix3 toIndex, PlaneTiles tiles) {
  __shared__ float buffers[kTileRows][kSegmentFloats];  // per warp: its results
  float* buffer = buffers[threadIdx.x >> 5];
  forEachRowSegment(tiles, [&](const RowSegment& seg) {
    if (!Adam) {
      prefetchSegmentL2<kStepPrefetchPlanes>(step.g, seg, tiles);
      prefetchSegmentL2<kStepPrefetchPlanes>(u.data, seg, tiles);
    } else {
      prefetchSegmentL2<kAdamPrefetchPlanes>(step.m, seg, tiles);
      prefetchSegmentL2<kAdamPrefetchPlanes>(step.v, seg, tiles);
      prefetchSegmentL2<kAdamPrefetchPlanes>(u.data, seg, tiles);
    }
    float s[3] = {0, 0, 0}, result[3] = {0, 0, 0};
    if (!Adam) {
      loadSegment(step.g, seg, s);
    } else {
      float m[3] = {0, 0, 0}, v[3] = {0, 0, 0};
      loadSegment(step.m, seg, m);
      loadSegment(step.v, seg, v);
      for (int c = 0; c < 3; ++c)
        s[c] = exact::mulf(step.s, adamDirectionElement(m[c], v[c], step.mScale, step.vScale, step.eps));
    }
    if (seg.lane < seg.voxels) {
      float q[3], sampled[3];
      indexStepFloat(toIndex, s, q);
      sampleStepAtLane<Small>(u, seg, q, sampled);
      for (int c = 0; c < 3; ++c) result[c] = exact::addf(s[c], sampled[c]);
    }
    storeSegment(r, seg, buffer, result);
  });
}

void launchCompose(const float* u, const StepSource& step, float* r, const Grid& grid, OwnedVoxels only,
                   const char* what) {
  if (grid.voxels() == 0) fail(ExitCode::Internal, std::string(what) + ": the fields are empty");
  if (only.first < 0 || only.last > grid.voxels())
    fail(ExitCode::Internal, std::string(what) + ": voxels " + std::to_string(only.first) + ".." +
                                 std::to_string(only.last) + " outside the field's " + std::to_string(grid.voxels()));
  if (only.count() == 0) return;
  const Mat3 inv = grid.indexToPhysicalMatrix().inverse();
  double m[3][3];
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) m[a][b] = inv.m[a][b];
  const FieldView uv{u, grid.size[0], grid.size[1], grid.size[2]};
  const int64_t plane = grid.size[0] * grid.size[1];
  if (only.first % plane != 0 || only.last % plane != 0)
    fail(ExitCode::Internal, std::string(what) + ": voxels " + std::to_string(only.first) + ".." +
                                 std::to_string(only.last) + " are not whole planes");
  const PlaneTiles tiles = planeTiles(grid, only.first / plane, only.last / plane);
  const int blocks = blocksForEach(tiles.tiles, 1);
  const FloatMatrix3 M = floatMatrix(m);
  const bool small = smallStepField(uv);
  if (step.g)
    small ? composeKernel<false, true><<<blocks, kThreads, 0, cudaStreamPerThread>>>(uv, step, r, M, tiles)
          : composeKernel<false, false><<<blocks, kThreads, 0, cudaStreamPerThread>>>(uv, step, r, M, tiles);
  else
    small ? composeKernel<true, true><<<blocks, kThreads, 0, cudaStreamPerThread>>>(uv, step, r, M, tiles)
          : composeKernel<true, false><<<blocks, kThreads, 0, cudaStreamPerThread>>>(uv, step, r, M, tiles);
  checkLaunch(what, only.count());
}

}  // namespace

void composeFields(const float* u, const float* g, float* r, const Grid& grid) {
  StepSource step;
  step.g = g;
  launchCompose(u, step, r, grid, allVoxels(grid.voxels()), "composeFields");
}

void composeAdamStep(const float* u, const float* m, const float* v, double c1, double c2, double epsilon, double s,
                     float* out, const Grid& grid, OwnedVoxels only) {
  StepSource step;
  step.m = m;
  step.v = v;
  step.mScale = float(1 / c1);
  step.vScale = float(1 / c2);
  step.eps = float(epsilon);
  step.s = float(s);
  launchCompose(u, step, out, grid, only, "composeAdamStep");
}

}  // namespace ffdp::cuda
