// Launch shapes: 64-bit item counts, grid-stride loops, and a block count that depends only on the
// problem size (not on the GPU model), so block-ordered reductions repeat bit for bit.
#pragma once
#include <cstdint>

namespace ffdp::cuda {

// Kernels launch on cudaStreamPerThread (see device_array.cuh).
constexpr int kThreads = 256;
// Enough blocks to fill an H100/H200 several times over; grid-stride loops cover the rest.
constexpr int64_t kMaxBlocks = 4096;

inline int blocksFor(int64_t items, int threads = kThreads) {
  const int64_t b = (items + threads - 1) / threads;
  return int(b < 1 ? 1 : (b > kMaxBlocks ? kMaxBlocks : b));
}

// for (int64_t n = firstItem(); n < count; n += itemStride()) — 64-bit throughout.
#ifdef __CUDACC__
__device__ inline int64_t firstItem() { return int64_t(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ inline int64_t itemStride() { return int64_t(gridDim.x) * blockDim.x; }
#endif

}  // namespace ffdp::cuda
