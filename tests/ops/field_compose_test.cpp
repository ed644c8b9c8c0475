// composeFields: r(x) = g(x) + u(x + g(x)), "first g, then u", u sampled trilinearly with edge
// clamping, checked against a first-principles evaluation and against the maps it composes.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "field_test_support.hpp"
#include "ops/backend.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/field_sampling.hpp"

// The sampler's 8-lane vectors are compiled here without AVX (lib/ops has it); they stay inside
// this file (float_lanes.hpp), so the calling-convention note does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("composeFields equals g(x) + u(x + g(x)) evaluated from first principles", "[ops][field][compose]") {
  auto rng = seededRng("compose direct");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  for (int trial = 0; trial < 3; ++trial) {
    const Grid g = randomObliqueGrid(rng, {14, 12, 9}, 0.7, 1.6, 0.6, {10, -5, 3});
    // Rough fields with steps of several voxels: many x + g(x) fall beyond the grid (edge clamp).
    const Field u = randomField(rng, g, 4.0), gf = randomField(rng, g, 4.0);
    const Field r = backend->composeFields(u, gf);
    REQUIRE(r.grid.sameAs(g));
    int64_t clamped = 0;
    double worst = 0;
    for (int64_t k = 0; k < g.size[2]; ++k)
      for (int64_t j = 0; j < g.size[1]; ++j)
        for (int64_t i = 0; i < g.size[0]; ++i) {
          const Vec3 x = voxelPoint(g, i, j, k);
          const Vec3 gx = asVec3(gf.at(i, j, k));
          if (!insideBy(g, x + gx, 0.0)) ++clamped;
          const Vec3 expected = gx + referenceSample(u, x + gx);
          worst = std::max(worst, norm(asVec3(r.at(i, j, k)) - expected));
        }
    INFO("points beyond the grid: " << clamped);
    REQUIRE(clamped > 100);
    REQUIRE(worst < 1e-5);  // values of a few mm stored as float
  }
}

TEST_CASE("composing with the zero field is the identity, bit for bit", "[ops][field][compose]") {
  auto rng = seededRng("compose zero");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {11, 13, 7}, 0.6, 1.8, 0.7, {0, 3, -8});
  const Field u = randomField(rng, g, 5.0), zero(g);
  REQUIRE(backend->composeFields(u, zero).data == u.data);  // u sampled at its own voxels
  REQUIRE(backend->composeFields(zero, u).data == u.data);  // g + 0
}

TEST_CASE("composing two translations adds them", "[ops][field][compose]") {
  auto rng = seededRng("compose translations");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {9, 10, 8}, 0.7, 1.5, 0.8, {4, 4, 4});
  for (int trial = 0; trial < 5; ++trial) {
    // Up to 20 mm: far beyond the grid for some voxels, where the clamped field is still constant.
    const Vec3f a{float(uniform(rng, -20, 20)), float(uniform(rng, -20, 20)), float(uniform(rng, -20, 20))};
    const Vec3f b{float(uniform(rng, -3, 3)), float(uniform(rng, -3, 3)), float(uniform(rng, -3, 3))};
    const Field r = backend->composeFields(Field(g, a), Field(g, b));
    for (const Vec3f& v : r.data)
      for (int c = 0; c < 3; ++c) REQUIRE(v[c] == Approx(double(a[c]) + double(b[c])).margin(1e-5));
  }
}

