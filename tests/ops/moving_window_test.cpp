// The sharded moving image (ops/moving_window.hpp, ops/moving_window_cache.hpp, the slab decorator):
//   - the window geometry against a brute-force walk over every voxel of the target (oblique grids and
//     affine, a displacement bound, clamping to the image);
//   - ranks as threads: a moving image split into z-slabs, sampled through windows, gives what the
//     whole moving image gives (metrics with their whole-image intensity range, warped images with the
//     whole image's outside rule, halo slices included), windows are reused while the needed range
//     stays inside them and fetched again when it leaves, and a rebuilt volume is never served an old
//     window.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <vector>

#include "dist/slab.hpp"
#include "dist/slab_volume.hpp"
#include "field_test_support.hpp"
#include "ops/backend.hpp"
#include "ops/moving_window.hpp"
#include "ops/slab_backend.hpp"
#include "ops_test_support.hpp"
#include "support/thread_comm.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

// The slices trilinear samples read, walking every voxel of `target` (brute force, no corners):
// floor(z) and floor(z) + 1 of every sample inside the moving image along z, over the displacements
// (0, 0, +-d) and the axis-aligned +-d (the extremes of |u| <= d along moving z for these tests' grids).
SliceRange slicesReadByWalk(const Grid& target, const Grid& moving, const Affine& A, double d) {
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  const Mat3 K = moving.indexToPhysicalMatrix().inverse() * A.M;
  const double row = std::sqrt(K.m[2][0] * K.m[2][0] + K.m[2][1] * K.m[2][1] + K.m[2][2] * K.m[2][2]);
  // The displacement of length d that moves moving z the most, both ways.
  const Vec3 worst = row > 0 ? Vec3{K.m[2][0] * d / row, K.m[2][1] * d / row, K.m[2][2] * d / row} : Vec3{0, 0, 0};
  for (int64_t k = 0; k < target.size[2]; ++k)
    for (int64_t j = 0; j < target.size[1]; ++j)
      for (int64_t i = 0; i < target.size[0]; ++i)
        for (double s : {-1.0, 0.0, 1.0}) {
          const Vec3 x = target.indexToPhysical({double(i), double(j), double(k)});
          const double z = moving.physicalToIndex(A.apply(x + s * worst))[2];
          if (z < -1e-6 || z > double(moving.size[2] - 1) + 1e-6) continue;  // outside: reads nothing
          const int64_t f = int64_t(std::floor(z));
          lo = std::min(lo, f);
          hi = std::max(hi, f + 1);
        }
  if (lo > hi) return {};
  return {std::max<int64_t>(0, lo), std::min<int64_t>(moving.size[2], hi + 1)};
}

bool contains(const SliceRange& outer, const SliceRange& inner) {
  return inner.empty() || (inner.begin >= outer.begin && inner.end <= outer.end);
}

Grid plainGrid(std::array<int64_t, 3> size, Vec3 spacing) {
  Grid g;
  g.size = size;
  g.spacing = spacing;
  return g;
}

}  // namespace

TEST_CASE("window of an identity map: the slab's own slices, their trilinear neighbour and the margin", "[ops][slab]") {
  const Grid moving = plainGrid({6, 5, 20}, {1, 1, 1});
  const Grid slab = SlabLayout(moving, 4).haloSlabGrid(1, 0);  // slices 5..9
  REQUIRE(slab.slab.firstSlice == 5);
  // Samples at z = 5..9 read slices 5..10; two more on each side: 3..12.
  CHECK(movingSlicesRead(slab, moving, Affine::identity(), 0.0) == SliceRange{3, 13});
  CHECK(movingSlicesRead(slab, moving, Affine::identity(), 0.0, 0) == SliceRange{5, 11});
}

TEST_CASE("window through an oblique affine holds every slice the voxels' samples read, and little more",
          "[ops][slab]") {
  auto rng = seededRng("oblique window");
  for (int trial = 0; trial < 20; ++trial) {
    const Grid moving = randomObliqueGrid(rng, {9, 8, 30}, 0.8, 2.0, 0.5, {0, 0, 0});
    const Grid fixedWhole = randomObliqueGrid(rng, {8, 9, 24}, 0.9, 1.6, 0.5, {1, -1, 2});
    const Grid slab = SlabLayout(fixedWhole, 4).haloSlabGrid(int(trial % 4), 2);
    const Affine A = randomAffine(rng, fixedWhole.centre(), 0.35, 0.1, 3.0);
    for (double d : {0.0, 1.5, 4.0}) {
      INFO("trial " << trial << ", |u| <= " << d);
      const SliceRange window = movingSlicesRead(slab, moving, A, d);
      const SliceRange read = slicesReadByWalk(slab, moving, A, d);
      CHECK(contains(window, read));
      // Not the whole image for nothing: at most the margin and the corners' rounding beyond the walk.
      if (!read.empty()) {
        CHECK(read.begin - window.begin <= kWindowMarginSlices + 1);
        CHECK(window.end - read.end <= kWindowMarginSlices + 1);
      }
    }
  }
}

