// Row-wise iteration for the metric kernels that visit each fixed voxel once (mean squares, MI's
// histogram and gradient, the valid count): each warp takes whole rows along i, works out the row's
// (j, k) and its part of the index map once (BasicWarpSampler::rowStart), and fetches u one 32-voxel
// step ahead, so that the load's latency overlaps the step before. Consecutive rows go to the warps of
// one block, so the moving image's rows j and j + 1 that the gathers read are shared in L1. Before,
// grid-stride loops over linear indices split each one into (i, j, k) and formed the whole index map
// per voxel (Nsight Compute, 370 M voxels: CC's valid count took 160 instructions per voxel, with a
// 64-bit division, and its warps waited on u's load before any arithmetic). At 370 M voxels, mean
// squares 8.99 -> 7.06 ms, CC r = 2 45.5 -> 43.8 ms, MI 20.9 -> 20.6 ms (H200).
#pragma once
#include <cstdint>
#include <string>

#include "cuda_check.cuh"
#include "device_array.cuh"
#include "field_sampling.cuh"
#include "launch.cuh"
#include "owned_voxels.hpp"

namespace ffdp::cuda {

// Blocks per SM that the row kernels' registers are held to (__launch_bounds__, 64 registers): their
// warps mostly wait for the moving image's corners (Nsight Compute), so more of them in flight hide more
// of that wait. Mean squares 7.47 ms at 78 registers (3 blocks) -> 7.06; MI's histogram pass, though it
// spills 64-80 bytes at 64 registers, 22.5 ms (MI, 106 registers) / 20.9 (80, 3 blocks) / 20.6 (4).
// At 5 blocks (48 registers) every one of them spills. The affine passes, with 12 sums per thread, keep
// their registers.
constexpr int kRowMetricBlocksPerSM = 4;

// One row of the fixed grid along i: its (j, k), the linear index of its first voxel and its part of
// the index map.
struct MetricRow {
  int64_t j, k, first;
  double start[3];
};
// Calls visitRow(row) for every row of planes [kFirst, kLast) of the sampler's fixed grid that falls
// to this warp: consecutive rows to the warps of a block, then a stride of the whole grid's warps.
template <class Sampler, class VisitRow>
__device__ __forceinline__ void forEachRowOfWarp(const Sampler& sampler, int64_t kFirst, int64_t kLast,
                                                 VisitRow&& visitRow) {
  const int64_t warpsPerBlock = blockDim.x >> 5, ny = sampler.ny, rows = ny * (kLast - kFirst);
  for (int64_t r = int64_t(blockIdx.x) * warpsPerBlock + (threadIdx.x >> 5); r < rows;
       r += int64_t(gridDim.x) * warpsPerBlock) {
    const RowIndex at = rowOf(r, ny);
    MetricRow row;
    row.j = at.j;
    row.k = kFirst + at.k;
    row.first = sampler.nx * (row.j + ny * row.k);
    sampler.rowStart(row.j, row.k, row.start);
    visitRow(static_cast<const MetricRow&>(row));
  }
}

// Calls step(row, n, i, fetched, active) for every 32-voxel step along the warp's rows, on every lane
// (a warp-uniform trip count, for kernels that vote across the warp): lane l takes voxel i = i0 + l,
// `active` when i < nx; then n is its linear index and fetched sampler.fetch(n, i, j, k).
template <class Sampler, class Step>
__device__ __forceinline__ void forEachRowStep(const Sampler& sampler, int64_t kFirst, int64_t kLast, Step&& step) {
  const int lane = int(threadIdx.x & 31);
  const int64_t nx = sampler.nx;
  forEachRowOfWarp(sampler, kFirst, kLast, [&](const MetricRow& row) {
    decltype(sampler.fetch(0, 0, 0, 0)) next{};
    if (lane < nx) next = sampler.fetch(row.first + lane, lane, row.j, row.k);
    for (int64_t i = lane; i - lane < nx; i += 32) {
      const auto fetched = next;
      if (i + 32 < nx) next = sampler.fetch(row.first + i + 32, i + 32, row.j, row.k);
      step(row, row.first + i, i, fetched, i < nx);
    }
  });
}

// forEachRowStep for kernels without warp votes: visit(row, n, i, fetched) for every voxel, the lanes
// past a row's end leaving its last step (with forEachRowStep's warp-uniform trip count and an
// `active` test per step instead, mean squares took 7.86 ms at 370 M voxels, against 7.47).
template <class Sampler, class Visit>
__device__ __forceinline__ void forEachVoxelByRows(const Sampler& sampler, int64_t kFirst, int64_t kLast,
                                                   Visit&& visit) {
  const int lane = int(threadIdx.x & 31);
  const int64_t nx = sampler.nx;
  forEachRowOfWarp(sampler, kFirst, kLast, [&](const MetricRow& row) {
    if (lane >= nx) return;
    auto next = sampler.fetch(row.first + lane, lane, row.j, row.k);
    for (int64_t i = lane; i < nx; i += 32) {
      const auto fetched = next;
      if (i + 32 < nx) next = sampler.fetch(row.first + i + 32, i + 32, row.j, row.k);
      visit(row, row.first + i, i, fetched);
    }
  });
}

// Blocks of kThreads for the rows of planes [kFirst, kLast) of a grid ny rows high: one warp per row up
// to blocksFor's cap. The count depends only on the grid, so the kernels' per-block partial sums, added
// in block order, repeat bit for bit.
inline int blocksForRows(int64_t ny, int64_t kFirst, int64_t kLast) { return blocksFor(32 * ny * (kLast - kFirst)); }

template <class Sampler>
__global__ void __launch_bounds__(kThreads)
    validCountKernel(Sampler sampler, int64_t kFirst, int64_t kLast, unsigned long long* total) {
  unsigned long long count = 0;
  forEachVoxelByRows(sampler, kFirst, kLast, [&](const MetricRow& row, int64_t n, int64_t i, const auto& fetched) {
    double q[3];
    count += sampler.validAlongRow(row.start, n, i, fetched, q) ? 1 : 0;
  });
  for (int offset = 16; offset > 0; offset >>= 1) count += __shfl_down_sync(0xffffffffu, count, offset);
  if ((threadIdx.x & 31) == 0 && count) atomicAdd(total, count);  // integer: exact in any order
}

// The valid voxels among the owned ones of this buffer (not combined over ranks): the N of a metric's
// mean, by the rule its sampling passes apply (BasicWarpSampler::validAlongRow).
template <class Sampler>
int64_t countValidVoxels(const Sampler& sampler, const Grid& fixedGrid, const char* what) {
  const OwnedVoxels own = ownedVoxels(fixedGrid);
  if (own.count() == 0) return 0;
  const std::string name = std::string(what) + " valid count";
  DeviceArray<unsigned long long> total(1, name);
  check(cudaMemsetAsync(total.data(), 0, sizeof(unsigned long long), cudaStreamPerThread),
        "clearing the " + name);
  validCountKernel<Sampler><<<blocksForRows(fixedGrid.size[1], fixedGrid.ownedBegin(), fixedGrid.ownedEnd()),
                              kThreads, 0, cudaStreamPerThread>>>(
      sampler, fixedGrid.ownedBegin(), fixedGrid.ownedEnd(), total.data());
  checkLaunch((std::string("validCountKernel (") + what + ")").c_str(), own.count());
  return int64_t(total.toHost(name)[0]);
}

}  // namespace ffdp::cuda
