// composeFields / composeAdamStep (field_compose.hpp), with the CPU's float arithmetic relative to
// the voxel (field_sampling.cuh: sampleFieldStep, as lib/ops/cpu/field_sampling.hpp's
// FieldStepSampler): the step in mm becomes an index step in float, so a block of 256 voxels moves
// only floats. The block stages its voxels' steps (or Adam moments) and results through shared
// memory, so that global loads and stores of the interleaved 3-float voxels are contiguous runs of
// the block's 768 floats instead of stride-3 accesses; u's 8 corners are read where the step
// points (near the voxel for the small steps of an optimiser: cache hits).
#include "cuda_check.cuh"
#include "field_adam_element.cuh"
#include "field_compose.hpp"
#include "field_sampling.cuh"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

constexpr int kVoxelsPerBlock = kThreads;
constexpr int kFloatsPerBlock = 3 * kVoxelsPerBlock;

// Where the step comes from: a stored field g, or the Adam direction of (m, v) scaled by s and
// rounded to float, as the unfused step stored it.
struct StepSource {
  const float* g = nullptr;
  const float* m = nullptr;
  const float* v = nullptr;
  float mScale = 0, vScale = 0, eps = 0, s = 0;
};

// The block's floats [first, first + count) of `src` into `dst`, coalesced.
__device__ __forceinline__ void stage(const float* __restrict__ src, float* dst, int64_t first, int count) {
  for (int f = threadIdx.x; f < count; f += blockDim.x) dst[f] = src[first + f];
}

// Voxels [first, last) of r.
__global__ void __launch_bounds__(kThreads) composeKernel(FieldView u, StepSource step, float* __restrict__ r,
                                                          FloatMatrix3 toIndex, int64_t first, int64_t last) {
  __shared__ float a[kFloatsPerBlock], b[kFloatsPerBlock];  // the steps (or m, v), then the results in a
  const int64_t blocks = (last - first + kVoxelsPerBlock - 1) / kVoxelsPerBlock;
  for (int64_t blk = blockIdx.x; blk < blocks; blk += gridDim.x) {
    const int64_t n0 = first + blk * kVoxelsPerBlock;
    const int count = int(3 * (last - n0 < kVoxelsPerBlock ? last - n0 : kVoxelsPerBlock));
    if (step.g) {
      stage(step.g, a, 3 * n0, count);
    } else {
      stage(step.m, a, 3 * n0, count);
      stage(step.v, b, 3 * n0, count);
    }
    __syncthreads();
    const int t = threadIdx.x;
    const int64_t n = n0 + t;
    float s[3], sampled[3];
    if (3 * t < count) {
      for (int c = 0; c < 3; ++c)
        s[c] = step.g ? a[3 * t + c]
                      : exact::mulf(step.s, adamDirectionElement(a[3 * t + c], b[3 * t + c], step.mScale,
                                                                 step.vScale, step.eps));
      const VoxelIndex x = voxelOf(n, u.nx, u.ny);
      float q[3];
      indexStepFloat(toIndex, s, q);
      sampleFieldStep(u, x.i, x.j, x.k, q, sampled);
    }
    __syncthreads();  // every thread has read its step from a
    if (3 * t < count)
      for (int c = 0; c < 3; ++c) a[3 * t + c] = exact::addf(s[c], sampled[c]);
    __syncthreads();
    for (int f = threadIdx.x; f < count; f += blockDim.x) r[3 * n0 + f] = a[f];
    __syncthreads();  // a is refilled next
  }
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
  composeKernel<<<blocksForEach(only.count(), kVoxelsPerBlock), kThreads, 0, cudaStreamPerThread>>>(
      uv, step, r, floatMatrix(m), only.first, only.last);
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
