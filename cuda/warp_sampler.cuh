// The fixed -> moving sampling that every metric kernel shares (the device twin of
// lib/ops/cpu/affine_warp.hpp). For fixed voxel x = (i, j, k):
//   q = IndexAffine(x) + K u(x),  K = Pm^-1 M  (u may be null: the affine metrics, q = IndexAffine(x))
//   u(x): u's vector at x (WarpSampler), or, for u on a coarser grid (CoarseWarpSampler, whole grids
//         only), u interpolated at x (ops/coarse_field_map.hpp)
//   valid(x) = fixedMask(x) (if any) && sampled(x) (the CPU's subset hash of x's index in the whole
//              fixed grid, Grid::wholeLinear, so a slab buffer samples the same voxels) && inside(q)
//              && movingMask(nearest voxel to q) (if any)
//   w = moving(q) (trilinear, cuda/trilinear.cuh) and, when asked, dw/dq.
// q is formed in the CPU's order of operations, the index map also with its roundings (indexRowExact:
// no fused multiply-adds), so valid sets agree voxel for voxel.
// Plain FFDP_HD code (no CUDA syntax): the host tests compare it with cpu::FieldWarp.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/affine.hpp"
#include "core/grid.hpp"
#include "core/host_device.hpp"
#include "core/index_conversion.hpp"
#include "dist/slab.hpp"
#include "ops/coarse_field_map.hpp"
#include "field_sampling.cuh"
#include "trilinear.cuh"

