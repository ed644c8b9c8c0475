// Separable Gaussian smoothing (field_smooth.hpp). The usual case is one pass over memory
// (field_smooth_fused.cu). The two-pass kernels below (rows along i, then j and k fused, each pass
// reading its input once and writing its output once) compute the same bits; radii above
// kFusedMaxWindow take them. The per-axis kernels are the fallback (radius above kMaxWindow,
// rows too long for shared memory): along i, a block copies a whole row into shared memory and
// writes the result back over it; along j and k, a block loads a tile of 32 consecutive floats by
// 128 positions plus the radius on either side into shared memory, and the passes ping-pong with
// one scratch volume.
#include <algorithm>
#include <string>
#include <vector>

#include <cuda_pipeline.h>

#include "cuda_check.cuh"
#include "device_array.cuh"
#include "field_smooth.hpp"
#include "field_smooth_fused.hpp"
#include "gaussian_line.cuh"
#include "gaussian_window.cuh"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

constexpr int64_t kSharedBytes = 48 * 1024;  // default shared memory of a block
constexpr int kTileX = 32, kTileRows = kThreads / kTileX, kTileLength = 128;

int64_t tileBytes(int radius) { return (kTileLength + 2 * int64_t(radius)) * kTileX * int64_t(sizeof(float)); }

// Along an axis whose positions are `stride` floats apart: float f = x + stride (n + length g),
// x < stride, n < length, g < groups. One tile = 32 x by kTileLength n of one group.
__global__ void smoothAlongAxisTiled(const float* __restrict__ in, float* __restrict__ out, int64_t stride,
                                     int64_t length, int64_t groups, int radius, const float* __restrict__ weight,
                                     const float* __restrict__ invNorm) {
  extern __shared__ float tile[];  // (kTileLength + 2 radius) positions x kTileX floats
  const int64_t xTiles = (stride + kTileX - 1) / kTileX, nTiles = (length + kTileLength - 1) / kTileLength;
  const int64_t tiles = xTiles * nTiles * groups;
  const int tx = threadIdx.x % kTileX, ty = threadIdx.x / kTileX;
  for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
    const int64_t xt = t % xTiles, rest = t / xTiles, nt = rest % nTiles, g = rest / nTiles;
    const int64_t x = xt * kTileX + tx, n0 = nt * kTileLength;
    const int64_t pLo = n0 - radius > 0 ? n0 - radius : 0;
    const int64_t pHi = n0 + kTileLength + radius < length ? n0 + kTileLength + radius : length;  // [pLo, pHi)
    const int64_t groupStart = stride * length * g;
    if (x < stride)
      for (int64_t p = pLo + ty; p < pHi; p += kTileRows) tile[(p - pLo) * kTileX + tx] = in[groupStart + x + stride * p];
    __syncthreads();
    if (x < stride) {
      const int64_t nEnd = n0 + kTileLength < length ? n0 + kTileLength : length;
      for (int64_t n = n0 + ty; n < nEnd; n += kTileRows) {
        const int64_t lo = n - radius > 0 ? n - radius : 0, hi = n + radius < length - 1 ? n + radius : length - 1;
        const float acc = gaussianTapSum(tile + (lo - pLo) * kTileX + tx, kTileX, hi - lo + 1, weight + (lo - n + radius));
        out[groupStart + x + stride * n] = exact::mulf(acc, invNorm[n]);
      }
    }
    __syncthreads();  // the tile is refilled next
  }
}

// out[f] for every float f: position n = (f / stride) % length along the axis.
__global__ void smoothAlongAxis(const float* __restrict__ in, float* __restrict__ out, int64_t floats,
                                int64_t stride, int64_t length, int radius, const float* __restrict__ weight,
                                const float* __restrict__ invNorm) {
  for (int64_t f = firstItem(); f < floats; f += itemStride()) {
    const int64_t n = (f / stride) % length;
    out[f] = gaussianLineOutput(in + (f - n * stride), stride, n, length, radius, weight, invNorm[n]);
  }
}