TEST_CASE("a displacement bound widens the window by the slices it can cross", "[ops][slab]") {
  const Grid moving = plainGrid({6, 5, 60}, {1, 1, 2.5});  // 2.5 mm slices
  const Grid slab = SlabLayout(moving, 3).haloSlabGrid(1, 0);  // slices 20..39
  const SliceRange still = movingSlicesRead(slab, moving, Affine::identity(), 0.0);
  const SliceRange moved = movingSlicesRead(slab, moving, Affine::identity(), 10.0);  // 4 slices of 2.5 mm
  CHECK(still.begin - moved.begin == 4);
  CHECK(moved.end - still.end == 4);
  // An affine that doubles z distances doubles the reach in moving slices too.
  Affine stretch = Affine::identity(moving.centre());
  stretch.M.m[2][2] = 2.0;
  const SliceRange s0 = movingSlicesRead(slab, moving, stretch, 0.0), s1 = movingSlicesRead(slab, moving, stretch, 5.0);
  CHECK(s0.begin - s1.begin == 4);
  CHECK(s1.end - s0.end == 4);
}

TEST_CASE("a window is clamped to the moving image, and one edge slice when every sample is outside",
          "[ops][slab]") {
  const Grid moving = plainGrid({6, 5, 20}, {1, 1, 1});
  const Grid slab = SlabLayout(moving, 4).haloSlabGrid(0, 2);  // slices 0..6
  CHECK(movingSlicesRead(slab, moving, Affine::identity(), 0.0).begin == 0);
  CHECK(movingSlicesRead(SlabLayout(moving, 4).haloSlabGrid(3, 2), moving, Affine::identity(), 0.0).end == 20);
  Affine up = Affine::identity(), down = Affine::identity();
  up.t = {0, 0, 100};
  down.t = {0, 0, -100};
  CHECK(movingSlicesRead(slab, moving, up, 0.0) == SliceRange{19, 20});
  CHECK(movingSlicesRead(slab, moving, down, 0.0) == SliceRange{0, 1});
  CHECK(movingSlicesRead(slab, moving, Affine::identity(), 1e9) == SliceRange{0, 20});
  CHECK(movingSlicesRead(slab, moving, Affine::identity(), std::nan("")) == SliceRange{0, 20});
  CHECK(widenedRange({3, 13}, 8, 20) == SliceRange{0, 20});
  CHECK(widenedRange({9, 11}, 8, 40) == SliceRange{1, 19});
}

TEST_CASE("a window's grid puts each of its voxels where the whole grid has it", "[ops][slab]") {
  auto rng = seededRng("window grid");
  const Grid moving = randomObliqueGrid(rng, {7, 6, 25}, 0.7, 1.9, 0.6, {3, 1, -2});
  const Grid w = windowGrid(moving, {9, 15});
  CHECK(!w.isSlab());
  CHECK(w.size == std::array<int64_t, 3>{7, 6, 6});
  for (int64_t k = 0; k < 6; ++k) {
    const Vec3 a = w.indexToPhysical({4, 2, double(k)}), b = moving.indexToPhysical({4, 2, double(k + 9)});
    for (int d = 0; d < 3; ++d) CHECK(a[d] == Approx(b[d]).margin(1e-9));
  }
}

// ---- Ranks as threads: the moving image in z-slabs against the whole moving image.