namespace ffdp::cuda {

// splitmix64 finaliser: must equal cpu::mixBits64 (lib/ops/cpu/sampling_subset.hpp) bit for bit.
FFDP_HD inline uint64_t subsetHash(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct WarpSample {
  double f = 0, w = 0;
  double dq[3] = {0, 0, 0};  // dw/dq (only when asked for)
};

// How a sampler reads u(x) at fixed voxel n = (i, j, k). The sampler type carries the choice, so the
// metric kernels are compiled once per reader and the fine path keeps its registers: the coarse
// interpolation, inlined behind a run-time flag, raised the metric kernels' register counts by a
// third to a half (80 -> 120 for CC's passes), whether it ran or not.
// A reader fetches what it needs first (fetch) and turns it into the displacement later
// (displacement): the row kernels (metric_rows.cuh) fetch the next voxel's u before they work on this
// one, so that the load's latency overlaps the work. The fine reader loads u for every voxel, also
// those that the fixed mask or the sampling subset then leave out.
struct FieldOnFixedGrid {  // u: 3 floats per fixed voxel
  struct Fetched {
    float v[3];
  };
  FFDP_HD Fetched fetch(const float* u, int64_t n, int64_t, int64_t, int64_t) const {
    return {{u[3 * n], u[3 * n + 1], u[3 * n + 2]}};
  }
  FFDP_HD void displacement(const float*, const Fetched& f, double d[3]) const {
    for (int c = 0; c < 3; ++c) d[c] = double(f.v[c]);
  }
};
// u: 3 floats per voxel of a coarser grid over the same region ((i, j, k) index the fixed buffer; the
// map shifts slab buffers' z through the whole grids). Rounded to float as cpu::upsampleField stores U
// for the CPU reference, so both warp by the same floats, but where the exact U is a tie between two
// floats (a weight of 1/2, say): there FMA contraction, which differs between nvcc and g++, may round
// it one ulp either way. Its fetch only notes the voxel: the interpolation waits until the fixed mask
// and the sampling subset have accepted it.
struct FieldOnCoarseGrid {
  CoarseFieldMap fieldMap;
  struct Fetched {
    int64_t i, j, k;
  };
  FFDP_HD Fetched fetch(const float*, int64_t, int64_t i, int64_t j, int64_t k) const { return {i, j, k}; }
  FFDP_HD void displacement(const float* u, const Fetched& f, double d[3]) const {
    fieldMap.interpolate(u, f.i, f.j, f.k, d);
    for (int c = 0; c < 3; ++c) d[c] = double(float(d[c]));
  }
};

template <class FieldReader>
struct BasicWarpSampler : FieldReader {
  const float* fixed = nullptr;
  const uint8_t* fixedMask = nullptr;   // on the fixed grid, may be null
  const uint8_t* movingMask = nullptr;  // on the moving grid, may be null
  const float* u = nullptr;             // read by FieldReader, may be null
  int64_t nx = 0, ny = 0, nz = 0;       // fixed grid
  ImageView moving;
  IndexAffineView map;
  double K[3][3] = {};
  bool sampleAll = true;
  uint64_t threshold = 0;
  // Slab buffers (core/grid.hpp SlabPlacement): n + wholeOffset is the voxel's index in the whole
  // grid (Grid::wholeLinear), and only local slices [ownBegin, ownEnd) count in the global sums
  // (owned_voxels.hpp); halo slices are sampled (their gradient is written) but not counted.
  int64_t wholeOffset = 0;
  int64_t ownBegin = 0, ownEnd = 0;
  // `map` goes between the whole grids (cuda/grid_index_map.cuh): local slice k is whole slice
  // k + kShift, and the moving index is shifted back by the moving buffer's first slice (zShift).
  // Exact integer shifts, so a slab samples the moving image where the whole grid does, to the bit.
  int64_t kShift = 0;
  double zShift = 0;

  FFDP_HD bool owns(int64_t k) const { return k >= ownBegin && k < ownEnd; }

  FFDP_HD int64_t linear(int64_t i, int64_t j, int64_t k) const { return i + nx * (j + ny * k); }

  // The index map's part for fixed row (j, k) (indexRowExact: the CPU's IndexAffine::rowStart, rounded
  // as written), taken once per row by row kernels; the voxel's i term is added per voxel.
  FFDP_HD void rowStart(int64_t j, int64_t k, double row[3]) const { indexRowExact(map, j, k + kShift, row); }
  // What the reader needs of u at voxel n = (i, j, k) (nothing when u is null: the affine metrics).
  FFDP_HD typename FieldReader::Fetched fetch(int64_t n, int64_t i, int64_t j, int64_t k) const {
    if (!u) return {};
    return FieldReader::fetch(u, n, i, j, k);
  }

  // The valid rule alone (no image read but the masks): true when voxel n = (i, j, k) of the row that
  // `row` starts, with `fetched` from fetch(n, i, j, k), is valid; then q holds its continuous moving index.
  FFDP_HD bool validAlongRow(const double row[3], int64_t n, int64_t i, const typename FieldReader::Fetched& fetched,
                             double q[3]) const {
    if (fixedMask && !fixedMask[n]) return false;
    if (!sampleAll && !(subsetHash(uint64_t(n + wholeOffset)) < threshold)) return false;
    indexAlongRowExact(map, row, i, q);
    q[2] -= zShift;
    if (u) {
      double d[3];
      this->displacement(u, fetched, d);
      for (int a = 0; a < 3; ++a) q[a] += K[a][0] * d[0] + K[a][1] * d[1] + K[a][2] * d[2];
    }
    if (!insideLinear(moving, q)) return false;
    return !(movingMask && !movingMask[nearestLinear(moving, q)]);
  }
  // True when voxel n = (i, j, k) is valid; then s holds f, w (and dw/dq when WithGradient).
  template <bool WithGradient>
  FFDP_HD bool sampleAlongRow(const double row[3], int64_t n, int64_t i, const typename FieldReader::Fetched& fetched,
                              WarpSample& s) const {
    double q[3];
    if (!validAlongRow(row, n, i, fetched, q)) return false;
    s.f = double(fixed[n]);
    if (WithGradient)
      s.w = sampleLinearWithGradient(moving, q, s.dq);
    else
      s.w = sampleLinear(moving, q);
    return true;
  }

  // sampleAlongRow for one voxel (i, j, k) on its own.
  template <bool WithGradient>
  FFDP_HD bool sample(int64_t i, int64_t j, int64_t k, WarpSample& s) const {
    const int64_t n = linear(i, j, k);
    double row[3];
    rowStart(j, k, row);
    return sampleAlongRow<WithGradient>(row, n, i, fetch(n, i, j, k), s);
  }
};
using WarpSampler = BasicWarpSampler<FieldOnFixedGrid>;
using CoarseWarpSampler = BasicWarpSampler<FieldOnCoarseGrid>;

// K = Pm^-1 M: how a displacement (LPS mm, before A) moves the continuous moving index.
inline Mat3 displacementToMovingIndexMatrix(const Grid& moving, const Affine& A) {
  return moving.indexToPhysicalMatrix().inverse() * A.M;
}

// The sampler for fixed -> moving under A (and u when not null, read by `reader`); all pointers are
// device memory (or host memory for host tests). samplingFraction as in MetricSettings.
template <class FieldReader = FieldOnFixedGrid>
BasicWarpSampler<FieldReader> makeWarpSampler(const float* fixed, const Grid& fixedGrid, const float* moving,
                                              const Grid& movingGrid, const uint8_t* fixedMask,
                                              const uint8_t* movingMask, const Affine& A, const float* u,
                                              double samplingFraction, const FieldReader& reader = {}) {
  BasicWarpSampler<FieldReader> s;
  static_cast<FieldReader&>(s) = reader;
  s.fixed = fixed;
  s.fixedMask = fixedMask;
  s.movingMask = movingMask;
  s.u = u;
  s.nx = fixedGrid.size[0];
  s.ny = fixedGrid.size[1];
  s.nz = fixedGrid.size[2];
  s.wholeOffset = fixedGrid.wholeLinear(0, 0, 0);
  s.ownBegin = fixedGrid.ownedBegin();
  s.ownEnd = fixedGrid.ownedEnd();
  s.moving = ImageView{moving, movingGrid.size[0], movingGrid.size[1], movingGrid.size[2]};
  s.map = makeIndexAffine(wholeGridOf(fixedGrid), wholeGridOf(movingGrid), A);
  s.kShift = fixedGrid.slab.firstSlice;
  s.zShift = double(movingGrid.slab.firstSlice);
  const Mat3 K = displacementToMovingIndexMatrix(movingGrid, A);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) s.K[a][b] = K.m[a][b];
  // The CPU's SamplingSubset rule: every voxel when the fraction is >= 1, else hash < fraction 2^64.
  s.sampleAll = samplingFraction >= 1.0;
  s.threshold =
      samplingFraction <= 0.0 || samplingFraction >= 1.0 ? 0 : static_cast<uint64_t>(std::ldexp(samplingFraction, 64));
  return s;
}

}  // namespace ffdp::cuda