// Along i, in place: each row of nx voxels x C floats goes through shared memory. A row fits in
// shared memory, so 32-bit positions suffice inside it (no 64-bit division per output).
__global__ void smoothRowsInPlace(float* data, int64_t rows, int nx, int components, int radius,
                                  const float* __restrict__ weight, const float* __restrict__ invNorm) {
  extern __shared__ float row[];
  const int rowFloats = nx * components;
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    float* line = data + r * rowFloats;
    for (int x = threadIdx.x; x < rowFloats; x += blockDim.x) row[x] = line[x];
    __syncthreads();
    for (int x = threadIdx.x; x < rowFloats; x += blockDim.x) {
      const int i = x / components, c = x - i * components;
      const int lo = i - radius > 0 ? i - radius : 0, hi = i + radius < nx - 1 ? i + radius : nx - 1;
      const float acc = gaussianTapSum(row + lo * components + c, components, hi - lo + 1, weight + (lo - i + radius));
      line[x] = exact::mulf(acc, invNorm[i]);
    }
    __syncthreads();  // the row buffer is refilled next
  }
}

std::string describe(const Grid& g, int components) {
  return std::string(components == 3 ? "field" : "image") + " of " + std::to_string(g.size[0]) + "x" +
         std::to_string(g.size[1]) + "x" + std::to_string(g.size[2]) + " voxels";
}

// out's planes [planes.first, planes.last) = in's (nothing when the range is empty).
void copyPlanes(const float* in, float* out, const Grid& grid, int components, PlaneRange planes,
                const std::string& what) {
  if (planes.last <= planes.first) return;
  const int64_t planeFloats = grid.size[0] * grid.size[1] * components;
  check(cudaMemcpyAsync(out + planes.first * planeFloats, in + planes.first * planeFloats,
                        size_t((planes.last - planes.first) * planeFloats) * sizeof(float), cudaMemcpyDeviceToDevice,
                        cudaStreamPerThread),
        what);
}

// The kernels above: one pass per axis (used where the windowed kernels cannot be).
void smoothVolumeByAxis(float* data, const Grid& grid, const Vec3& sigma, int components) {
  if (!(sigma[0] > 0 || sigma[1] > 0 || sigma[2] > 0) || grid.voxels() == 0) return;
  const int64_t nx = grid.size[0], ny = grid.size[1], nz = grid.size[2];
  const int64_t floats = grid.voxels() * components;
  const std::string what = describe(grid, components);

  // The three axes' tables in one upload.
  struct Axis {
    bool active = false;
    int radius = 0;
    int64_t length = 0, stride = 0, weightAt = 0, invNormAt = 0;
  } axes[3];
  std::vector<float> tables;
  const int64_t strides[3] = {components, nx * components, nx * ny * components};
  for (int a = 0; a < 3; ++a) {
    if (!(sigma[a] > 0)) continue;
    const GaussianAxisTable t = gaussianAxisTable(sigma[a], grid.size[a]);
    axes[a] = {true, t.radius, t.length, strides[a], int64_t(tables.size()), int64_t(tables.size()) + 2 * t.radius + 1};
    tables.insert(tables.end(), t.table.begin(), t.table.end());
  }
  const DeviceArray<float> deviceTables = DeviceArray<float>::fromHost(tables, "Gaussian tables for a " + what);
  const float* tablesAt = deviceTables.data();

  std::vector<int> outOfPlace;
  const int64_t rowBytes = nx * components * int64_t(sizeof(float));
  if (axes[0].active && rowBytes <= kSharedBytes) {
    const int64_t rows = ny * nz;
    const int blocks = int(rows < kMaxBlocks ? rows : kMaxBlocks);
    smoothRowsInPlace<<<blocks, kThreads, size_t(rowBytes), cudaStreamPerThread>>>(
        data, rows, int(nx), components, axes[0].radius, tablesAt + axes[0].weightAt, tablesAt + axes[0].invNormAt);
    checkLaunch("smoothRowsInPlace", floats);
  } else if (axes[0].active) {
    outOfPlace.push_back(0);
  }
  for (int a = 1; a < 3; ++a)
    if (axes[a].active) outOfPlace.push_back(a);
  if (outOfPlace.empty()) return;

  DeviceArray<float> scratch(floats, "smoothing scratch for a " + what);
  float* src = data;
  float* dst = scratch.data();
  for (const int a : outOfPlace) {
    const Axis& x = axes[a];
    if (a > 0 && tileBytes(x.radius) <= kSharedBytes) {
      const int64_t groups = floats / (x.stride * x.length);
      const int64_t tiles = (x.stride + kTileX - 1) / kTileX * ((x.length + kTileLength - 1) / kTileLength) * groups;
      smoothAlongAxisTiled<<<int(tiles < kMaxBlocks ? tiles : kMaxBlocks), kThreads, size_t(tileBytes(x.radius)),
                             cudaStreamPerThread>>>(src, dst, x.stride, x.length, groups, x.radius,
                                                    tablesAt + x.weightAt, tablesAt + x.invNormAt);
      checkLaunch("smoothAlongAxisTiled", floats);
    } else {  // along i for rows too long for shared memory, or a radius too large for a tile
      smoothAlongAxis<<<blocksFor(floats), kThreads, 0, cudaStreamPerThread>>>(
          src, dst, floats, x.stride, x.length, x.radius, tablesAt + x.weightAt, tablesAt + x.invNormAt);
      checkLaunch("smoothAlongAxis", floats);
    }
    std::swap(src, dst);
  }
  if (src != data)
    check(cudaMemcpyAsync(data, src, size_t(floats) * sizeof(float), cudaMemcpyDeviceToDevice, cudaStreamPerThread),
          "copying the smoothed " + what + " back");
}