namespace {

constexpr int kShardRanks = 3;
constexpr int64_t kShardHalo = 2;

struct ShardScene {
  Image fixed, moving;
  Mask movingMask;
  Field u;
  Affine A;
};

// A fixed image and a moving image of another oblique grid with many thin slabs (3 ranks over 21 slices),
// intensities that differ between ranks' slabs (each rank's own range is not the image's), a moving
// mask, a field, and an affine that maps part of the fixed image outside the moving one.
ShardScene makeShardScene(std::mt19937_64& rng) {
  ShardScene s;
  const Grid fg = randomObliqueGrid(rng, {12, 11, 18}, 0.9, 1.3, 0.3, {0, 0, 0});
  const Grid mg = randomObliqueGrid(rng, {13, 12, 21}, 0.9, 1.3, 0.3, {0.5, -0.5, 0.3});
  const SmoothField fs(rng, {0, 0, 0}, 16.0), ms(rng, {0, 0, 0}, 16.0);
  s.fixed = sampleImage(fg, fs);
  for (float& v : s.fixed.data) v += float(uniform(rng, -2, 2));
  s.moving = sampleImage(mg, ms);
  for (int64_t k = 0; k < mg.size[2]; ++k)  // a ramp along z: the extremes sit in the first and last slabs
    for (int64_t n = 0; n < mg.size[0] * mg.size[1]; ++n) s.moving.data[size_t(k * mg.size[0] * mg.size[1] + n)] += float(3 * k);
  s.movingMask = ellipsoidMask(mg, 0.95);
  s.u = randomField(rng, fg, 1.5);
  s.A = randomAffine(rng, fg.centre(), 0.1, 0.05, 2.0);
  s.A.t[2] += 3.0;  // some of the fixed image maps past the moving image's last slices
  return s;
}

Grid slabOf(const Grid& whole, int rank) { return SlabLayout(whole, kShardRanks).haloSlabGrid(rank, kShardHalo); }

struct RankResults {
  AffineMetricEval affineMi, affineCc;
  FieldMetricEval fieldMi, fieldCc;
  Field fieldMiGradient;
  Image warped, affineWarped;
  MovingWindowStats afterFirst, afterRepeat, afterMove;
  Image rebuiltWarped;  // through a level rebuilt at the address of a freed one
};

MetricSettings mi() {
  MetricSettings m;
  m.kind = MetricKind::MI;
  m.bins = 16;
  return m;
}
MetricSettings cc() {
  MetricSettings m;
  m.kind = MetricKind::CC;
  m.radius = 1;
  return m;
}

// The largest difference over the slices [from, to) of a slab result and the same slices of the whole one.
double largestDifference(const Image& slab, const Image& whole, int64_t from, int64_t to) {
  const int64_t plane = slab.grid.size[0] * slab.grid.size[1];
  double worst = 0;
  for (int64_t k = from; k < to; ++k)
    for (int64_t n = 0; n < plane; ++n)
      worst = std::max(worst, std::abs(double(slab.data[size_t(k * plane + n)]) -
                                       double(whole.data[size_t((k + slab.grid.slab.firstSlice) * plane + n)])));
  return worst;
}

}  // namespace

