// composeFields / composeAdamStep (field_compose.hpp): one thread per voxel; the step into u's
// continuous index is (D diag s)^-1 g(x) (both on one grid: no origin arithmetic, exact for g = 0).
#include "cuda_check.cuh"
#include "field_adam_element.cuh"
#include "field_compose.hpp"
#include "field_sampling.cuh"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

// Where the step g comes from: a stored field, or the Adam direction of (m, v) scaled by s.
struct StepSource {
  const float* g = nullptr;
  const float* m = nullptr;
  const float* v = nullptr;
  float mScale = 0, vScale = 0, eps = 0, s = 0;

  __device__ void at(int64_t n, double out[3]) const {
    for (int c = 0; c < 3; ++c) {
      if (g) {
        out[c] = g[3 * n + c];
      } else {
        const float d = adamDirectionElement(m[3 * n + c], v[3 * n + c], mScale, vScale, eps);
        out[c] = exact::mulf(s, d);  // rounded to float, as the unfused step stored it
      }
    }
  }
};

__global__ void composeKernel(FieldView u, StepSource step, float* __restrict__ r, Matrix3 toIndex) {
  const int64_t voxels = u.nx * u.ny * u.nz;
  for (int64_t n = firstItem(); n < voxels; n += itemStride()) {
    const VoxelIndex x = voxelOf(n, u.nx, u.ny);
    double gx[3], q[3], ux[3];
    step.at(n, gx);
    displacedIndex(toIndex.m, x.i, x.j, x.k, gx, q);
    sampleFieldClamped(u, q, ux);
    for (int c = 0; c < 3; ++c) r[3 * n + c] = float(exact::add(gx[c], ux[c]));
  }
}

void launchCompose(const float* u, const StepSource& step, float* r, const Grid& grid, const char* what) {
  if (grid.voxels() == 0) fail(ExitCode::Internal, std::string(what) + ": the fields are empty");
  const Mat3 inv = grid.indexToPhysicalMatrix().inverse();
  Matrix3 toIndex;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) toIndex.m[a][b] = inv.m[a][b];
  const FieldView uv{u, grid.size[0], grid.size[1], grid.size[2]};
  composeKernel<<<blocksFor(grid.voxels()), kThreads, 0, cudaStreamPerThread>>>(uv, step, r, toIndex);
  checkLaunch(what, grid.voxels());
}

}  // namespace

void composeFields(const float* u, const float* g, float* r, const Grid& grid) {
  StepSource step;
  step.g = g;
  launchCompose(u, step, r, grid, "composeFields");
}

void composeAdamStep(const float* u, const float* m, const float* v, double c1, double c2, double epsilon, double s,
                     float* out, const Grid& grid) {
  StepSource step;
  step.m = m;
  step.v = v;
  step.mScale = float(1 / c1);
  step.vScale = float(1 / c2);
  step.eps = float(epsilon);
  step.s = float(s);
  launchCompose(u, step, out, grid, "composeAdamStep");
}

}  // namespace ffdp::cuda