// ---- Windowed kernels: two passes over memory, taps from registers (gaussian_window.cuh) ------
constexpr int kRunLength = 5;   // outputs per thread along i: odd, so a warp's runs hit distinct banks
constexpr int64_t kPlanesPerBlock = 128;  // k outputs per block of the fused j-k pass
// The i pass's shared memory: two staged lines (W zeros, the row, zeros up to whole runs, W zeros)
// per component and the result row. Beyond the default 48 KB the kernel opts in, up to 96 KB:
// rows of about 2 700 voxels of a field.
constexpr int64_t kRowsSharedBytes = 96 * 1024;
int64_t rowLineLength(int64_t nx, int window) { return (nx + kRunLength - 1) / kRunLength * kRunLength + 2 * window; }
int64_t rowsSharedBytes(int64_t nx, int components, int window) {
  return int64_t(components) * (2 * rowLineLength(nx, window) + nx) * int64_t(sizeof(float));
}

// Along i, rows of nx voxels x C floats: a block stages row r in shared memory as C planar lines
// of `lineLength` floats (W zeros, the row, zeros to the end), each thread computes runs of
// kRunLength consecutive voxels of one component from registers (each input read once per run),
// stages the interleaved result in shared memory and the block writes the row back coalesced.
// The lines are double buffered: the block's next row is copied in asynchronously (cp.async)
// while this one is computed, since a block that loaded, computed and stored in turn left the
// memory idle (Nsight Compute, W 12: 18 cycles per issued instruction, 32 % of DRAM bandwidth).
// `in` may equal `out`: a row is read completely before it is written, and the row fetched ahead
// is another block-row's, not yet written.
template <int W, int C>
__global__ void __launch_bounds__(kThreads) smoothRowsWindowed(const float* in, float* out, int64_t rows, int nx,
                                                               int lineLength, WindowWeights k,
                                                               const float* __restrict__ invNorm) {
  extern __shared__ float shared[];
  float* lines = shared;                       // 2 buffers of C x lineLength, planar
  float* result = shared + 2 * C * lineLength; // nx x C, interleaved
  const int rowFloats = nx * C, runs = (nx + kRunLength - 1) / kRunLength;
  for (int z = threadIdx.x; z < 2 * C * lineLength; z += blockDim.x) lines[z] = 0.0f;  // the padding stays zero
  __syncthreads();
  const auto fetch = [&](int64_t r, float* line) {  // row r into `line`, asynchronously
    const float* src = in + r * rowFloats;
    for (int x = threadIdx.x; x < rowFloats; x += blockDim.x) {
      const int i = x / C, c = x - i * C;
      __pipeline_memcpy_async(line + c * lineLength + W + i, src + x, sizeof(float));
    }
  };
  int buffer = 0;
  fetch(blockIdx.x, lines);  // the launch has at most `rows` blocks
  __pipeline_commit();
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x, buffer ^= 1) {
    const float* line = lines + buffer * C * lineLength;
    if (r + gridDim.x < rows) fetch(r + gridDim.x, lines + (buffer ^ 1) * C * lineLength);
    __pipeline_commit();
    __pipeline_wait_prior(1);  // this thread's copies of row r have landed
    __syncthreads();           // and every other thread's
    for (int item = threadIdx.x; item < C * runs; item += blockDim.x) {
      const int c = item / runs, i0 = (item - c * runs) * kRunLength;
      float x[kRunLength + 2 * W];
#pragma unroll
      for (int m = 0; m < kRunLength + 2 * W; ++m) x[m] = line[c * lineLength + i0 + m];
#pragma unroll
      for (int q = 0; q < kRunLength; ++q)
        if (i0 + q < nx) result[(i0 + q) * C + c] = __fmul_rn(windowSum<W>(k, x + q), invNorm[i0 + q]);
    }
    __syncthreads();
    float* dst = out + r * rowFloats;
#pragma unroll 4
    for (int x = threadIdx.x; x < rowFloats; x += blockDim.x) dst[x] = result[x];
    // The next iteration fetches into the buffer read above, which every thread has finished
    // reading (the barrier above); `result` is rewritten only after the next barrier.
  }
  __pipeline_wait_prior(0);  // no copy outlives the block
}

