#include "cuda_check.cuh"
#include "field_jacobian.hpp"
#include "field_jacobian_voxel.cuh"
#include "field_sampling.cuh"
#include "launch.cuh"

namespace ffdp::cuda {
namespace {

// A block owns a tile of kTileI x kTileJ voxel columns and marches it through kChunkK planes. Each
// thread keeps its column's previous, current and next vectors in registers (the k differences) and
// puts the current one into a shared tile with a one-voxel rim (the i and j differences), so u is
// read about once per voxel (plus the rim, 80 voxels per 256) instead of five times: the row-per-block
// version read the four neighbour rows back from L2, which ran at 65 % of its bandwidth. Rim and
// out-of-grid cells hold the clamped voxel, which gives the one-sided differences at the edges.
constexpr int kTileI = 32, kTileJ = 8, kTileThreads = kTileI * kTileJ;
constexpr int64_t kChunkK = 64;

struct TileGeometry {
  int64_t nx, ny, nz, tilesI, tilesJ;
};

__device__ inline int64_t clampTo(int64_t v, int64_t n) { return v < 0 ? 0 : (v >= n ? n - 1 : v); }

__device__ inline void load3(const float* p, float v[3]) {
  v[0] = p[0];
  v[1] = p[1];
  v[2] = p[2];
}

__global__ void __launch_bounds__(kTileThreads) jacobianKernel(const float* __restrict__ u, TileGeometry g,
                                                                 FloatMatrix3 toIndex, float* __restrict__ det) {
  __shared__ float tile[kTileJ + 2][kTileI + 2][3];
  const int tx = int(threadIdx.x) % kTileI, ty = int(threadIdx.x) / kTileI;
  int64_t b = blockIdx.x;
  const int64_t i0 = (b % g.tilesI) * kTileI;
  b /= g.tilesI;
  const int64_t j0 = (b % g.tilesJ) * kTileJ, k0 = (b / g.tilesJ) * kChunkK;
  const int64_t k1 = k0 + kChunkK < g.nz ? k0 + kChunkK : g.nz;
  const int64_t i = i0 + tx, j = j0 + ty, plane = 3 * g.nx * g.ny;
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

  const JacobianDifference di = jacobianDifference(inside ? i : 0, g.nx), dj = jacobianDifference(inside ? j : 0, g.ny);
  float S[3][3];
  for (int c = 0; c < 3; ++c) {
    S[0][c] = di.invStep * toIndex.m[0][c];
    S[1][c] = dj.invStep * toIndex.m[1][c];
  }
  float prev[3], cur[3], next[3];
  load3(column + plane * (k0 > 0 ? k0 - 1 : 0), prev);
  load3(column + plane * k0, cur);
  load3(column + plane * (k0 + 1 < g.nz ? k0 + 1 : k0), next);
  for (int64_t k = k0; k < k1; ++k) {
    float following[3];  // issued now, used next plane: its latency hides behind this plane's work
    load3(column + plane * (k + 2 < g.nz ? k + 2 : g.nz - 1), following);
    for (int c = 0; c < 3; ++c) tile[ty + 1][tx + 1][c] = cur[c];
    if (rim)
      for (int c = 0; c < 3; ++c) tile[rimJ][rimI][c] = rim[plane * k + c];
    __syncthreads();
    if (inside) {
      const float invStepK = jacobianDifference(k, g.nz).invStep;
      for (int c = 0; c < 3; ++c) S[2][c] = invStepK * toIndex.m[2][c];
      float d[3][3];
      for (int r = 0; r < 3; ++r) {
        d[r][0] = tile[ty + 1][tx + 2][r] - tile[ty + 1][tx][r];
        d[r][1] = tile[ty + 2][tx + 1][r] - tile[ty][tx + 1][r];
        d[r][2] = next[r] - prev[r];
      }
      det[i + g.nx * (j + g.ny * k)] = jacobianFromDifferences(d, S);
    }
    __syncthreads();
    for (int c = 0; c < 3; ++c) {
      prev[c] = cur[c];
      cur[c] = next[c];
      next[c] = following[c];
    }
  }
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
  if (blocks > 0x7fffffff) fail(ExitCode::Internal, "jacobianDeterminant: too many tiles for one launch");
  // Blocks run in index order, i tiles fastest, so neighbouring tiles share their rims through L2.
  jacobianKernel<<<unsigned(blocks), kTileThreads, 0, cudaStreamPerThread>>>(u, g, floatMatrix(toIndex), det);
  checkLaunch("jacobianDeterminant", grid.voxels());
}

}  // namespace ffdp::cuda
