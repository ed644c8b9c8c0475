#include <cmath>
#include <utility>

#include "cuda_check.cuh"
#include "deterministic_reduce.cuh"
#include "field_invert.hpp"
#include "field_sampling.cuh"
#include "launch.cuh"
#include "owned_voxels.hpp"
#include "ops/field_inverse_newton.hpp"

namespace ffdp::cuda {
namespace {

__global__ void negateKernel(const float* __restrict__ u, float* __restrict__ v, int64_t floats) {
  for (int64_t f = firstItem(); f < floats; f += itemStride()) v[f] = -u[f];
}

// next(y) = -u(y + v(y)) for the voxels [ownFirst, ownLast); each block writes the largest squared
// change |next - v|^2 it saw (a NaN change is skipped, as std::max skips it on the CPU). A voxel reads
// only u, so a slab's halo voxels are left out: the caller refreshes them from their owners.
__global__ void sweepKernel(FieldView u, const float* __restrict__ v, float* __restrict__ next, Matrix3 toIndex,
                            int64_t ownFirst, int64_t ownLast, double* partials) {
  __shared__ double scratch[kThreads];
  double largest = 0;
  for (int64_t n = ownFirst + firstItem(); n < ownLast; n += itemStride()) {
    const VoxelIndex y = voxelOf(n, u.nx, u.ny);
    const double vy[3] = {v[3 * n], v[3 * n + 1], v[3 * n + 2]};
    double q[3];
    float uy[3];
    displacedIndex(toIndex.m, y.i, y.j, y.k, vy, q);
    sampleFieldClamped(u, q, uy);
    float updated[3];
    for (int c = 0; c < 3; ++c) {
      updated[c] = -uy[c];
      next[3 * n + c] = updated[c];
    }
    const double change = exact::squaredNorm(exact::sub(updated[0], vy[0]), exact::sub(updated[1], vy[1]),
                                              exact::sub(updated[2], vy[2]));
    largest = largest < change ? change : largest;
  }
  const double m = blockMax(largest, scratch);
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
  Matrix3 toIndex;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) toIndex.m[a][b] = inv.m[a][b];
  const FieldView uv{u, grid.size[0], grid.size[1], grid.size[2]};
  const int64_t floats = 3 * voxels;
  // Own voxels only (all of a whole grid): the floats [ownFloats, ownFloats + ownCount) of v.
  const int64_t ownFloats = 3 * own.first, ownCount = 3 * own.count();

  negateKernel<<<blocksFor(ownCount), kThreads, 0, cudaStreamPerThread>>>(u + ownFloats, v + ownFloats, ownCount);
  checkLaunch("invertField start", ownCount);
  DeviceArray<float> other(floats, "invertField iterate (" + std::to_string(voxels) + " voxels)");
  const int blocks = blocksFor(own.count());
  DeviceArray<double> partials(blocks, "invertField partials");
  float* current = v;
  float* next = other.data();
  int sweeps = 0;
  for (int it = 0; it < iterations; ++it) {
    sweepKernel<<<blocks, kThreads, 0, cudaStreamPerThread>>>(uv, current, next, toIndex, own.first, own.last,
                                                              partials.data());
    checkLaunch("invertField sweep", own.count());
    std::swap(current, next);
    ++sweeps;
    double largest = std::sqrt(finishMax(partials, blocks, "invertField change"));
    acrossRanksMax(grid, comm, &largest, 1);  // every rank stops at the same sweep
    if (largest < tolerance) break;
  }
  if (current != v && ownCount > 0)
    check(cudaMemcpyAsync(v + ownFloats, current + ownFloats, size_t(ownCount) * sizeof(float),
                          cudaMemcpyDeviceToDevice, cudaStreamPerThread),
          "copying the inverse field (" + std::to_string(own.count()) + " voxels)");
  if (iterations > 0 && tolerance > 0) {
    polishKernel<<<blocks, kThreads, 0, cudaStreamPerThread>>>(u, v, grid.size[0], grid.size[1], grid.size[2], toIndex,
                                                               trilinear::kInverseNewtonSteps, tolerance, own.first,
                                                               own.last);
    checkLaunch("invertField Newton polish", own.count());
  }
  return sweeps;
}

}  // namespace ffdp::cuda
