#include <cuda_pipeline.h>

#include <climits>

#include "cuda_check.cuh"
#include "field_jacobian.hpp"
#include "field_jacobian_voxel.cuh"
#include "field_sampling.cuh"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

// A block owns a tile of kTileI x kTileJ voxel columns and marches it through kChunkK planes. Each
// thread keeps its column's vectors at k - 1 and k + 1 in registers (the k differences) and the one
// at k in a shared tile with a one-voxel rim (the i and j differences), so u is read about once per
// voxel (plus the rim, 80 voxels per 256) instead of five times: the row-per-block version read the
// four neighbour rows back from L2, which ran at 65 % of its bandwidth. Rim and out-of-grid cells
// hold the clamped voxel, which gives the one-sided differences at the edges.
constexpr int kTileI = 32, kTileJ = 8, kTileThreads = kTileI * kTileJ;
constexpr int kChunkK = 64;

struct TileGeometry {
  int64_t nx, ny, nz, tilesI, tilesJ;
};

__device__ inline int64_t clampTo(int64_t v, int64_t n) { return v < 0 ? 0 : (v >= n ? n - 1 : v); }

__device__ inline void load3(const float* p, float v[3]) {
  v[0] = p[0];
  v[1] = p[1];
  v[2] = p[2];
}

// Three tiles in shared memory, used by planes in turn: while plane k reads its own, plane k + 1's
// receives the column vectors and plane k + 2's its rim.
constexpr int kTileSlots = 3;
using Tile = float[kTileJ + 2][kTileI + 2][3];

// The loop state of one thread: where its next loads and its next output go. Pointers step by a
// plane instead of being formed from k (64-bit products were a fifth of the instructions), and
// stop at the last plane, which gives the one-sided k difference there.
struct ColumnCursor {
  const float* ahead;  // the column at min(k + 2, nz - 1) for plane k
  const float* rim;    // this thread's rim cell at min(k + 2, nz - 1), or null
  float* out;          // det at plane k (written only by threads inside the grid)
  int slot;            // plane k's tile
};

// Copies this thread's rim cell (if any) into `tile` asynchronously, as one commit group.
__device__ __forceinline__ void copyRim(Tile& tile, int rimI, int rimJ, const float* rim) {
  if (rim)
    for (int a = 0; a < 3; ++a) __pipeline_memcpy_async(&tile[rimJ][rimI][a], rim + a, sizeof(float));
  __pipeline_commit();
}

// Plane k of the march. prev and next hold the column at k - 1 and k + 1 (clamped), and the tile
// already holds it at k; the column at k + 2 is loaded into `following`, for the next plane, so its
// latency hides behind this plane's barrier and arithmetic. The caller unrolls four planes and
// rotates the arrays by name, not by copies: a register copy of a pending load waits for it, which
// put the whole latency back at the end of every plane (Nsight Compute: most stall samples on those
// moves). The rim goes straight into shared memory (cp.async) two planes ahead: loaded into
// registers one plane ahead, its stores still waited for the loads, and the block for them at the
// barrier.
struct PlaneStep {
  Tile* tiles;
  int tx, ty, rimI, rimJ;
  bool inside;
  int nz;
  int64_t planeFloats, planeVoxels;
  float S[3][3];
  FloatMatrix3 toIndex;

  __device__ __forceinline__ void operator()(int k, const float (&prev)[3], const float (&next)[3],
                                             float (&following)[3], ColumnCursor& c) {
    load3(c.ahead, following);
    Tile& tile = tiles[c.slot];
    __pipeline_wait_prior(1);  // this thread's rim copy for plane k has landed (k + 1's may not have)
    __syncthreads();
    // Plane k + 2's tile was last read by plane k - 1, which every thread finished before this barrier.
    copyRim(tiles[c.slot == 0 ? kTileSlots - 1 : c.slot - 1], rimI, rimJ, c.rim);
    if (inside) {
      const float invStepK = jacobianDifference(k, nz).invStep;
      for (int a = 0; a < 3; ++a) S[2][a] = invStepK * toIndex.m[2][a];
      float d[3][3];
      for (int r = 0; r < 3; ++r) {
        d[r][0] = tile[ty + 1][tx + 2][r] - tile[ty + 1][tx][r];
        d[r][1] = tile[ty + 2][tx + 1][r] - tile[ty][tx + 1][r];
        d[r][2] = next[r] - prev[r];
      }
      *c.out = jacobianFromDifferences(d, S);
    }
    // The column at k + 1 into the next plane's tile (last read by plane k - 2), now that this plane
    // has used it: stored at the start of the next plane instead, it waited there for a load the
    // compiler had put on the same scoreboard as that plane's new one (Nsight Compute).
    const int nextSlot = c.slot == kTileSlots - 1 ? 0 : c.slot + 1;
    for (int a = 0; a < 3; ++a) tiles[nextSlot][ty + 1][tx + 1][a] = next[a];
    if (k + 3 < nz) c.ahead += planeFloats;
    if (c.rim && k + 3 < nz) c.rim += planeFloats;
    c.out += planeVoxels;
    c.slot = nextSlot;
  }
};