// Along j and k together, out of place. Float f = x + rowFloats (j + ny k), x < rowFloats. A
// block owns 32 consecutive x (coalesced) by 8 Q rows j by kPlanesPerBlock planes k and walks
// its planes in order: each input plane's 32 x (8Q + 2W) tile goes through shared memory (double
// buffered, the next plane's loads in flight while this one is computed; asynchronous copies
// three planes ahead measured slower); a thread smooths Q consecutive rows of one x along j from
// registers and keeps each row's last 2W + 1 j-results in a register window, which gives the k
// output W planes back. Inputs outside the volume read as zero, so no tap is clamped.
// The tile's bounds along x and j are tested once per tile and loads go through a pointer stepped
// by a plane (Nsight Compute, W 12: 219 instructions per output float before, 55 of them FFMA,
// much of the rest 64-bit addresses and bounds; 198 after). The window still moves by copies:
// unrolling the planes by 2W + 1 to rotate it by renaming, as the one-pass kernel does, cut the
// instructions to 136 per float but took 115-183 registers, and at two blocks per SM it was slower
// at every width but 12 (H200, 718^3 field: sigma 1.5 11.3 ms against 8.3).
template <int W, int Q>
__global__ void __launch_bounds__(kThreads) smoothJKWindowed(const float* __restrict__ in, float* __restrict__ out,
                                                             int64_t rowFloats, int64_t ny, int64_t nz,
                                                             int64_t kFirst, int64_t kLast,
                                                             WindowWeights kj, WindowWeights kk,
                                                             const float* __restrict__ invNormJ,
                                                             const float* __restrict__ invNormK) {
  constexpr int kTileX = 32, kRowsY = kThreads / kTileX, kTileJ = kRowsY * Q, kTileRows = kTileJ + 2 * W;
  constexpr int kTaps = 2 * W + 1, kTileFloats = kTileRows * kTileX;
  constexpr int kLoads = (kTileRows + kRowsY - 1) / kRowsY;  // tile rows per thread
  static_assert(kLoads <= 32, "one bit per load in a 32-bit mask");
  __shared__ float tile[2 * kTileFloats];
  const int tx = threadIdx.x % kTileX, ty = threadIdx.x / kTileX;
  const int64_t xTiles = (rowFloats + kTileX - 1) / kTileX, jTiles = (ny + kTileJ - 1) / kTileJ;
  const int64_t kTiles = (kLast - kFirst + kPlanesPerBlock - 1) / kPlanesPerBlock;
  const int64_t planeFloats = rowFloats * ny;
  for (int64_t t = blockIdx.x; t < xTiles * jTiles * kTiles; t += gridDim.x) {
    const int64_t xt = t % xTiles, rest = t / xTiles, jt = rest % jTiles, kt = rest / jTiles;
    const int64_t x = xt * kTileX + tx, j0 = jt * kTileJ, k0 = kFirst + kt * kPlanesPerBlock;
    const int64_t k1 = k0 + kPlanesPerBlock < kLast ? k0 + kPlanesPerBlock : kLast;
    const int64_t pBegin = k0 - W, pEnd = k1 + W;  // the input planes k0 - W .. k1 + W - 1
    const bool xIn = x < rowFloats;
    // Bit m of `inside`: tile row ty + kRowsY m lies in the tile and in the volume along j (and x
    // in the volume).
    uint32_t inside = 0;
#pragma unroll
    for (int m = 0; m < kLoads; ++m) {
      const int row = ty + kRowsY * m;
      const int64_t j = j0 - W + row;
      if (xIn && row < kTileRows && j >= 0 && j < ny) inside |= 1u << m;
    }
    float normJ[Q];
    tileNormsJ<Q>(invNormJ, j0 + ty * Q, ny, normJ);
    const int64_t rowStep = rowFloats * kRowsY;
    const float* src = in + x + rowFloats * (j0 - W + ty) + planeFloats * pBegin;  // read only where inside
    float staged[kLoads];
    const auto load = [&](int64_t p) {  // src points at plane p
      const bool planeIn = p >= 0 && p < nz;
#pragma unroll
      for (int m = 0; m < kLoads; ++m) staged[m] = planeIn && (inside >> m & 1u) ? src[rowStep * m] : 0.0f;
    };
    float* dst = out + x + rowFloats * (j0 + ty * Q) + planeFloats * (pBegin - W);  // output plane p - W
    float window[Q][kTaps];  // the j-results of planes p - 2W .. p
#pragma unroll
    for (int q = 0; q < Q; ++q)
#pragma unroll
      for (int s = 0; s < kTaps; ++s) window[q][s] = 0.0f;
    load(pBegin);
    for (int64_t p = pBegin; p < pEnd; ++p) {
      float* plane = tile + ((p - pBegin) & 1) * kTileFloats;
#pragma unroll
      for (int m = 0; m < kLoads; ++m)
        if (ty + kRowsY * m < kTileRows) plane[(ty + kRowsY * m) * kTileX + tx] = staged[m];
      __syncthreads();  // also: every thread is done with the buffer written next plane
      src += planeFloats;
      if (p + 1 < pEnd) load(p + 1);
      float smoothedJ[Q];
      alongJ<W, Q, kTileX>(plane, tx, ty, kj, normJ, smoothedJ);
#pragma unroll
      for (int q = 0; q < Q; ++q) {
#pragma unroll
        for (int s = 0; s < 2 * W; ++s) window[q][s] = window[q][s + 1];
        window[q][2 * W] = smoothedJ[q];
      }
      // Output plane k = p - W sums planes p - 2W .. p.
      const int64_t k = p - W;
      if (k >= k0 && xIn) {
        const float normK = invNormK[k];
#pragma unroll
        for (int q = 0; q < Q; ++q)
          if (j0 + ty * Q + q < ny) dst[rowFloats * q] = __fmul_rn(windowSum<W>(kk, window[q]), normK);
      }
      dst += planeFloats;
    }
    __syncthreads();  // the next tile refills both buffers
  }
}

