// Box sums over (2r+1)^3 windows truncated at the volume border, computed per block on a tile of
// 16 x 16 centres (one per thread) marching through a chunk of z-slices:
//   for each input plane z: the (16+2r)^2 patch of the plane is put into shared memory (by the
//   caller), summed along i (windowRowSums), then along j (windowColumnSums) into a ring of the
//   last 2r+1 plane sums; when plane min(nz-1, zc+r) is in, centre slice zc is summed along k
//   (windowDepthSum).
// Every sum is a direct sum of the in-image inputs in index order, first i, then j, then k (the
// CPU's order, lib/ops/cpu/box_sum.hpp): a voxel's result depends only on its neighbourhood, never
// on where a tile or a slab starts, and equals the CPU's bit for bit given the same inputs.
// A launch may cover only a range of centre slices (centreRange): its blocks are then the whole
// grid's blocks of those chunks, clipped to the range, and know their index in the whole launch
// (wholeBlockIndex), so per-block partial sums land where an unclipped launch puts them.
#pragma once
#include <cstdint>

#include "core/host_device.hpp"
#include "launch.cuh"
#include "ops/cc_coefficient_groups.hpp"

namespace ffdp::cuda {

constexpr int kTileX = 16, kTileY = 16;  // centres per block in i and j: kTileX * kTileY == kThreads
constexpr int kChunkZ = 32;              // centre slices per block
static_assert(kTileX * kTileY == kThreads, "one thread per tile column");
static_assert(kCcGroupSliceMultiple % kChunkZ == 0, "LNCC's coefficient groups are whole chunks");

struct BoxTiling {
  int64_t nx = 0, ny = 0, nz = 0;
  int r = 0;
  int ring = 1;         // 2r + 1 plane sums kept
  int px = 0, py = 0;   // patch size: tile + halo
  int tilesX = 0, tilesY = 0;
  int wholeChunks = 0;  // chunks of kChunkZ centre slices in the whole grid
  // This launch: chunks [chunkFirst, chunkFirst + chunks), their centres clipped to [zcBegin, zcEnd).
  int chunkFirst = 0, chunks = 0;
  int64_t zcBegin = 0, zcEnd = 0;

