// Adam kernels (field_adam.hpp): memory-bound; one thread per float where they store (fully
// coalesced), one thread per voxel where they only load and reduce a vector norm.
#include "cuda_check.cuh"
#include "field_adam.hpp"
#include "field_adam_element.cuh"
#include "field_max_norm.cuh"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

struct AdamScales {
  float mScale, vScale, eps;
};
// The CPU's host-side constants: float(1 / c1), float(1 / c2), float(epsilon).
AdamScales adamScales(double c1, double c2, double epsilon) { return {float(1 / c1), float(1 / c2), float(epsilon)}; }

// m and v are loaded and stored float by float, coalesced: with one thread per voxel each warp's
// stride-3 store wrote 12 partly filled sectors, 3 times over, and L2 ran at 97 % while DRAM moved
// 52 % of its peak. The block's new v goes through shared memory so that each thread still takes
// the norm of one voxel (max is exact in any order: the same result).
__global__ void __launch_bounds__(kThreads) momentsKernel(float* __restrict__ m, float* __restrict__ v,
                                                          const float* __restrict__ g, int64_t voxels, float s,
                                                          float b1, float b2, double* partials) {
  __shared__ double scratch[kThreads];
  __shared__ float vNew[3 * kThreads];
  NormTracker t;
  const int64_t tiles = (voxels + kThreads - 1) / kThreads;
  for (int64_t tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const int64_t n0 = tile * kThreads, first = 3 * n0;
    const int count = int(3 * (voxels - n0 < kThreads ? voxels - n0 : kThreads));
    float mf[3] = {}, vf[3] = {}, gf[3] = {};
    for (int r = 0; r < 3; ++r) {  // the 9 loads before any use, all in flight together
      const int f = int(threadIdx.x) + r * kThreads;
      if (f < count) {
        mf[r] = m[first + f];
        vf[r] = v[first + f];
        gf[r] = g[first + f];
      }
    }
    for (int r = 0; r < 3; ++r) {
      const int f = int(threadIdx.x) + r * kThreads;
      if (f < count) {
        adamMomentsElement(mf[r], vf[r], gf[r], s, b1, b2);
        m[first + f] = mf[r];
        v[first + f] = vf[r];
        vNew[f] = vf[r];
      }
    }
    __syncthreads();
    const int c = 3 * int(threadIdx.x);
    if (c < count) t.add(vNew[c], vNew[c + 1], vNew[c + 2]);
    __syncthreads();  // vNew is refilled next
  }
  writeNormPartial(t, scratch, partials);
}

__global__ void directionNormKernel(const float* __restrict__ m, const float* __restrict__ v, int64_t voxels,
                                    AdamScales s, double* partials) {
  __shared__ double scratch[kThreads];
  NormTracker t;
  for (int64_t n = firstItem(); n < voxels; n += itemStride()) {
    float d[3];
    for (int c = 0; c < 3; ++c) d[c] = adamDirectionElement(m[3 * n + c], v[3 * n + c], s.mScale, s.vScale, s.eps);
    t.add(d[0], d[1], d[2]);
  }
  writeNormPartial(t, scratch, partials);
}

__global__ void directionKernel(const float* __restrict__ m, const float* __restrict__ v, int64_t floats,
                                AdamScales s, float* __restrict__ d) {
  for (int64_t f = firstItem(); f < floats; f += itemStride())
    d[f] = adamDirectionElement(m[f], v[f], s.mScale, s.vScale, s.eps);
}

__global__ void scaleKernel(float* u, int64_t floats, float a) {
  for (int64_t f = firstItem(); f < floats; f += itemStride()) u[f] = exact::mulf(u[f], a);
}

}  // namespace

double adamMoments(float* m, float* v, const float* g, int64_t voxels, double gScale, double beta1, double beta2) {
  if (voxels <= 0) return 0;
  const int blocks = blocksFor(voxels);
  DeviceArray<double> partials(blocks, "adamMoments partials");
  momentsKernel<<<blocks, kThreads, 0, cudaStreamPerThread>>>(m, v, g, voxels, float(gScale), float(beta1),
                                                              float(beta2), partials.data());
  checkLaunch("adamMoments", voxels);
  return finishNormPartials(partials, blocks, "adamMoments");
}

double adamDirectionMaxNorm(const float* m, const float* v, int64_t voxels, double c1, double c2, double epsilon) {
  if (voxels <= 0) return 0;
  const int blocks = blocksFor(voxels);
  DeviceArray<double> partials(blocks, "adamDirectionMaxNorm partials");
  directionNormKernel<<<blocks, kThreads, 0, cudaStreamPerThread>>>(m, v, voxels, adamScales(c1, c2, epsilon),
                                                                    partials.data());
  checkLaunch("adamDirectionMaxNorm", voxels);
  return finishNormPartials(partials, blocks, "adamDirectionMaxNorm");
}

void adamDirection(const float* m, const float* v, int64_t voxels, double c1, double c2, double epsilon, float* d) {
  const int64_t floats = 3 * voxels;
  if (floats <= 0) return;
  directionKernel<<<blocksFor(floats), kThreads, 0, cudaStreamPerThread>>>(m, v, floats, adamScales(c1, c2, epsilon),
                                                                          d);
  checkLaunch("adamDirection", floats);
}

void scaleField(float* u, int64_t voxels, double a) {
  const int64_t floats = 3 * voxels;
  if (floats <= 0) return;
  scaleKernel<<<blocksFor(floats), kThreads, 0, cudaStreamPerThread>>>(u, floats, float(a));
  checkLaunch("scaleField", floats);
}

}  // namespace ffdp::cuda