__global__ void __launch_bounds__(kTileThreads, 5) jacobianKernel(const float* __restrict__ u, TileGeometry g,
                                                                    FloatMatrix3 toIndex, float* __restrict__ det) {
  __shared__ Tile tiles[kTileSlots];
  const int tx = int(threadIdx.x) % kTileI, ty = int(threadIdx.x) / kTileI;
  int64_t b = blockIdx.x;
  const int64_t i0 = (b % g.tilesI) * kTileI;
  b /= g.tilesI;
  const int64_t j0 = (b % g.tilesJ) * kTileJ;
  const int nz = int(g.nz), k0 = int(b / g.tilesJ) * kChunkK, k1 = k0 + kChunkK < nz ? k0 + kChunkK : nz;
  const int64_t i = i0 + tx, j = j0 + ty, planeFloats = 3 * g.nx * g.ny;
  const bool inside = i < g.nx && j < g.ny;
  const float* column = u + 3 * (clampTo(i, g.nx) + g.nx * clampTo(j, g.ny));

  // Threads 0-63 fill the rim rows j0 - 1 and j0 + kTileJ, threads 64-79 the rim columns.
  const int t = int(threadIdx.x);
  int rimI = -1, rimJ = -1;
  if (t < 2 * kTileI) {
    rimI = t % kTileI + 1;
    rimJ = t < kTileI ? 0 : kTileJ + 1;
  } else if (t < 2 * kTileI + 2 * kTileJ) {
    const int s = t - 2 * kTileI;
    rimI = s < kTileJ ? 0 : kTileI + 1;
    rimJ = s % kTileJ + 1;
  }
  const float* rim = rimI < 0 ? nullptr
                              : u + 3 * (clampTo(i0 + rimI - 1, g.nx) + g.nx * clampTo(j0 + rimJ - 1, g.ny));

  PlaneStep step{tiles, tx, ty, rimI, rimJ, inside, nz, planeFloats, g.nx * g.ny, {}, toIndex};
  const JacobianDifference di = jacobianDifference(inside ? i : 0, g.nx), dj = jacobianDifference(inside ? j : 0, g.ny);
  for (int a = 0; a < 3; ++a) {
    step.S[0][a] = di.invStep * toIndex.m[0][a];
    step.S[1][a] = dj.invStep * toIndex.m[1][a];
  }
  const auto lastAtMost = [&](int k) { return k < nz ? k : nz - 1; };
  const auto rimAt = [&](int k) { return rim ? rim + planeFloats * lastAtMost(k) : nullptr; };
  copyRim(tiles[0], rimI, rimJ, rimAt(k0));
  copyRim(tiles[1], rimI, rimJ, rimAt(k0 + 1));
  float r0[3], r1[3], r2[3], r3[3];
  load3(column + planeFloats * (k0 > 0 ? k0 - 1 : 0), r0);
  load3(column + planeFloats * k0, r1);
  load3(column + planeFloats * lastAtMost(k0 + 1), r2);
  for (int a = 0; a < 3; ++a) tiles[0][ty + 1][tx + 1][a] = r1[a];
  ColumnCursor c{column + planeFloats * lastAtMost(k0 + 2), rimAt(k0 + 2),
                 det + clampTo(i, g.nx) + g.nx * (clampTo(j, g.ny) + g.ny * k0), 0};
  for (int k = k0; k < k1; k += 4) {
    step(k, r0, r2, r3, c);
    if (k + 1 >= k1) break;
    step(k + 1, r1, r3, r0, c);
    if (k + 2 >= k1) break;
    step(k + 2, r2, r0, r1, c);
    if (k + 3 >= k1) break;
    step(k + 3, r3, r1, r2, c);
  }
  __pipeline_wait_prior(0);  // no copy is left in flight into the block's shared memory
}

}  // namespace

void jacobianDeterminant(const float* u, const Grid& grid, float* det) {
  if (grid.voxels() == 0) fail(ExitCode::Internal, "jacobianDeterminant: the field is empty");
  const Mat3 inv = grid.indexToPhysicalMatrix().inverse();
  double toIndex[3][3];
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) toIndex[a][b] = inv.m[a][b];
  const TileGeometry g{grid.size[0], grid.size[1], grid.size[2], (grid.size[0] + kTileI - 1) / kTileI,
                       (grid.size[1] + kTileJ - 1) / kTileJ};
  const int64_t blocks = g.tilesI * g.tilesJ * ((g.nz + kChunkK - 1) / kChunkK);
  if (blocks > 0x7fffffff || g.nz > INT_MAX - 4)
    fail(ExitCode::Internal, "jacobianDeterminant: too many tiles or planes for one launch");
  // Blocks run in index order, i tiles fastest, so neighbouring tiles share their rims through L2.
  jacobianKernel<<<unsigned(blocks), kTileThreads, 0, cudaStreamPerThread>>>(u, g, floatMatrix(toIndex), det);
  checkLaunch("jacobianDeterminant", grid.voxels());
}

}  // namespace ffdp::cuda
