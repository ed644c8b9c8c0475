// A whole greedy stage on z-slabs (ranks as threads) against one whole-grid run of the same backend:
// the CPU test (tests/reg/test_slab_greedy.cpp) and the GPU one (tests/gpu/slab_greedy_gpu_test.cpp).
// The CUDA backend computes only the own slices of the metric gradient, the smoothed fields and the
// Adam updates on a slab and leaves their halo slices stale for the slab decorator to refresh
// (ops/slab_backend.hpp); a stale halo read anywhere (the moments resampled to the next level, a
// smoothing or a composition reading its neighbours) shows here as a difference.
//
// The CPU backend is exact (Agreement::Bitwise): its sums run in whole-slice order
// (ops/cpu/slice_reduce.hpp) and every grid map goes through the whole grids
// (ops/cpu/grid_index_map.hpp), so the slabs' warp and inverse are the whole run's bit for bit.
//
// The CUDA backend's sums over a slab round differently from the whole grid's (Agreement::Rounding).
// The warp: 95 % of the voxels must agree to 1e-4 of the largest displacement, all to 1e-2: a spot
// where the optimisation is unstable (a fold forming) grows the rounding over the iterations (on the
// CPU, before its sums were exact: 5.8e-4 at worst over 151 seeds, the 95th percentile at most
// 8.5e-6). A stale halo spoils whole slices, by 0.1 and more.
// The inverse is solved only to the stage's tolerance (kInverseToleranceVoxels): where the whole
// run's own inverse is that loose, a rounding-level change of the forward field can move it by
// several times the tolerance (3.5e-3 mm at a grid edge, seed 6033475574691761608), and where the
// sweeps' global stopping test flips by one sweep every voxel moves by up to the tolerance (seeds
// 140, 172). So the slab's inverse must invert the whole forward field everywhere as well as the
// whole inverse does, to within the tolerance, and lie within twice the tolerance of it wherever
// that one is solved to half the tolerance or better. A stale halo shows as millimetres.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <vector>

#include "dist/slab.hpp"
#include "dist/slab_volume.hpp"
#include "ops/backend.hpp"
#include "ops/field_test_support.hpp"
#include "ops/slab_backend.hpp"
#include "reg/greedy_stage.hpp"
#include "reg/registration.hpp"
#include "reg/spec_halo.hpp"
#include "support/test_support.hpp"
#include "support/thread_comm.hpp"

namespace ffdp::test {

using BackendFactory = std::function<std::unique_ptr<Backend>(Comm&)>;

// How closely the slab runs must agree with the whole run (see the top of this file).
enum class Agreement { Bitwise, Rounding };

inline Spec slabGreedySpec(MetricKind metric) {
  StageSpec s;
  s.transform = TransformKind::Greedy;
  s.metric.kind = metric;
  s.metric.bins = 16;
  s.metric.radius = 2;
  s.step = 0.4;
  s.iterations = {12, 6};
  s.shrinkFactors = {2, 1};
  s.smoothingSigmas = {1, 0};
  s.gradientSigma = 1.5;
  s.warpSigma = 0.7;
  s.convergenceWindow = 100;  // a fixed iteration count: no stopping rule can part the runs
  Spec spec;
  spec.fixed = "fixed";
  spec.moving = "moving";
  spec.outputPrefix = "out";
  spec.stages = {s};
  return spec;
}

// |a - b| per voxel over the own slices of slab `a` against the whole `b`, relative to max |b|: the
// largest, and the largest left after dropping the 5 % largest.
struct FieldDifference {
  double largest = 0;
  double nearlyAll = 0;
};

inline FieldDifference ownSliceDifference(const Field& a, const Field& b) {
  const int64_t plane = a.grid.size[0] * a.grid.size[1];
  double scale = 0;
  for (const Vec3f& v : b.data)
    for (float x : v) scale = std::max(scale, double(std::abs(x)));
  std::vector<double> d;
  for (int64_t k = a.grid.ownedBegin(); k < a.grid.ownedEnd(); ++k)
    for (int64_t n = 0; n < plane; ++n) {
      const Vec3f& x = a.data[size_t(k * plane + n)];
      const Vec3f& y = b.data[size_t((k + a.grid.slab.firstSlice) * plane + n)];
      d.push_back(norm(asVec3(x) - asVec3(y)) / std::max(scale, 1e-30));
    }
  FieldDifference out;
  if (d.empty()) return out;
  out.largest = *std::max_element(d.begin(), d.end());
  const auto at = d.begin() + std::ptrdiff_t(0.95 * double(d.size() - 1));
  std::nth_element(d.begin(), at, d.end());
  out.nearlyAll = *at;
  return out;
}

// The slab inverse against the whole run's, both as inverses of the whole forward field u: the
// residual |u(y + v(y)) + v(y)| in mm at each own voxel y.
struct InverseComparison {
  double largestExcessResidual = 0;  // max over own voxels of slab residual - whole residual (mm)
  double largestSolvedDifference = 0;  // max |slab - whole| (mm) where the whole inverse is solved
  double solvedShare = 0;              // the share of own voxels where it is
};

inline InverseComparison compareInverses(const Field& slab, const Field& whole, const Field& forward,
                                         double solvedResidual) {
  auto residual = [&](const Vec3& y, const Vec3& v) { return norm(referenceSample(forward, y + v) + v); };
  InverseComparison out;
  int64_t solved = 0, own = 0;
  const Grid& g = whole.grid;
  for (int64_t k = slab.grid.ownedBegin(); k < slab.grid.ownedEnd(); ++k) {
    const int64_t kw = k + slab.grid.slab.firstSlice;
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i, ++own) {
        const Vec3 y = voxelPoint(g, i, j, kw);
        const Vec3 vs = asVec3(slab.at(i, j, k)), vw = asVec3(whole.at(i, j, kw));
        const double rw = residual(y, vw);
        out.largestExcessResidual = std::max(out.largestExcessResidual, residual(y, vs) - rw);
        if (rw > solvedResidual) continue;
        ++solved;
        out.largestSolvedDifference = std::max(out.largestSolvedDifference, norm(vs - vw));
      }
  }
  out.solvedShare = own ? double(solved) / double(own) : 0.0;
  return out;
}

