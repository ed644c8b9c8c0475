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
// A maximum is the same in any order, so the warps reduce with shuffles and one barrier joins them
// (the shared-memory tree took nine, a few per cent of a short block's life: the inverse sweep's).
// fmax skips NaN, as the tree did.
__device__ inline double blockMax(double v, double* scratch) {
  for (int offset = 16; offset > 0; offset >>= 1) v = fmax(v, __shfl_xor_sync(0xffffffffu, v, offset));
  if ((threadIdx.x & 31) == 0) scratch[threadIdx.x >> 5] = v;
  __syncthreads();
  double r = scratch[0];
  for (int w = 1; w < int(blockDim.x >> 5); ++w) r = fmax(r, scratch[w]);
  __syncthreads();  // scratch may be reused right after
  return r;
}
#endif

// partials: `blocks` rows of `width` values (row b = block b's partial sums of `width` quantities).
// Returns the `width` column sums, each summed over blocks in a fixed tree order.
std::vector<double> finishSums(const DeviceArray<double>& partials, int blocks, int width, const char* what);
// The largest of `count` values (e.g. one per block).
double finishMax(const DeviceArray<double>& partials, int64_t count, const char* what);

}  // namespace ffdp::cuda