TEST_CASE("a moving image in z-slabs, sampled through fetched windows, gives what the whole image gives",
          "[ops][slab]") {
  auto rng = seededRng("sharded moving");
  const ShardScene s = makeShardScene(rng);
  SelfComm single;
  auto whole = makeCpuBackend(single);
  const AffineMetricEval affineMi = whole->affineMetric(s.fixed, s.moving, nullptr, &s.movingMask, s.A, mi(), true);
  const AffineMetricEval affineCc = whole->affineMetric(s.fixed, s.moving, nullptr, nullptr, s.A, cc(), true);
  Field wholeGradient = whole->zeroField(s.fixed.grid);
  const FieldMetricEval fieldMi = whole->fieldMetric(s.fixed, s.moving, nullptr, &s.movingMask, s.A, s.u, mi(), &wholeGradient);
  const FieldMetricEval fieldCc = whole->fieldMetric(s.fixed, s.moving, nullptr, nullptr, s.A, s.u, cc(), nullptr);
  const Image warped = whole->resampleWarp(s.moving, s.A, s.u, Interpolation::Linear, -7.0f);
  const Image affineWarped = whole->resampleAffine(s.moving, s.fixed.grid, s.A, Interpolation::Linear, -7.0f);
  // The rank's own slab may hold neither extreme: the metric must still bin with the whole range.
  REQUIRE(affineMi.validVoxels > 500);

  std::vector<RankResults> results(kShardRanks);
  // No spare slices: every change of the needed range is a new fetch, so windows move in this small scene.
  setenv("FFDP_MOVING_WINDOW_SPARE_SLICES", "0", 1);
  runRanks(kShardRanks, [&](int rank, Comm& comm) {
    auto cpu = makeCpuBackend(comm);
    auto backend = makeSlabBackend(*cpu, comm);
    const Image fixed = cutSlab(s.fixed, slabOf(s.fixed.grid, rank));
    const Image moving = cutSlab(s.moving, slabOf(s.moving.grid, rank));
    const Field u = cutSlab(s.u, slabOf(s.u.grid, rank));
    RankResults& r = results[size_t(rank)];
    r.affineMi = backend->affineMetric(fixed, moving, nullptr, &s.movingMask, s.A, mi(), true);
    r.afterFirst = *movingWindowStatsOf(*backend);
    r.affineCc = backend->affineMetric(fixed, moving, nullptr, nullptr, s.A, cc(), true);
    r.afterRepeat = *movingWindowStatsOf(*backend);
    r.fieldMiGradient = backend->zeroField(fixed.grid);
    r.fieldMi = backend->fieldMetric(fixed, moving, nullptr, &s.movingMask, s.A, u, mi(), &r.fieldMiGradient);
    r.fieldCc = backend->fieldMetric(fixed, moving, nullptr, nullptr, s.A, u, cc(), nullptr);
    r.warped = backend->resampleWarp(moving, s.A, u, Interpolation::Linear, -7.0f);
    r.affineWarped = backend->resampleAffine(moving, fixed.grid, s.A, Interpolation::Linear, -7.0f);
    // Moved by 6 slices' worth: the needed range leaves the windows, which are fetched again.
    Affine shifted = s.A;
    shifted.t[2] -= 6.0 * s.moving.grid.spacing[2];
    backend->affineMetric(fixed, moving, nullptr, nullptr, shifted, mi(), false);
    r.afterMove = *movingWindowStatsOf(*backend);
    // A level freed and rebuilt (smoothing changes the values, not the grid): never the old window.
    {
      const Image level = backend->smoothAndResample(moving, {0.5, 0.5, 0.5}, moving.grid);
      backend->resampleWarp(level, s.A, u, Interpolation::Linear, -7.0f);
    }
    const Image rebuilt = backend->smoothAndResample(moving, {1.5, 1.5, 1.5}, moving.grid);
    r.rebuiltWarped = backend->resampleWarp(rebuilt, s.A, u, Interpolation::Linear, -7.0f);
  });
  unsetenv("FFDP_MOVING_WINDOW_SPARE_SLICES");

  const Image wholeRebuilt = whole->smoothAndResample(s.moving, {1.5, 1.5, 1.5}, s.moving.grid);
  const Image warpedRebuilt = whole->resampleWarp(wholeRebuilt, s.A, s.u, Interpolation::Linear, -7.0f);
  int64_t outside = 0;
  for (float v : warped.data) outside += v == -7.0f;
  REQUIRE(outside > 50);  // the outside rule is exercised
  for (int rank = 0; rank < kShardRanks; ++rank) {
    INFO("rank " << rank);
    const RankResults& r = results[size_t(rank)];
    CHECK(r.affineMi.validVoxels == affineMi.validVoxels);
    CHECK(r.affineMi.value == Approx(affineMi.value).epsilon(1e-9));
    for (size_t p = 0; p < 12; ++p) CHECK(r.affineMi.gradient[p] == Approx(affineMi.gradient[p]).epsilon(1e-7).margin(1e-9));
    CHECK(r.affineCc.validVoxels == affineCc.validVoxels);
    CHECK(r.affineCc.value == Approx(affineCc.value).epsilon(1e-9));
    for (size_t p = 0; p < 12; ++p) CHECK(r.affineCc.gradient[p] == Approx(affineCc.gradient[p]).epsilon(1e-7).margin(1e-9));
    CHECK(r.fieldMi.validVoxels == fieldMi.validVoxels);
    CHECK(r.fieldMi.value == Approx(fieldMi.value).epsilon(1e-9));
    CHECK(r.fieldCc.value == Approx(fieldCc.value).epsilon(1e-9));
    // The gradient at this rank's own voxels.
    const Field& g = r.fieldMiGradient;
    const int64_t plane = g.grid.size[0] * g.grid.size[1];
    double worst = 0, scale = 0;
    for (int64_t k = g.grid.ownedBegin(); k < g.grid.ownedEnd(); ++k)
      for (int64_t n = 0; n < plane; ++n)
        for (int c = 0; c < 3; ++c) {
          const double a = g.data[size_t(k * plane + n)][size_t(c)];
          const double b = wholeGradient.data[size_t((k + g.grid.slab.firstSlice) * plane + n)][size_t(c)];
          worst = std::max(worst, std::abs(a - b));
          scale = std::max(scale, std::abs(b));
        }
    CHECK(scale > 0);
    CHECK(worst <= 1e-6 * scale);
    // Warped images on every slice of the buffer, halo included, with the whole image's outside value.
    CHECK(largestDifference(r.warped, warped, 0, r.warped.grid.size[2]) < 1e-4);
    CHECK(largestDifference(r.affineWarped, affineWarped, 0, r.affineWarped.grid.size[2]) < 1e-4);
    CHECK(largestDifference(r.rebuiltWarped, warpedRebuilt, r.rebuiltWarped.grid.ownedBegin(),
                            r.rebuiltWarped.grid.ownedEnd()) < 1e-4);
    // Caching: the first metric fetched, the next one (same A, same image) did not; moving A did.
    CHECK(r.afterFirst.fetchRounds == 1);
    CHECK(r.afterRepeat.fetchRounds == 1);
    CHECK(r.afterMove.fetchRounds > r.afterRepeat.fetchRounds);
  }
  int64_t refetches = 0;
  for (const RankResults& r : results) refetches += r.afterMove.refetches;
  CHECK(refetches > 0);
}