template <int W>
void launchRows(const float* in, float* out, const Grid& grid, int components, const WindowWeights& k,
                const float* invNorm) {
  const int nx = int(grid.size[0]);
  const int lineLength = int(rowLineLength(nx, W));
  const size_t bytes = size_t(rowsSharedBytes(nx, components, W));
  const int64_t rows = grid.size[1] * grid.size[2];
  const int blocks = int(rows < kMaxBlocks ? rows : kMaxBlocks);
  const auto kernel = components == 3 ? smoothRowsWindowed<W, 3> : smoothRowsWindowed<W, 1>;
  if (bytes > size_t(kSharedBytes))
    check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)),
          "allowing " + std::to_string(bytes) + " bytes of shared memory for rows of " + std::to_string(nx) + " voxels");
  kernel<<<blocks, kThreads, bytes, cudaStreamPerThread>>>(in, out, rows, nx, lineLength, k, invNorm);
  checkLaunch("smoothRowsWindowed", grid.voxels() * components);
}

// Output planes [planes.first, planes.last) of the j-k pass (it reads W planes beyond them).
template <int W, int Q>
void launchJK(const float* in, float* out, const Grid& grid, int components, PlaneRange planes,
              const WindowWeights& kj, const WindowWeights& kk, const float* invNormJ, const float* invNormK) {
  const int64_t rowFloats = grid.size[0] * components, ny = grid.size[1], nz = grid.size[2];
  if (planes.last <= planes.first) return;
  const int64_t tiles = (rowFloats + 31) / 32 * ((ny + 8 * Q - 1) / (8 * Q)) *
                        ((planes.last - planes.first + kPlanesPerBlock - 1) / kPlanesPerBlock);
  const int64_t blocks = tiles < (int64_t(1) << 30) ? tiles : (int64_t(1) << 30);
  smoothJKWindowed<W, Q><<<int(blocks), kThreads, 0, cudaStreamPerThread>>>(
      in, out, rowFloats, ny, nz, planes.first, planes.last, kj, kk, invNormJ, invNormK);
  checkLaunch("smoothJKWindowed", grid.voxels() * components);
}

