// The scene of the slab reduction tests (tests/ops/slab_reduction_test.cpp on the CPU backend,
// tests/gpu/slab_reduction_gpu_test.cpp on the CUDA one): whole volumes, their slab buffers for kRanks
// ranks with halo kHalo, and a per-rank affine metric recombined by hand.
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

}  // namespace ffdp::test
