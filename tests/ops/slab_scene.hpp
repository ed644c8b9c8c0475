// The scene of the slab reduction tests (tests/ops/slab_reduction_test.cpp on the CPU backend,
// tests/gpu/slab_reduction_gpu_test.cpp on the CUDA one): whole volumes, their slab buffers for kRanks
// ranks with halo kHalo, per-rank metrics recombined by hand, and the checks both backends run.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "dist/slab.hpp"
#include "dist/slab_volume.hpp"
#include "ops/backend.hpp"
#include "ops/field_test_support.hpp"

namespace ffdp::test {

constexpr int kRanks = 3;
constexpr int64_t kHalo = 2;

// ---- The scene: a whole fixed image, mask and field, and a whole moving image on another grid.

struct Scene {
  Image fixed, moving;
  Mask fixedMask;
  Field u;
  Affine A;
  double lo = 0, hi = 0;  // the fixed image's range
};

inline Scene makeScene(std::mt19937_64& rng) {
  Scene s;
  const Grid fg = randomObliqueGrid(rng, {13, 11, 17}, 0.9, 1.4, 0.4, {0, 0, 0});
  const Grid mg = randomObliqueGrid(rng, {15, 12, 14}, 1.0, 1.5, 0.3, {0.5, -0.5, 0.3});
  const SmoothField fs(rng, {0, 0, 0}, 16.0), ms(rng, {0, 0, 0}, 16.0);
  s.fixed = sampleImage(fg, fs);
  for (float& v : s.fixed.data) v += float(uniform(rng, -2, 2));  // local variance for CC everywhere
  s.moving = sampleImage(mg, ms);
  // Every slice holds the image's extreme values, so each rank's own slices have the whole image's
  // range: a rank alone (SelfComm) then bins MI and thresholds CC's flat windows as the whole does.
  const auto [mn, mx] = std::minmax_element(s.fixed.data.begin(), s.fixed.data.end());
  s.lo = *mn;
  s.hi = *mx;
  for (int64_t k = 0; k < fg.size[2]; ++k) {
    s.fixed.at(0, 0, k) = float(s.lo);
    s.fixed.at(1, 0, k) = float(s.hi);
  }
  s.fixedMask = Mask(fg, 1);
  for (uint8_t& m : s.fixedMask.data) m = uniform(rng, 0, 1) < 0.15 ? 0 : 1;
  s.u = randomField(rng, fg, 0.6);
  s.A = randomAffine(rng, fg.centre(), 0.08, 0.05, 1.0);
  return s;
}

inline Grid slabGridOf(const Grid& whole, int rank) { return SlabLayout(whole, kRanks).haloSlabGrid(rank, kHalo); }

template <class T>
Volume<T> cutFor(const Volume<T>& whole, int rank) {
  return cutSlab(whole, slabGridOf(whole.grid, rank));
}

// Sets every halo slice (not owned) of a host slab buffer to `value`: stale data no reduction may see.
template <class T>
void poisonHalo(Volume<T>& v, const T& value) {
  const int64_t plane = v.grid.size[0] * v.grid.size[1];
  for (int64_t k = 0; k < v.grid.size[2]; ++k)
    if (k < v.grid.ownedBegin() || k >= v.grid.ownedEnd())
      std::fill(v.data.begin() + k * plane, v.data.begin() + (k + 1) * plane, value);
  v.device.reset();  // a GPU backend would otherwise take its device copy as current
}

// A random field (0.25 mm) made five times weaker in the last rank's own slices, so that rank alone
// would stop an inversion's sweeps sooner than the whole field does.
inline Field fieldWeakInLastRank(std::mt19937_64& rng, const Grid& grid) {
  Field u = randomField(rng, grid, 0.25);
  const SliceRange last = SlabLayout(grid, kRanks).own(kRanks - 1);
  for (int64_t n = last.begin * grid.size[0] * grid.size[1]; n < u.voxels(); ++n)
    for (float& c : u.data[size_t(n)]) c *= 0.2f;
  return u;
}

// Halo slices two or more away from the own ones (which own voxels never read, as |u| < 1 voxel) get
// a field that does not contract: if their updates counted, the sweeps would not stop early.
inline void makeFarHaloWild(Field& slab, int rank) {
  const int64_t plane = slab.grid.size[0] * slab.grid.size[1];
  std::uniform_real_distribution<float> wild(-3.0f, 3.0f);
  std::mt19937_64 local(uint64_t(rank) + 1);
  for (int64_t k = 0; k < slab.grid.size[2]; ++k)
    if (k < slab.grid.ownedBegin() - 1 || k > slab.grid.ownedEnd())
      for (int64_t n = 0; n < plane; ++n) slab.data[size_t(k * plane + n)] = {wild(local), wild(local), wild(local)};
}

inline double largestAbs(const AffineGradient& g) {
  double m = 0;
  for (double x : g) m = std::max(m, std::abs(x));
  return m;
}

// An affine metric evaluated per rank (SelfComm), combined by hand: N = sum N_r, and since value and
// gradient are (sum over voxels) / N_r on each rank, value = sum value_r N_r / N and likewise for
// the gradient.
struct Combined {
  int64_t valid = 0;
  double value = 0;
  AffineGradient gradient{};
};

inline Combined combineByCount(const std::vector<AffineMetricEval>& parts) {
  Combined c;
  for (const AffineMetricEval& p : parts) c.valid += p.validVoxels;
  for (const AffineMetricEval& p : parts) {
    const double w = double(p.validVoxels) / double(c.valid);
    c.value += p.value * w;
    for (int n = 0; n < 12; ++n) c.gradient[size_t(n)] += p.gradient[size_t(n)] * w;
  }
  return c;
}

inline void requireSameAffineEval(const Combined& slabs, const AffineMetricEval& whole) {
  REQUIRE(whole.validVoxels > 100);
  REQUIRE(slabs.valid == whole.validVoxels);
  REQUIRE(slabs.value == Approx(whole.value).epsilon(1e-11));
  const double scale = largestAbs(whole.gradient);
  REQUIRE(scale > 0);
  for (int n = 0; n < 12; ++n) REQUIRE(std::abs(slabs.gradient[size_t(n)] - whole.gradient[size_t(n)]) <= 1e-9 * scale);
}

// ---- Checks any backend must pass: the whole scene's metric against the ranks' slab metrics
// (one SelfComm call per rank) recombined by valid count.

// The affine metric with `ms`; `withMask`: the fixed mask, cut like the image; `poison`: the halos
// filled with wrong values first (for metrics whose voxels read only themselves).
inline void requireAffineMetricAddsUp(Backend& backend, const Scene& s, const MetricSettings& ms, bool withMask,
                                      bool poison) {
  const Mask* wholeMask = withMask ? &s.fixedMask : nullptr;
  const AffineMetricEval whole = backend.affineMetric(s.fixed, s.moving, wholeMask, nullptr, s.A, ms, true);
  std::vector<AffineMetricEval> parts;
  for (int r = 0; r < kRanks; ++r) {
    Image f = cutFor(s.fixed, r);
    if (poison) poisonHalo(f, float(s.hi));
    const Mask fm = cutFor(s.fixedMask, r);
    parts.push_back(backend.affineMetric(f, s.moving, withMask ? &fm : nullptr, nullptr, s.A, ms, true));
  }
  requireSameAffineEval(combineByCount(parts), whole);
}

// The ranks' own slices of their gradients, each scaled by its rank's share of the valid voxels,
// equal the whole gradient there (1e-5 of its largest vector).
// Mean squares, CC (radius 1) and a sampled subset of mean squares, each as its own SECTION: the
// affine metric over the scene's slabs adds up to the whole metric (requireAffineMetricAddsUp).
inline void requireAffineMetricSectionsAddUp(Backend& backend, const Scene& s) {
  SECTION("mean squares") {
    requireAffineMetricAddsUp(backend, s, MetricSettings{MetricKind::MeanSquares, 0, 0, 1.0}, true, true);
  }
  SECTION("local correlation, radius 1") {  // no poison: the windows of owned voxels read the halo
    requireAffineMetricAddsUp(backend, s, MetricSettings{MetricKind::CC, 1, 0, 1.0}, true, false);
  }
  SECTION("a sampled subset (fraction 0.3) is the same voxels however the grid is split") {
    MetricSettings all{MetricKind::MeanSquares, 0, 0, 1.0}, some{MetricKind::MeanSquares, 0, 0, 0.3};
    const AffineMetricEval full = backend.affineMetric(s.fixed, s.moving, nullptr, nullptr, s.A, all, false);
    const AffineMetricEval whole = backend.affineMetric(s.fixed, s.moving, nullptr, nullptr, s.A, some, true);
    REQUIRE(double(whole.validVoxels) > 0.2 * double(full.validVoxels));
    REQUIRE(double(whole.validVoxels) < 0.4 * double(full.validVoxels));
    requireAffineMetricAddsUp(backend, s, some, false, true);
  }
}

inline void requireSameFieldGradient(const Field& whole, const std::vector<Field>& parts,
                                     const std::vector<double>& weight) {
  double scale = 0;
  for (const Vec3f& g : whole.data) scale = std::max(scale, norm(asVec3(g)));
  REQUIRE(scale > 0);
  const int64_t plane = whole.grid.size[0] * whole.grid.size[1];
  double worst = 0;
  for (int r = 0; r < kRanks; ++r) {
    const Field& g = parts[size_t(r)];
    REQUIRE(g.onHost());
    for (int64_t k = g.grid.ownedBegin(); k < g.grid.ownedEnd(); ++k)
      for (int64_t n = 0; n < plane; ++n) {
        const Vec3f& a = g.data[size_t(k * plane + n)];
        const Vec3f& b = whole.data[size_t((k + g.grid.slab.firstSlice) * plane + n)];
        for (int c = 0; c < 3; ++c) worst = std::max(worst, std::abs(double(a[c]) * weight[size_t(r)] - double(b[c])));
      }
  }
  REQUIRE(worst <= 1e-5 * scale);
}

// Voxels of the ranks' own slices whose gradient differs in any bit from the whole gradient's.
inline int64_t ownSlicesMismatch(const Field& whole, const std::vector<Field>& parts) {
  const int64_t plane = whole.grid.size[0] * whole.grid.size[1];
  int64_t bad = 0;
  for (const Field& g : parts)
    for (int64_t k = g.grid.ownedBegin(); k < g.grid.ownedEnd(); ++k)
      for (int64_t n = 0; n < plane; ++n)
        bad += g.data[size_t(k * plane + n)] != whole.data[size_t((k + g.grid.slab.firstSlice) * plane + n)];
  return bad;
}

// The field metric with `ms` (value, valid count and gradient) under the scene's mask; halos poisoned
// unless the metric is a stencil (CC reads its neighbours' halo values).
inline void requireFieldMetricAddsUp(Backend& backend, const Scene& s, const MetricSettings& ms) {
  const bool stencil = ms.kind == MetricKind::CC;
  INFO("metric kind " << int(ms.kind) << ", sampling " << ms.samplingFraction);
  Field wholeGradient;
  const FieldMetricEval whole =
      backend.fieldMetric(s.fixed, s.moving, &s.fixedMask, nullptr, s.A, s.u, ms, &wholeGradient);
  backend.toHost(wholeGradient);
  std::vector<Field> gradients(kRanks);
  std::vector<double> weight(kRanks);
  int64_t validSum = 0;
  double weightedValue = 0;
  for (int r = 0; r < kRanks; ++r) {
    Image f = cutFor(s.fixed, r);
    Field u = cutFor(s.u, r);
    if (!stencil) {  // each voxel reads only itself: stale halos must not count
      poisonHalo(f, float(s.hi));
      poisonHalo(u, Vec3f{4, -4, 4});
    }
    const Mask fm = cutFor(s.fixedMask, r);
    const FieldMetricEval e = backend.fieldMetric(f, s.moving, &fm, nullptr, s.A, u, ms, &gradients[size_t(r)]);
    backend.toHost(gradients[size_t(r)]);
    weight[size_t(r)] = double(e.validVoxels) / double(whole.validVoxels);
    validSum += e.validVoxels;
    weightedValue += e.value * double(e.validVoxels);
  }
  REQUIRE(whole.validVoxels > 100);
  REQUIRE(validSum == whole.validVoxels);
  REQUIRE(weightedValue / double(validSum) == Approx(whole.value).epsilon(1e-11));
  requireSameFieldGradient(wholeGradient, gradients, weight);
}

// Field maxima (maxNorm, the Adam moments' max |v| and the direction's max norm) over kRanks slab
// buffers with poisoned halos equal the whole field's, exactly (maxima involve no rounding).
inline void requireFieldMaximaCountOwnSlices(Backend& backend, std::mt19937_64& rng) {
  const Scene s = makeScene(rng);
  const Grid& grid = s.u.grid;
  Field m = randomField(rng, grid, 0.3), v(grid), g = randomField(rng, grid, 1.0);
  for (Vec3f& x : v.data) x = {float(uniform(rng, 0, 0.2)), float(uniform(rng, 0, 0.2)), float(uniform(rng, 0, 0.2))};
  const double c1 = 0.4, c2 = 0.1, eps = 1e-3;

  Field mWhole = m, vWhole = v;
  const double normWhole = backend.maxNorm(s.u);
  const double momentsWhole = backend.adamMoments(mWhole, vWhole, g, 0.7, 0.9, 0.999);
  const double directionWhole = backend.adamDirectionMaxNorm(mWhole, vWhole, c1, c2, eps);

  double normSlabs = 0, momentsSlabs = 0, directionSlabs = 0;
  for (int r = 0; r < kRanks; ++r) {
    Field u = cutFor(s.u, r), mr = cutFor(m, r), vr = cutFor(v, r);
    poisonHalo(u, Vec3f{100, 100, 100});
    poisonHalo(vr, Vec3f{50, 50, 50});
    normSlabs = std::max(normSlabs, backend.maxNorm(u));
    momentsSlabs = std::max(momentsSlabs, backend.adamMoments(mr, vr, cutFor(g, r), 0.7, 0.9, 0.999));
    backend.toHost(mr);  // a GPU backend's moments live on the device: poison the host copy, then upload it
    backend.toHost(vr);
    poisonHalo(mr, Vec3f{1e3f, 1e3f, 1e3f});
    vr.device.reset();  // its host copy is current (toHost above)
    directionSlabs = std::max(directionSlabs, backend.adamDirectionMaxNorm(mr, vr, c1, c2, eps));
  }
  REQUIRE(normWhole > 0.5);
  REQUIRE(normSlabs == normWhole);  // maxima are exact
  REQUIRE(momentsSlabs == momentsWhole);
  REQUIRE(directionSlabs == directionWhole);
}

}  // namespace ffdp::test
