// Tiles for the per-voxel field kernels that gather a field near each voxel (composition, the
// inverse sweeps, resampleField). A block owns 32 x 8 voxel columns (i, j) and walks kTilePlanes
// planes k; each warp takes one 32-voxel row segment per plane. Why tiles and not runs of consecutive voxels:
// the trilinear gather at x + step reads rows j and j + 1 of planes k and k + 1, which for the
// small steps of an optimiser are this block's own rows and its next plane, so they come from L1;
// with 256 consecutive voxels per block those rows belonged to other blocks and came through L2
// (Nsight Compute, 370 M voxels: L1 hit rate 75 % before, 84-92 % in the first tiled version). (i, j, k) come from
// the tile without dividing a linear index.
#pragma once
#include <cstdint>

#include "core/grid.hpp"
#include "field_sampling.cuh"
#include "launch.cuh"

namespace ffdp::cuda {

constexpr int kTileRows = kThreads / 32;   // j rows of a tile: one per warp
// k planes a tile walks: 32 rather than 16 halves the per-tile set-up (the tile's place, the column's
// step bounds), about 8 of 315 instructions per voxel at 16 planes (one inverse sweep 4.07 -> 3.93 ms).
constexpr int64_t kTilePlanes = 32;
constexpr int kSegmentFloats = 3 * 32;     // one warp's row segment
// Blocks per SM the gathering kernels' registers are held to (__launch_bounds__). They are bound by
// instruction issue (Nsight Compute, 370 M voxels: SM 77-79 % busy); with the column's step bounds
// in registers they compiled to 61-64 registers, 4 blocks per SM, and held to 48 (5 blocks) they ran
// faster (composeFields 5.20 -> 4.49 ms, one inverse sweep 4.21 -> 4.07 ms); at 6 blocks (40
// registers) they spilled and were slower again (4.72 and 4.30 ms). Composition keeps this bound; the
// sweep now unrolls four planes and holds 4 blocks (field_invert.cu).
constexpr int kGatherBlocksPerSM = 5;

struct PlaneTiles {
  int64_t nx = 0, ny = 0, nz = 0, kFirst = 0, kLast = 0;  // planes [kFirst, kLast) of an nx x ny x nz grid
  int64_t xTiles = 0, yTiles = 0, tiles = 0;
};
inline PlaneTiles planeTiles(const Grid& grid, int64_t kFirst, int64_t kLast) {
  PlaneTiles t;
  t.nx = grid.size[0];
  t.ny = grid.size[1];
  t.nz = grid.size[2];
  t.kFirst = kFirst;
  t.kLast = kLast;
  t.xTiles = (t.nx + 31) / 32;
  t.yTiles = (t.ny + kTileRows - 1) / kTileRows;
  t.tiles = t.xTiles * t.yTiles * ((kLast - kFirst + kTilePlanes - 1) / kTilePlanes);
  return t;
}

// One warp's row segment: voxels (i0 + lane, j, k) for lane < voxels, with the lane's voxel's step
// bounds for fields small enough for 32-bit offsets (smallStepBounds: i's and j's set once per
// tile, k's per plane; a kernel on a larger field does not read them).
struct RowSegment {
  int64_t i0, j, k;
  int64_t kEnd;        // the tile's planes end here
  int64_t firstFloat;  // 3 (i0 + nx (j + ny k))
  int voxels;          // 1..32
  int lane;            // this thread's
  SmallStepBounds bx, by, bz;
};

#ifdef __CUDACC__
// Calls visit(segment) for every row segment of the tiles, in plane order within a tile; the
// calls are warp-uniform (every lane of a warp takes the same segment). `Unroll` planes per turn
// of the loop let one plane's gathers start while the one before is still finishing: resampleField
// at 370 M voxels 4.30 ms with 1, 4.00 with 2, 3.48 with 4, 3.45 with 8 (the sweeps: field_invert.cu).
// Composition keeps 1: with 2 or 4 it was slower (4.50 -> 4.61-4.64 ms at 4 or 5 blocks per SM).
template <int Unroll = 1, class Visit>
__device__ __forceinline__ void forEachRowSegment(const PlaneTiles& t, Visit&& visit) {
  const int warp = int(threadIdx.x >> 5);
  const int64_t planeFloats = 3 * t.nx * t.ny;
  RowSegment s;
  s.lane = int(threadIdx.x & 31);
  for (int64_t tile = blockIdx.x; tile < t.tiles; tile += gridDim.x) {
    const int64_t xt = tile % t.xTiles, rest = tile / t.xTiles, yt = rest % t.yTiles, zt = rest / t.yTiles;
    const int64_t k0 = t.kFirst + kTilePlanes * zt;
    const int64_t k1 = k0 + kTilePlanes < t.kLast ? k0 + kTilePlanes : t.kLast;
    s.kEnd = k1;
    s.i0 = 32 * xt;
    s.j = kTileRows * yt + warp;
    if (s.j >= t.ny) continue;
    s.voxels = int(t.nx - s.i0 < 32 ? t.nx - s.i0 : 32);
    s.bx = smallStepBounds(int32_t(s.i0 + s.lane), int32_t(t.nx));
    s.by = smallStepBounds(int32_t(s.j), int32_t(t.ny));
    s.firstFloat = 3 * (s.i0 + t.nx * (s.j + t.ny * k0));
    s.bz = smallStepBounds(int32_t(k0), int32_t(t.nz));
    for (s.k = k0; s.k < k1;) {
#pragma unroll
      for (int p = 0; p < Unroll; ++p) {
        if (p > 0 && s.k >= k1) break;
        visit(static_cast<const RowSegment&>(s));
        s.firstFloat += planeFloats;
        stepToNext(s.bz);
        ++s.k;
      }
    }
  }
}

// Asks L2 for the segment of `src` `ahead` planes beyond this one (lanes 0-3, one 128-byte line each:
// the 384 bytes of a segment touch at most four), so that the loads `ahead` planes later find it
// there rather than in DRAM. A prefetch takes no register and no scoreboard. Only within the tile: its
// next planes belong to a block that comes much later.
template <int Ahead>
__device__ __forceinline__ void prefetchSegmentL2(const float* src, const RowSegment& s, const PlaneTiles& t) {
  if (s.lane < 4 && s.k + Ahead < s.kEnd) {
    const int last = 3 * s.voxels - 1, at = 32 * s.lane < last ? 32 * s.lane : last;
    const float* p = src + s.firstFloat + Ahead * 3 * t.nx * t.ny + at;
    asm volatile("prefetch.global.L2 [%0];" ::"l"(p));
  }
}

// The lane's 3 floats of the segment of `src` (lanes beyond the segment get nothing). Read directly:
// the warp's three loads touch the same 384 contiguous bytes, so the second and third hit L1.
__device__ __forceinline__ void loadSegment(const float* src, const RowSegment& s, float out[3]) {
  if (s.lane < s.voxels) {
    const float* at = src + s.firstFloat + 3 * s.lane;
    for (int c = 0; c < 3; ++c) out[c] = at[c];
  }
}
// The lanes' 3 floats into the segment of `dst`, written as contiguous runs through `buffer` (this
// warp's kSegmentFloats floats of shared memory): stores are not merged in L1, and three stride-3
// stores would each write part of every sector.
__device__ __forceinline__ void storeSegment(float* dst, const RowSegment& s, float* buffer, const float in[3]) {
  const int count = 3 * s.voxels;
  __syncwarp();
  if (s.lane < s.voxels)
    for (int c = 0; c < 3; ++c) buffer[3 * s.lane + c] = in[c];
  __syncwarp();
#pragma unroll
  for (int m = 0; m < 3; ++m) {
    const int f = s.lane + 32 * m;
    if (f < count) dst[s.firstFloat + f] = buffer[f];
  }
}

// u at the lane's voxel plus the index step q (field_sampling.cuh), with 32-bit offsets from the
// voxel when `Small` (smallStepField(u), checked by the caller).
template <bool Small>
__device__ __forceinline__ void sampleStepAtLane(const FieldView& u, const RowSegment& s, const float q[3],
                                                 float r[3]) {
  if (Small)
    sampleFieldStepSmall(u.data + s.firstFloat + 3 * s.lane, s.bx, s.by, s.bz, int32_t(3 * u.nx),
                         int32_t(3 * u.nx * u.ny), q, r);
  else
    sampleFieldStep(u, s.i0 + s.lane, s.j, s.k, q, r);
}
#endif

}  // namespace ffdp::cuda
