// One pass over memory for the separable Gaussian (field_smooth_fused.hpp). The two-pass scheme
// (field_smooth.cu) writes the i-smoothed volume and reads it back: 48 B per voxel of a field for
// the 24 the result needs. Here a block owns 32 consecutive output floats x (coalesced) by 16 rows j
// by kPlanesPerBlock planes k, and walks its input planes in order. Each plane's tile, with its
// C W floats on either side along i and W rows on either side along j, is loaded once into shared
// memory (the next plane's loads in flight while this one is computed), smoothed along i there,
// then along j from registers into a window of the last 2W + 1 j-results per row, which gives the
// k output W planes back. Inputs outside the volume read as zero, so no tap is clamped
// (gaussian_window.cuh), and every output equals the two passes' bit for bit: the same i-results,
// then the same j and k sums. The halos are re-read by the neighbouring blocks, which run at the
// same time, so they come from L2, not DRAM.
#include <algorithm>
#include <string>

#include "cuda_check.cuh"
#include "field_smooth_fused.hpp"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

constexpr int64_t kPlanesPerBlock = 128;

// Float f = x + rowFloats (j + ny k), x = C i + c. Instruction issue, not memory, limits this
// kernel (Nsight Compute: issue slots 85 % busy at 31 % of DRAM bandwidth), so the loop is written
// for few instructions: loads through a pointer stepped by a plane with the tile's bounds tested
// once, and the planes unrolled by the window's 2W + 1 so that the register window along k rotates
// by renaming instead of moving every value each plane.
// Rows per thread, chosen by measurement (718^3 field on an H200): sigma 0.5 (W 2) 3.98 ms with 4
// rows against 4.84 with 2; sigma 1 (W 4) 5.46 with 2 against 6.51. Up to W 4 the kernel fits 64
// registers (4 blocks per SM) without spilling.
template <int W>
constexpr int fusedRowsPerThread() { return W >= 3 ? 2 : 4; }

template <int W, int C, int kTileX, int Q>
__global__ void __launch_bounds__(kThreads, 4)
    smoothFusedKernel(const float* __restrict__ in, float* __restrict__ out, int64_t nx, int64_t ny, int64_t nz,
                      int64_t kFirst, int64_t kLast, int64_t xTiles, int64_t jTiles, int64_t tiles, WindowWeights ki,
                      WindowWeights kj, WindowWeights kk, const float* __restrict__ invNormI,
                      const float* __restrict__ invNormJ, const float* __restrict__ invNormK) {
  constexpr int kRowsY = kThreads / kTileX, kTileJ = kRowsY * Q;
  constexpr int kTaps = 2 * W + 1;
  constexpr int kTileRows = kTileJ + 2 * W;    // input rows of a plane's tile
  constexpr int kRawX = kTileX + 2 * C * W;    // input floats of a tile row
  constexpr int kLoadsX = (kRawX + kTileX - 1) / kTileX;
  constexpr int kLoadsY = (kTileRows + kRowsY - 1) / kRowsY;
  static_assert(kLoadsX * kLoadsY <= 32, "one bit per load in a 32-bit mask");
  __shared__ float raw[kTileRows * kRawX];      // the input plane's tile
  __shared__ float alongI[kTileRows * kTileX];  // its rows smoothed along i
  const int tx = threadIdx.x % kTileX, ty = threadIdx.x / kTileX;
  const int64_t rowFloats = nx * C, planeFloats = rowFloats * ny;
  for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const int64_t xt = t % xTiles, rest = t / xTiles, jt = rest % jTiles, kt = rest / jTiles;
    const int64_t x0 = xt * kTileX, x = x0 + tx, j0 = jt * kTileJ, k0 = kFirst + kt * kPlanesPerBlock;
    const int64_t k1 = k0 + kPlanesPerBlock < kLast ? k0 + kPlanesPerBlock : kLast;
    const int64_t pBegin = k0 - W, pEnd = k1 + W;  // the input planes k0 - W .. k1 + W - 1
    const float normI = x < rowFloats ? invNormI[x / C] : 0.0f;
    float normJ[Q];
    tileNormsJ<Q>(invNormJ, j0 + ty * Q, ny, normJ);

    // Load (m, n) reads row ty + kRowsY m, column tx + kTileX n of the tile: bit m kLoadsX + n of
    // `inside` says whether that lies in the volume (and in the tile) along i and j.
    uint32_t inside = 0;
#pragma unroll
    for (int m = 0; m < kLoadsY; ++m)
#pragma unroll
      for (int n = 0; n < kLoadsX; ++n) {
        const int row = ty + kRowsY * m, col = tx + kTileX * n;
        const int64_t j = j0 - W + row, xs = x0 - C * W + col;
        if (row < kTileRows && col < kRawX && j >= 0 && j < ny && xs >= 0 && xs < rowFloats)
          inside |= 1u << (m * kLoadsX + n);
      }
    const int64_t rowStep = rowFloats * kRowsY;
    const float* src = in + (x0 - C * W + tx) + rowFloats * (j0 - W + ty) + planeFloats * pBegin;
    float staged[kLoadsY][kLoadsX];
    const auto load = [&](int64_t p) {  // src points at plane p
      const bool planeIn = p >= 0 && p < nz;
#pragma unroll
      for (int m = 0; m < kLoadsY; ++m)
#pragma unroll
        for (int n = 0; n < kLoadsX; ++n)
          staged[m][n] = planeIn && (inside >> (m * kLoadsX + n) & 1u) ? src[rowStep * m + kTileX * n] : 0.0f;
    };
    float* dst = out + x + rowFloats * (j0 + ty * Q) + planeFloats * k0;
    const bool xIn = x < rowFloats;

    float window[Q][kTaps];  // slot u % kTaps holds the j-results of plane pBegin + u
#pragma unroll
    for (int q = 0; q < Q; ++q)
#pragma unroll
      for (int s = 0; s < kTaps; ++s) window[q][s] = 0.0f;
    load(pBegin);
    for (int64_t p0 = pBegin; p0 < pEnd; p0 += kTaps) {
#pragma unroll
      for (int u = 0; u < kTaps; ++u) {
        const int64_t p = p0 + u;
        if (p >= pEnd) break;  // the same for every thread of the block
#pragma unroll
        for (int m = 0; m < kLoadsY; ++m)
#pragma unroll
          for (int n = 0; n < kLoadsX; ++n) {
            const int row = ty + kRowsY * m, col = tx + kTileX * n;
            if (row < kTileRows && col < kRawX) raw[row * kRawX + col] = staged[m][n];
          }
        __syncthreads();  // the tile is in; every thread is done reading alongI of the last plane
        src += planeFloats;
        if (p + 1 < pEnd) load(p + 1);
#pragma unroll
        for (int m = 0; m < kLoadsY; ++m) {
          const int row = ty + kRowsY * m;
          if (row < kTileRows)
            alongI[row * kTileX + tx] = __fmul_rn(windowSumStrided<W, C>(ki, raw + row * kRawX + tx), normI);
        }
        __syncthreads();  // alongI is in; every thread is done reading raw
        float smoothedJ[Q];
        alongJ<W, Q, kTileX>(alongI, tx, ty, kj, normJ, smoothedJ);
#pragma unroll
        for (int q = 0; q < Q; ++q) window[q][u] = smoothedJ[q];
        // Output plane k = p - W sums planes p - 2W .. p, tap t in slot (u + 1 + t) % kTaps.
        const int64_t k = p - W;
        if (k >= k0) {
          if (xIn) {
            const float normK = invNormK[k];
#pragma unroll
            for (int q = 0; q < Q; ++q) {
              float acc = 0.0f;
#pragma unroll
              for (int tap = 0; tap < kTaps; ++tap) acc = __fmaf_rn(kk.w[tap], window[q][(u + 1 + tap) % kTaps], acc);
              if (j0 + ty * Q + q < ny) dst[rowFloats * q] = __fmul_rn(acc, normK);
            }
          }
          dst += planeFloats;
        }
      }
    }
    __syncthreads();  // the next tile refills raw
  }
}