  int64_t blocks() const { return int64_t(tilesX) * tilesY * chunks; }            // of this launch
  int64_t wholeBlocks() const { return int64_t(tilesX) * tilesY * wholeChunks; }  // of the whole grid
};

inline BoxTiling makeBoxTiling(int64_t nx, int64_t ny, int64_t nz, int r) {
  BoxTiling t;
  t.nx = nx;
  t.ny = ny;
  t.nz = nz;
  t.r = r;
  t.ring = 2 * r + 1;
  t.px = kTileX + 2 * r;
  t.py = kTileY + 2 * r;
  t.tilesX = int((nx + kTileX - 1) / kTileX);
  t.tilesY = int((ny + kTileY - 1) / kTileY);
  t.wholeChunks = int((nz + kChunkZ - 1) / kChunkZ);
  t.chunks = t.wholeChunks;
  t.zcEnd = nz;
  return t;
}

// The launch of `whole` (a whole-grid tiling) that computes only the centre slices [zcBegin, zcEnd):
// the chunks that meet the range, no others.
inline BoxTiling centreRange(BoxTiling whole, int64_t zcBegin, int64_t zcEnd) {
  whole.zcBegin = zcBegin;
  whole.zcEnd = zcEnd;
  whole.chunkFirst = int(zcBegin / kChunkZ);
  whole.chunks = zcEnd > zcBegin ? int((zcEnd - 1) / kChunkZ) - whole.chunkFirst + 1 : 0;
  return whole;
}

// Number of window positions inside [0, n) around index c (the CPU's windowCounts).
FFDP_HD inline double windowCount(int64_t c, int64_t n, int r) {
  const int64_t lo = c - r < 0 ? 0 : c - r, hi = c + r > n - 1 ? n - 1 : c + r;
  return double(hi - lo + 1);
}

#ifdef __CUDACC__
// Where this block's tile lies.
struct TileOrigin {
  int64_t x0, y0, zc0, zc1;  // first i and j of the tile; first and last centre slice
  int64_t chunkStart;        // first slice of the block's chunk before the launch's clipping
};
__device__ inline TileOrigin tileOrigin(const BoxTiling& t) {
  const int64_t b = blockIdx.x;
  const int64_t tx = b % t.tilesX, rest = b / t.tilesX;
  const int64_t ty = rest % t.tilesY, tz = t.chunkFirst + rest / t.tilesY;
  TileOrigin o;
  o.x0 = tx * kTileX;
  o.y0 = ty * kTileY;
  o.chunkStart = tz * kChunkZ;
  o.zc0 = o.chunkStart > t.zcBegin ? o.chunkStart : t.zcBegin;
  o.zc1 = o.chunkStart + kChunkZ - 1 < t.zcEnd - 1 ? o.chunkStart + kChunkZ - 1 : t.zcEnd - 1;
  return o;
}
// The block's index in the whole grid's launch (blocks are numbered i-tile fastest, chunk slowest).
__device__ inline int64_t wholeBlockIndex(const BoxTiling& t) {
  return int64_t(blockIdx.x) + int64_t(t.tilesX) * t.tilesY * t.chunkFirst;
}

// R: the window radius when the kernel was compiled for it (the window loops then unroll and the
// patch's width is a constant), or 0 for any radius, read from t at run time. Both give the same sums.
template <int R>
__device__ inline int patchWidth(const BoxTiling& t) {
  return R > 0 ? kTileX + 2 * R : t.px;
}
template <int R>
__device__ inline int patchHeight(const BoxTiling& t) {
  return R > 0 ? kTileY + 2 * R : t.py;
}
template <int R>
__device__ inline int ringSize(const BoxTiling& t) {
  return R > 0 ? 2 * R + 1 : t.ring;
}
// step(m) for m = 1 .. extra (extra <= 2r: a window clipped at the volume's border has fewer steps).
template <int R, class Step>
__device__ __forceinline__ void windowSteps(int extra, const Step& step) {
  if constexpr (R > 0) {
#pragma unroll
    for (int m = 1; m <= 2 * R; ++m)
      if (m <= extra) step(m);
  } else {
    for (int m = 1; m <= extra; ++m) step(m);
  }
}

// Along i: rows[(q * py + row) * kTileX + cx] = sum over the window of centre x0 + cx of the Q
// values that values(patchIndex, v) gives for patch row `row`.
template <int Q, int R, class Values>
__device__ inline void windowRowSums(const BoxTiling& t, const TileOrigin& o, const Values& values, double* rows) {
  const int px = patchWidth<R>(t), py = patchHeight<R>(t);
  for (int e = threadIdx.x; e < py * kTileX; e += blockDim.x) {
    const int row = e / kTileX, cx = e % kTileX;
    const int64_t i = o.x0 + cx;
    double acc[Q];
    for (int q = 0; q < Q; ++q) acc[q] = 0;
    if (i < t.nx) {
      const int64_t lo = i - t.r < 0 ? 0 : i - t.r, hi = i + t.r > t.nx - 1 ? t.nx - 1 : i + t.r;
      const int first = row * px + int(lo - (o.x0 - t.r));
      values(first, acc);
      windowSteps<R>(int(hi - lo), [&](int m) {
        double v[Q];
        values(first + m, v);
        for (int q = 0; q < Q; ++q) acc[q] += v[q];
      });
    }
    for (int q = 0; q < Q; ++q) rows[(q * py + row) * kTileX + cx] = acc[q];
  }
}

// Along j, for this thread's centre column: out[q] = sum over the window of the row sums.
template <int Q, int R>
__device__ inline void windowColumnSums(const BoxTiling& t, const TileOrigin& o, const double* rows, double out[Q]) {
  const int py = patchHeight<R>(t);
  const int cx = threadIdx.x % kTileX, cy = threadIdx.x / kTileX;
  const int64_t i = o.x0 + cx, j = o.y0 + cy;
  for (int q = 0; q < Q; ++q) out[q] = 0;
  if (i >= t.nx || j >= t.ny) return;
  const int64_t lo = j - t.r < 0 ? 0 : j - t.r, hi = j + t.r > t.ny - 1 ? t.ny - 1 : j + t.r;
  const int first = int(lo - (o.y0 - t.r));
  for (int q = 0; q < Q; ++q) out[q] = rows[(q * py + first) * kTileX + cx];
  windowSteps<R>(int(hi - lo), [&](int m) {
    for (int q = 0; q < Q; ++q) out[q] += rows[(q * py + first + m) * kTileX + cx];
  });
}

// The ring of plane sums: slot s holds Q values per thread at ring[(s * Q + q) * kThreads + thread].
// Plane z's slot is z mod ring; the kernels step it per plane (ringStep) and go back from it by at
// most r planes (ringBack) instead of taking remainders, which cost 20-odd instructions each.
__device__ inline int ringStep(int slot, int ring) { return slot + 1 == ring ? 0 : slot + 1; }
// The slot `back` planes before `slot`, 0 <= back < ring.
__device__ inline int ringBack(int slot, int64_t back, int ring) {
  const int s = slot - int(back);
  return s < 0 ? s + ring : s;
}

template <int Q>
__device__ inline void storePlaneSums(int slot, const double v[Q], double* ring) {
  for (int q = 0; q < Q; ++q) ring[(slot * Q + q) * kThreads + threadIdx.x] = v[q];
}

// Along k for centre slice zc, whose plane is in ring slot zcSlot (all its in-image planes must be in
// the ring).
template <int Q, int R>
__device__ inline void windowDepthSum(const BoxTiling& t, int64_t zc, int zcSlot, const double* ring, double out[Q]) {
  const int size = ringSize<R>(t);
  const int64_t lo = zc - t.r < 0 ? 0 : zc - t.r, hi = zc + t.r > t.nz - 1 ? t.nz - 1 : zc + t.r;
  int slot = ringBack(zcSlot, zc - lo, size);
  for (int q = 0; q < Q; ++q) out[q] = ring[(slot * Q + q) * kThreads + threadIdx.x];
  windowSteps<R>(int(hi - lo), [&](int) {
    slot = ringStep(slot, size);
    for (int q = 0; q < Q; ++q) out[q] += ring[(slot * Q + q) * kThreads + threadIdx.x];
  });
}

// The centre slices whose windows end at plane z: [first, last] (empty when first > last).
__device__ inline void centresDueAt(const BoxTiling& t, const TileOrigin& o, int64_t z, int64_t& first,
                                    int64_t& last) {
  first = z - t.r;
  last = z == t.nz - 1 ? o.zc1 : z - t.r;  // the last plane completes every remaining window
  if (first < o.zc0) first = o.zc0;
  if (last > o.zc1) last = o.zc1;
}
#endif

}  // namespace ffdp::cuda
