// Separable Gaussian smoothing (field_smooth.hpp). A volume of C floats per voxel is a set of
// independent lines of floats along each axis. Along i, a block copies a whole row into shared
// memory and writes the result back over it, which makes that pass in place. Along j and k, a
// block loads a tile of 32 consecutive floats (i and the component fastest: coalesced) by 128
// positions plus the kernel's radius on either side into shared memory, so each input is read
// from memory about (128 + 2r) / 128 times instead of 2r + 1 times; those passes ping-pong with
// one scratch volume, so the usual three-axis case ends in the caller's buffer without a copy.
#include <string>
#include <vector>

#include "cuda_check.cuh"
#include "device_array.cuh"
#include "field_smooth.hpp"
#include "gaussian_line.cuh"
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

void smoothVolume(float* data, const Grid& grid, const Vec3& sigma, int components) {
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

}  // namespace

void smoothField(float* field, const Grid& grid, const Vec3& sigmaVoxels) { smoothVolume(field, grid, sigmaVoxels, 3); }
void smoothImage(float* image, const Grid& grid, const Vec3& sigmaVoxels) { smoothVolume(image, grid, sigmaVoxels, 1); }

}  // namespace ffdp::cuda