template <int W, int C, int kTileX = 32, int Q = fusedRowsPerThread<W>()>
void launchFused(const float* in, float* out, const Grid& grid, const GaussianAxes& axes, PlaneRange planes) {
  constexpr int kTileJ = kThreads / kTileX * Q;
  const int64_t rowFloats = grid.size[0] * C, ny = grid.size[1];
  const int64_t xTiles = (rowFloats + kTileX - 1) / kTileX, jTiles = (ny + kTileJ - 1) / kTileJ;
  const int64_t tiles = xTiles * jTiles * ((planes.last - planes.first + kPlanesPerBlock - 1) / kPlanesPerBlock);
  constexpr int64_t kMaxGrid = 0x7fffffff;
  smoothFusedKernel<W, C, kTileX, Q><<<int(std::min(tiles, kMaxGrid)), kThreads, 0, cudaStreamPerThread>>>(
      in, out, grid.size[0], ny, grid.size[2], planes.first, planes.last, xTiles, jTiles, tiles, axes.weights(0, W),
      axes.weights(1, W), axes.weights(2, W), axes.invNorm[0], axes.invNorm[1], axes.invNorm[2]);
  checkLaunch("smoothFused", grid.voxels() * C);
}

template <int W>
void launchFusedFor(int components, const float* in, float* out, const Grid& grid, const GaussianAxes& axes,
                    PlaneRange planes) {
  if (components == 3) return launchFused<W, 3>(in, out, grid, axes, planes);
  launchFused<W, 1>(in, out, grid, axes, planes);
}

}  // namespace

bool smoothFused(const float* in, float* out, const Grid& grid, int components, const GaussianAxes& axes,
                 PlaneRange planes) {
  if (components != 1 && components != 3)
    fail(ExitCode::Internal, "smoothFused: " + std::to_string(components) + " floats per voxel (1 or 3 expected)");
  const int window = std::max({axes.radius(0), axes.radius(1), axes.radius(2)});
  if (window > kFusedMaxWindow) return false;
  if (planes.last <= planes.first || grid.voxels() == 0) return true;
#define FFDP_FUSED_CASE(W) \
  case W:                  \
    launchFusedFor<W>(components, in, out, grid, axes, planes); \
    return true;
  switch (window) {
    FFDP_FUSED_CASE(0) FFDP_FUSED_CASE(1) FFDP_FUSED_CASE(2) FFDP_FUSED_CASE(3) FFDP_FUSED_CASE(4)
    default: break;
  }
#undef FFDP_FUSED_CASE
  return false;
}

}  // namespace ffdp::cuda