template <int W>
void launchWindowed(bool rows, const float* in, float* out, const Grid& grid, int components, PlaneRange planes,
                    int rowsPerThread, const WindowWeights& k0, const WindowWeights& kj, const WindowWeights& kk,
                    const float* invNormI, const float* invNormJ, const float* invNormK) {
  if (rows) return launchRows<W>(in, out, grid, components, k0, invNormI);
  if (rowsPerThread == 4) return launchJK<W, 4>(in, out, grid, components, planes, kj, kk, invNormJ, invNormK);
  launchJK<W, 2>(in, out, grid, components, planes, kj, kk, invNormJ, invNormK);
}

void dispatchWindowed(int window, bool rows, const float* in, float* out, const Grid& grid, int components,
                      PlaneRange planes, int rowsPerThread, const WindowWeights& ki, const WindowWeights& kj,
                      const WindowWeights& kk, const float* invNormI, const float* invNormJ, const float* invNormK) {
#define FFDP_WINDOW_CASE(W)                                                                                       \
  case W:                                                                                                         \
    return launchWindowed<W>(rows, in, out, grid, components, planes, rowsPerThread, ki, kj, kk, invNormI, invNormJ, \
                             invNormK);
  switch (window) {
    FFDP_WINDOW_CASE(0) FFDP_WINDOW_CASE(1) FFDP_WINDOW_CASE(2) FFDP_WINDOW_CASE(3) FFDP_WINDOW_CASE(4)
    FFDP_WINDOW_CASE(5) FFDP_WINDOW_CASE(6) FFDP_WINDOW_CASE(7) FFDP_WINDOW_CASE(8) FFDP_WINDOW_CASE(9)
    FFDP_WINDOW_CASE(10) FFDP_WINDOW_CASE(11) FFDP_WINDOW_CASE(12)
    default: break;
  }
#undef FFDP_WINDOW_CASE
}

// The two-pass smoothing, in place; false (nothing done) where a radius exceeds kMaxWindow or a
// row does not fit in shared memory, which the per-axis kernels handle. With j or k smoothed, only
// the planes `planes` come out smoothed (the rest keep their input, or the i pass alone).
bool smoothTwoPass(float* data, const Grid& grid, const GaussianAxes& axes, int components, PlaneRange planes,
                   int rowsPerThread) {
  const int wi = axes.radius(0), wjk = std::max(axes.radius(1), axes.radius(2));
  const bool rows = axes.active[0], jk = axes.active[1] || axes.active[2];
  const int64_t nx = grid.size[0];
  if ((rows && (wi > kMaxWindow || rowsSharedBytes(nx, components, wi) > kRowsSharedBytes)) ||
      (jk && wjk > kMaxWindow))
    return false;

  const WindowWeights k[3] = {axes.weights(0, wi), axes.weights(1, wjk), axes.weights(2, wjk)};
  const float *normI = axes.invNorm[0], *normJ = axes.invNorm[1], *normK = axes.invNorm[2];
  // 2 rows per thread: 8.8 ms against 10.0 ms for 4 (718^3 field, sigma 1.5, H200).
  const int q = rowsPerThread == 4 ? 4 : 2;
  if (!jk) {
    dispatchWindowed(wi, true, data, data, grid, components, planes, q, k[0], k[1], k[2], normI, normJ, normK);
    return true;
  }
  const std::string what = describe(grid, components);
  DeviceArray<float> scratch(grid.voxels() * components, "smoothing scratch for a " + what);
  if (rows) {
    dispatchWindowed(wi, true, data, scratch.data(), grid, components, planes, q, k[0], k[1], k[2], normI, normJ,
                     normK);
    dispatchWindowed(wjk, false, scratch.data(), data, grid, components, planes, q, k[0], k[1], k[2], normI, normJ,
                     normK);
  } else {
    dispatchWindowed(wjk, false, data, scratch.data(), grid, components, planes, q, k[0], k[1], k[2], normI, normJ,
                     normK);
    copyPlanes(scratch.data(), data, grid, components, planes, "copying the smoothed " + what + " back");
  }
  return true;
}

