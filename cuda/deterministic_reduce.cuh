// Reductions whose result does not depend on scheduling: each block reduces its items in a fixed
// tree (grid-stride order, then shared memory), writes one partial per block, and one final block
// reduces the partials in index order. With block counts fixed by the problem size (launch.cuh)
// a run repeats bit for bit; no floating-point atomics anywhere.
//
// Kernels use blockSum / blockMax (all threads of the block must call them; blockDim.x must be
// kThreads); host code finishes with finishSums / finishMax, which return the values on the host.
#pragma once
#include <cstdint>
#include <vector>

#include "device_array.cuh"
#include "launch.cuh"

namespace ffdp::cuda {

#ifdef __CUDACC__
// The block's sum of v, valid in thread 0. `scratch` holds kThreads doubles of shared memory.
__device__ inline double blockSum(double v, double* scratch) {
  scratch[threadIdx.x] = v;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (int(threadIdx.x) < s) scratch[threadIdx.x] += scratch[threadIdx.x + s];
    __syncthreads();
  }
  const double r = scratch[0];
  __syncthreads();  // scratch may be reused right after
  return r;
}
__device__ inline double blockMax(double v, double* scratch) {
  scratch[threadIdx.x] = v;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (int(threadIdx.x) < s) scratch[threadIdx.x] = fmax(scratch[threadIdx.x], scratch[threadIdx.x + s]);
    __syncthreads();
  }
  const double r = scratch[0];
  __syncthreads();
  return r;
}
#endif

// partials: `blocks` rows of `width` values (row b = block b's partial sums of `width` quantities).
// Returns the `width` column sums, each summed over blocks in a fixed tree order.
std::vector<double> finishSums(const DeviceArray<double>& partials, int blocks, int width, const char* what);
// The largest of `count` values (e.g. one per block).
double finishMax(const DeviceArray<double>& partials, int64_t count, const char* what);

}  // namespace ffdp::cuda
