// Taps from registers for the windowed smoothing kernels (field_smooth.cu: two passes;
// field_smooth_fused.cu: one). Every line is extended by zeros beyond its ends and every axis's
// weights by zeros beyond its radius to a common half-width W (a template constant, so the taps
// unroll and the weights, passed by value, stay in the constant bank). An output is then
// acc = fma(w[t], x[t], acc) over all 2W + 1 taps from acc = 0, times its inverse norm: the zero
// taps before the first inside tap leave acc at 0 and fma(w, x, 0) rounds like the reference's
// first product w x, the zero taps after the last leave acc unchanged, so each output rounds
// exactly like the CPU reference's clamped sum (gaussian_smooth.cpp: first product, then fused
// multiply-adds in tap order). An axis that is not smoothed gets weight 1 and norm 1 (the
// identity: fma(1, x, 0) = x), so one kernel serves every mix of axes.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "core/grid.hpp"
#include "device_array.cuh"
#include "gaussian_line.cuh"

namespace ffdp::cuda {

constexpr int kMaxWindow = 12;  // sigma up to 3 voxels (radius ceil(4 sigma))

struct WindowWeights {
  float w[2 * kMaxWindow + 1];
};

inline WindowWeights windowWeights(const float* weight, int radius, int window) {
  WindowWeights k{};
  for (int t = -radius; t <= radius; ++t) k.w[window + t] = weight[t + radius];
  return k;
}

#ifdef __CUDACC__
template <int W>
__device__ __forceinline__ float windowSum(const WindowWeights& k, const float* x) {
  float acc = 0.0f;
#pragma unroll
  for (int t = 0; t < 2 * W + 1; ++t) acc = __fmaf_rn(k.w[t], x[t], acc);
  return acc;
}
// This thread's Q rows' inverse norms along j, read once per tile: rows j0 + ty Q + q, 0 beyond the
// volume's ny rows (their sums are never stored).
template <int Q>
__device__ __forceinline__ void tileNormsJ(const float* __restrict__ invNormJ, int64_t firstRow, int64_t ny,
                                           float normJ[Q]) {
#pragma unroll
  for (int q = 0; q < Q; ++q) normJ[q] = firstRow + q < ny ? invNormJ[firstRow + q] : 0.0f;
}
// Along j for this thread's Q consecutive rows ty Q .. ty Q + Q - 1 of a tile in shared memory
// (rows of kTileX floats, its first row W rows before the first output row): out[q] is that row
// smoothed, times normJ[q] (tileNormsJ).
template <int W, int Q, int kTileX>
__device__ __forceinline__ void alongJ(const float* tile, int tx, int ty, const WindowWeights& kj,
                                       const float normJ[Q], float out[Q]) {
  float column[Q + 2 * W];
#pragma unroll
  for (int m = 0; m < Q + 2 * W; ++m) column[m] = tile[(ty * Q + m) * kTileX + tx];
#pragma unroll
  for (int q = 0; q < Q; ++q) out[q] = __fmul_rn(windowSum<W>(kj, column + q), normJ[q]);
}
// The same over taps `stride` floats apart.
template <int W, int Stride>
__device__ __forceinline__ float windowSumStrided(const WindowWeights& k, const float* x) {
  float acc = 0.0f;
#pragma unroll
  for (int t = 0; t < 2 * W + 1; ++t) acc = __fmaf_rn(k.w[t], x[t * Stride], acc);
  return acc;
}
#endif

// The z-planes whose outputs a call must get right, [first, last).
struct PlaneRange {
  int64_t first = 0, last = 0;
};

// The three axes' tables (the identity along an axis with sigma 0) and their inverse norms on the
// device, one upload.
struct GaussianAxes {
  GaussianAxisTable table[3];
  bool active[3] = {false, false, false};
  DeviceArray<float> norms;                 // the three axes' inverse norms, one after the other
  const float* invNorm[3] = {nullptr, nullptr, nullptr};

  int radius(int axis) const { return table[axis].radius; }
  WindowWeights weights(int axis, int window) const {
    return windowWeights(table[axis].table.data(), table[axis].radius, window);
  }
};

inline GaussianAxes gaussianAxes(const Grid& grid, const Vec3& sigma, const std::string& what) {
  GaussianAxes g;
  std::vector<float> norms;
  int64_t at[3];
  for (int a = 0; a < 3; ++a) {
    GaussianAxisTable& t = g.table[a];
    g.active[a] = sigma[a] > 0;
    if (g.active[a]) {
      t = gaussianAxisTable(sigma[a], grid.size[a]);
    } else {
      t.radius = 0;
      t.length = grid.size[a];
      t.table.assign(size_t(1 + grid.size[a]), 1.0f);
    }
    at[a] = int64_t(norms.size());
    norms.insert(norms.end(), t.table.begin() + (2 * t.radius + 1), t.table.end());
  }
  g.norms = DeviceArray<float>::fromHost(norms, "Gaussian norms for a " + what);
  for (int a = 0; a < 3; ++a) g.invNorm[a] = g.norms.data() + at[a];
  return g;
}

}  // namespace ffdp::cuda