// In place with the two-pass or per-axis kernels.
void smoothVolumeInPlace(float* data, const Grid& grid, const GaussianAxes& axes, const Vec3& sigma, int components,
                         PlaneRange planes, SmoothKernels kernels) {
  if (kernels == SmoothKernels::PerAxis ||
      !smoothTwoPass(data, grid, axes, components, planes, kernels == SmoothKernels::TwoPassFourRows ? 4 : 2))
    smoothVolumeByAxis(data, grid, sigma, components);
}

bool anySigma(const Vec3& sigma) { return sigma[0] > 0 || sigma[1] > 0 || sigma[2] > 0; }

// Out of place: the planes `planes` of `out` = `in` smoothed, out's other planes = in's. Where the
// one pass declines (kFusedMaxWindow), `out` gets a copy that is smoothed in place.
void smoothVolumeInto(const float* in, float* out, const Grid& grid, const Vec3& sigma, int components,
                      PlaneRange planes, SmoothKernels kernels) {
  if (grid.voxels() == 0) return;
  const std::string what = describe(grid, components);
  const PlaneRange all{0, grid.size[2]};
  if (!anySigma(sigma)) {
    copyPlanes(in, out, grid, components, all, "copying an unsmoothed " + what);
    return;
  }
  const GaussianAxes axes = gaussianAxes(grid, sigma, what);
  if (kernels == SmoothKernels::Fused && smoothFused(in, out, grid, components, axes, planes)) {
    copyPlanes(in, out, grid, components, {0, planes.first}, "copying the planes before a smoothed range");
    copyPlanes(in, out, grid, components, {planes.last, grid.size[2]}, "copying the planes after a smoothed range");
    return;
  }
  copyPlanes(in, out, grid, components, all, "copying a " + what + " to smooth it in place");
  smoothVolumeInPlace(out, grid, axes, sigma, components, planes, kernels);
}

PlaneRange ownedPlanes(const Grid& grid) { return {grid.ownedBegin(), grid.ownedEnd()}; }

}  // namespace

bool smoothsInOnePass(const Grid& grid, const Vec3& sigmaVoxels) {
  if (!anySigma(sigmaVoxels)) return false;
  int window = 0;
  for (int a = 0; a < 3; ++a)
    if (sigmaVoxels[a] > 0) window = std::max(window, gaussianAxisRadius(sigmaVoxels[a], grid.size[a]));
  return window <= kFusedMaxWindow;
}
void smoothFieldInto(const float* in, float* out, const Grid& grid, const Vec3& sigmaVoxels) {
  smoothVolumeInto(in, out, grid, sigmaVoxels, 3, ownedPlanes(grid), SmoothKernels::Fused);
}
void smoothField(float* field, const Grid& grid, const Vec3& sigmaVoxels) {
  if (!anySigma(sigmaVoxels) || grid.voxels() == 0) return;
  const GaussianAxes axes = gaussianAxes(grid, sigmaVoxels, describe(grid, 3));
  smoothVolumeInPlace(field, grid, axes, sigmaVoxels, 3, ownedPlanes(grid), SmoothKernels::TwoPass);
}
void smoothImageInto(const float* in, float* out, const Grid& grid, const Vec3& sigmaVoxels) {
  smoothVolumeInto(in, out, grid, sigmaVoxels, 1, {0, grid.size[2]}, SmoothKernels::Fused);
}
void smoothFieldTuned(const float* in, float* out, const Grid& grid, const Vec3& sigmaVoxels, SmoothKernels kernels) {
  smoothVolumeInto(in, out, grid, sigmaVoxels, 3, {0, grid.size[2]}, kernels);
}

}  // namespace ffdp::cuda
