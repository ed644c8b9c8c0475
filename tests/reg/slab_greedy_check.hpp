// A whole greedy stage on z-slabs (ranks as threads) against one whole-grid run of the same backend:
// the CPU test (tests/reg/test_slab_greedy.cpp) and the GPU one (tests/gpu/slab_greedy_gpu_test.cpp).
// The CUDA backend computes only the own slices of the metric gradient, the smoothed fields and the
// Adam updates on a slab and leaves their halo slices stale for the slab decorator to refresh
// (ops/slab_backend.hpp); a stale halo read anywhere (the moments resampled to the next level, a
// smoothing or a composition reading its neighbours) shows here as a difference.
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
#include "reg/registration.hpp"
#include "reg/spec_halo.hpp"
#include "support/test_support.hpp"
#include "support/thread_comm.hpp"

namespace ffdp::test {

using BackendFactory = std::function<std::unique_ptr<Backend>(Comm&)>;

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

// Largest |a - b| over the own slices of slab `a` against the whole `b`, relative to max |b|.
inline double largestOwnSliceDifference(const Field& a, const Field& b) {
  const int64_t plane = a.grid.size[0] * a.grid.size[1];
  double worst = 0, scale = 0;
  for (int64_t k = a.grid.ownedBegin(); k < a.grid.ownedEnd(); ++k)
    for (int64_t n = 0; n < plane; ++n)
      for (int c = 0; c < 3; ++c) {
        const double x = a.data[size_t(k * plane + n)][size_t(c)];
        const double y = b.data[size_t((k + a.grid.slab.firstSlice) * plane + n)][size_t(c)];
        worst = std::max(worst, std::abs(x - y));
      }
  for (const Vec3f& v : b.data)
    for (float x : v) scale = std::max(scale, double(std::abs(x)));
  return worst / std::max(scale, 1e-30);
}

// `ranks` thread ranks, each with makeBackend(comm) under the slab decorator, against one whole run.
inline void requireSlabGreedyMatchesWhole(const BackendFactory& makeBackend, MetricKind metric, int ranks,
                                          const char* seedName) {
  auto rng = seededRng(seedName);
  const Grid grid = randomObliqueGrid(rng, {30, 26, 40}, 1.0, 1.3, 0.3, {0, 0, 0});
  // The moving grid covers the fixed one with a margin, so that no fixed voxel maps onto the moving
  // image's edge, where the rounding of a slab's voxel positions could flip it between inside and out.
  const Grid movingGrid = randomObliqueGrid(rng, {40, 36, 48}, 1.5, 1.8, 0.3, {0.7, -0.4, 0.3});
  const SmoothField pattern(rng, grid.centre(), 30.0);
  const SmoothVectorField truth(rng, grid, 0.15);
  const Image fixed = sampleImage(grid, pattern);
  // The pattern displaced, under another contrast (MI must pair the intensities).
  const Image moving = sampleImage(movingGrid, [&](const Vec3& p) {
    const double v = pattern(p + truth(p));
    return 100.0 - 0.02 * v * v;
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
    const Image fixedSlab = cutSlab(fixed, SlabLayout(grid, ranks).haloSlabGrid(rank, halo));
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
    CHECK(largestOwnSliceDifference(warps[size_t(rank)], *whole.warp) <= 1e-5);
    CHECK(largestOwnSliceDifference(inverses[size_t(rank)], *whole.inverseWarp) <= 1e-5);
  }
}

}  // namespace ffdp::test