TEST_CASE("a whole moving image passes through the slab decorator without any window", "[ops][slab]") {
  auto rng = seededRng("replicated moving");
  const ShardScene s = makeShardScene(rng);
  std::vector<MovingWindowStats> stats(kShardRanks);
  runRanks(kShardRanks, [&](int rank, Comm& comm) {
    auto cpu = makeCpuBackend(comm);
    auto backend = makeSlabBackend(*cpu, comm);
    const Image fixed = cutSlab(s.fixed, slabOf(s.fixed.grid, rank));
    const Field u = cutSlab(s.u, slabOf(s.u.grid, rank));
    backend->fieldMetric(fixed, s.moving, nullptr, &s.movingMask, s.A, u, mi(), nullptr);
    backend->resampleWarp(s.moving, s.A, u, Interpolation::Linear, 0.0f);
    stats[size_t(rank)] = *movingWindowStatsOf(*backend);
  });
  for (const MovingWindowStats& st : stats) {
    CHECK(st.fetchRounds == 0);
    CHECK(st.bytesReceived == 0);
  }
}

TEST_CASE("a sharded moving image's pyramid levels hold the whole image's levels in their own slices (to a float ulp)",
          "[ops][slab]") {
  auto rng = seededRng("sharded pyramid");
  const ShardScene s = makeShardScene(rng);
  SelfComm single;
  auto whole = makeCpuBackend(single);
  struct Level {
    std::array<int, 3> shrink;
    Vec3 sigma;
  };
  const std::vector<Level> levels{{{2, 2, 2}, {1, 1, 1}}, {{4, 4, 4}, {2, 2, 2}}, {{1, 1, 1}, {0.5, 0.5, 0.5}}};
  std::vector<std::vector<double>> worst(kShardRanks, std::vector<double>(levels.size(), -1));
  runRanks(kShardRanks, [&](int rank, Comm& comm) {
    auto cpu = makeCpuBackend(comm);
    auto backend = makeSlabBackend(*cpu, comm);
    const Image moving = cutSlab(s.moving, slabOf(s.moving.grid, rank));
    for (size_t l = 0; l < levels.size(); ++l) {
      const Grid target = shrunkGrid(moving.grid, levels[l].shrink, kShardRanks, rank);
      const Image level = backend->smoothAndResample(moving, levels[l].sigma, target);
      const Image reference = whole->smoothAndResample(s.moving, levels[l].sigma, wholeGridOf(target));
      worst[size_t(rank)][l] = largestDifference(level, reference, level.grid.ownedBegin(), level.grid.ownedEnd());
    }
  });
  for (int rank = 0; rank < kShardRanks; ++rank)
    for (size_t l = 0; l < levels.size(); ++l) {
      INFO("rank " << rank << ", level " << l);
      // Not bit for bit: the slab resampling maps local indices through shifted origins, and about one
      // voxel in 10^5 rounds to the neighbouring float (an open problem, see docs/distribution.md).
      CHECK(worst[size_t(rank)][l] <= 2e-7 * 300);
    }
}
