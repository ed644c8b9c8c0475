#include <string>

#include "cuda_check.cuh"
#include "field_max_norm.cuh"
#include "field_max_norm.hpp"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

__global__ void maxNormPartials(const float* __restrict__ u, int64_t voxels, double* partials) {
  __shared__ double scratch[kThreads];
  NormTracker t;
  for (int64_t n = firstItem(); n < voxels; n += itemStride()) t.add(u[3 * n], u[3 * n + 1], u[3 * n + 2]);
  writeNormPartial(t, scratch, partials);
}

__global__ void finishNorm(const double* partials, int blocks, double* out) {
  __shared__ double scratch[kThreads];
  double largest = 0;
  bool sawNaN = false;
  for (int b = threadIdx.x; b < blocks; b += blockDim.x) {
    const double p = partials[b];
    sawNaN |= p != p;
    largest = p > largest ? p : largest;
  }
  const double m = blockMax(largest, scratch);
  const double nan = blockMax(sawNaN ? 1.0 : 0.0, scratch);
  if (threadIdx.x == 0) *out = nan > 0 ? __longlong_as_double(0x7ff8000000000000LL) : sqrt(m);
}

}  // namespace

double finishNormPartials(const DeviceArray<double>& partials, int blocks, const char* what) {
  DeviceArray<double> out(1, std::string(what) + " result");
  finishNorm<<<1, kThreads, 0, cudaStreamPerThread>>>(partials.data(), blocks, out.data());
  checkLaunch("finishNorm", blocks);
  double r = 0;
  out.download(&r, 1, std::string(what) + " result");
  return r;
}

double maxNorm(const float* u, int64_t voxels) {
  if (voxels <= 0) return 0;
  const int blocks = blocksFor(voxels);
  DeviceArray<double> partials(blocks, "maxNorm partials");
  maxNormPartials<<<blocks, kThreads, 0, cudaStreamPerThread>>>(u, voxels, partials.data());
  checkLaunch("maxNormPartials", voxels);
  return finishNormPartials(partials, blocks, "maxNorm");
}

}  // namespace ffdp::cuda