// `ranks` thread ranks, each with makeBackend(comm) under the slab decorator, against one whole run.
// `cuts` lay the slabs out (null: equal slices; dist/slab.hpp).
inline void requireSlabGreedyMatchesWhole(const BackendFactory& makeBackend, Agreement agreement, MetricKind metric,
                                          int ranks, const char* seedName, const SlabCuts& cuts = nullptr) {
  auto rng = seededRng(seedName);
  const Grid grid = randomObliqueGrid(rng, {30, 26, 40}, 1.0, 1.3, 0.3, {0, 0, 0});
  // The moving grid covers the fixed one with a margin, so that no fixed voxel maps onto the moving
  // image's edge, where the rounding of a slab's voxel positions could flip it between inside and out.
  const Grid movingGrid = randomObliqueGrid(rng, {40, 36, 48}, 1.5, 1.8, 0.3, {0.7, -0.4, 0.3});
  const SmoothField pattern(rng, grid.centre(), 30.0);
  const SmoothVectorField truth(rng, grid, 0.15);
  const Image fixed = sampleImage(grid, pattern);
  // The pattern displaced, under the contrast each metric models: the same for mean squares, a linear
  // one for CC, a non-monotone one for MI (it must pair the intensities). A contrast the metric cannot
  // model leaves spots where the optimisation is unstable and amplifies rounding.
  const Image moving = sampleImage(movingGrid, [&](const Vec3& p) {
    const double v = pattern(p + truth(p));
    switch (metric) {
      case MetricKind::MeanSquares: return v;
      case MetricKind::CC: return 20.0 + 0.5 * v;
      default: return 100.0 - 0.02 * v * v;
    }
  });
  const Spec spec = slabGreedySpec(metric);

  SelfComm single;
  auto wholeBackend = makeBackend(single);
  RegistrationInputs in;
  in.fixed = &fixed;
  in.moving = &moving;
  RegistrationResult whole = runRegistration(spec, in, *wholeBackend, single);
  REQUIRE(whole.warp);
  wholeBackend->toHost(*whole.warp);
  wholeBackend->toHost(*whole.inverseWarp);
  double largest = 0;
  for (const Vec3f& v : whole.warp->data) largest = std::max(largest, norm(asVec3(v)));
  REQUIRE(largest > 0.2);  // the stage moved something (mm)

  const int64_t halo = haloForSpec(spec);
  std::vector<Field> warps(static_cast<size_t>(ranks)), inverses(static_cast<size_t>(ranks));
  runRanks(ranks, [&](int rank, Comm& comm) {
    auto compute = makeBackend(comm);
    auto slab = makeSlabBackend(*compute, comm);
    const Image fixedSlab = cutSlab(fixed, SlabLayout(grid, ranks, cuts).haloSlabGrid(rank, halo));
    RegistrationInputs r;
    r.fixed = &fixedSlab;
    r.moving = &moving;
    RegistrationResult result = runRegistration(spec, r, *slab, comm);
    slab->toHost(*result.warp);
    slab->toHost(*result.inverseWarp);
    warps[size_t(rank)] = std::move(*result.warp);
    inverses[size_t(rank)] = std::move(*result.inverseWarp);
  });
  for (int rank = 0; rank < ranks; ++rank) {
    INFO("rank " << rank << " of " << ranks);
    const FieldDifference warp = ownSliceDifference(warps[size_t(rank)], *whole.warp);
    if (agreement == Agreement::Bitwise) {
      CHECK(warp.largest == 0.0);
      CHECK(ownSliceDifference(inverses[size_t(rank)], *whole.inverseWarp).largest == 0.0);
      continue;
    }
    CHECK(warp.nearlyAll <= 1e-4);
    CHECK(warp.largest <= 1e-2);
    const double tolerance = kInverseToleranceVoxels * *std::min_element(grid.spacing.begin(), grid.spacing.end());
    const InverseComparison inverse =
        compareInverses(inverses[size_t(rank)], *whole.inverseWarp, *whole.warp, 0.5 * tolerance);
    CHECK(inverse.largestExcessResidual <= 2 * tolerance);
    CHECK(inverse.largestSolvedDifference <= 2 * tolerance);
    CHECK(inverse.solvedShare >= 0.5);  // the difference check covers most of the slab
  }
}

}  // namespace ffdp::test