TEST_CASE("for smooth fields, x + r(x) is the u-map applied after the g-map", "[ops][field][compose]") {
  auto rng = seededRng("compose smooth maps");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {24, 22, 18}, 0.8, 1.4, 0.6, {-6, 2, 11});
  const SmoothVectorField uMap(rng, g, 0.25), gMap(rng, g, 0.25);
  const Field u = sampleField(g, uMap), gf = sampleField(g, gMap);
  const Field r = backend->composeFields(u, gf);
  // Beyond float rounding, r differs from the analytic composition by u's interpolation error.
  const double tolerance = trilinearErrorBound(g, uMap) + 1e-5;
  int64_t checked = 0;
  double worst = 0;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Vec3 x = voxelPoint(g, i, j, k);
        const Vec3 y = x + gMap(x);           // the g-map
        if (!insideBy(g, y, 0.0)) continue;  // beyond the grid the stored u is clamped, not uMap
        const Vec3 z = y + uMap(y);           // then the u-map
        worst = std::max(worst, norm(x + asVec3(r.at(i, j, k)) - z));
        ++checked;
      }
  INFO("worst " << worst << " mm, tolerance " << tolerance << " mm");
  REQUIRE(checked > g.voxels() / 2);
  REQUIRE(worst < tolerance);
  REQUIRE(tolerance < 0.2);  // the bound itself is meaningful: a fraction of a voxel
}

TEST_CASE("composeFields refuses fields on different grids", "[ops][field][compose]") {
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  Grid a, b;
  a.size = b.size = {4, 4, 4};
  b.spacing = {1, 1, 2};
  REQUIRE_THROWS_AS(backend->composeFields(Field(a), Field(b)), Error);
}

TEST_CASE("the 8-voxel and the one-voxel sampling paths give the same bits, edges and NaN included",
          "[ops][field][compose]") {
  auto rng = seededRng("sampling paths");
  // 13 voxels per row: one full group of 8 and a partial one; steps of up to 4 voxels reach past
  // every face, so both clamps and the last voxel's three-float reads are exercised.
  const Grid g = randomObliqueGrid(rng, {13, 9, 6}, 0.8, 1.3, 0.5, {0, 0, 0});
  const Field u = randomField(rng, g, 3.0), steps = randomField(rng, g, 5.0);
  const cpu::FieldStepSampler sampler(u);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  int64_t compared = 0, clamped = 0;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j) {
      std::vector<cpu::Lanes4> batched(size_t(g.size[0]));
      auto stepAt = [&](int64_t i, bool) {
        const Vec3f& s = steps.at(i, j, k);
        return i == 5 && j == 3 ? cpu::Lanes4{nan, s[1], s[2], 0.0f} : cpu::Lanes4{s[0], s[1], s[2], 0.0f};
      };
      auto keep = [&](int64_t i, cpu::Lanes4, cpu::Lanes4 sampled) { batched[size_t(i)] = sampled; };
      sampler.row(j, k, stepAt, keep);
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const cpu::Lanes4 s = stepAt(i, false);
        const cpu::Lanes4 single = sampler.at(i, j, k, sampler.toIndex()(s));
        for (int c = 0; c < 3; ++c) REQUIRE(std::memcmp(&single[c], &batched[size_t(i)][c], sizeof(float)) == 0);
        // Against the first-principles evaluation (a NaN step clamps to the first voxel centre).
        if (std::isnan(s[0])) continue;
        const Vec3 x = voxelPoint(g, i, j, k), p = x + Vec3{s[0], s[1], s[2]};
        if (!insideBy(g, p, 0.0)) ++clamped;
        const Vec3 expected = referenceSample(u, p);
        for (int c = 0; c < 3; ++c) REQUIRE(batched[size_t(i)][c] == Approx(expected[c]).margin(1e-5));
        ++compared;
      }
    }
  REQUIRE(compared == g.voxels() - g.size[2]);
  REQUIRE(clamped > 100);
}

TEST_CASE("composeFields is bit-identical for 1, 2 and 3 threads", "[ops][field][compose][determinism]") {
  auto rng = seededRng("compose determinism");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {17, 12, 10}, 0.8, 1.4, 0.5, {1, 1, 1});
  const Field u = randomField(rng, g, 3.0), gf = randomField(rng, g, 3.0);
  Field r[3];
  for (int t = 1; t <= 3; ++t) {
    ThreadCount threads(t);
    r[t - 1] = backend->composeFields(u, gf);
  }
  REQUIRE(r[0].data == r[1].data);
  REQUIRE(r[0].data == r[2].data);
}
