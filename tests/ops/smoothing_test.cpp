// Gaussian pyramid smoothing and resampling, and the centre of mass.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "ops/backend.hpp"
#include "ops_test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("Gaussian smoothing keeps a constant image constant, borders included", "[ops][smooth]") {
  auto rng = seededRng("smooth constant");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {17, 13, 9}, 0.7, 1.5, 0.5, {0, 0, 0});
  const Image c(g, 7.25f);
  const Image out = backend->smoothAndResample(c, {1.3, 0.6, 2.2}, g);
  for (float v : out.data) REQUIRE(v == Approx(7.25).epsilon(1e-6));
}

TEST_CASE("Gaussian smoothing of a delta has the requested variance per axis", "[ops][smooth]") {
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  Grid g;
  g.size = {41, 45, 37};
  g.spacing = {0.8, 1.0, 2.5};  // sigma is in voxels, whatever the spacing
  Image delta(g, 0.0f);
  const int64_t ci = 20, cj = 22, ck = 18;
  delta.at(ci, cj, ck) = 1.0f;
  const Vec3 sigma{1.5, 2.5, 0.8};
  const Image out = backend->smoothAndResample(delta, sigma, g);
  double mass = 0, m1[3] = {0, 0, 0}, m2[3] = {0, 0, 0};
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const double v = out.at(i, j, k), d[3] = {double(i - ci), double(j - cj), double(k - ck)};
        mass += v;
        for (int a = 0; a < 3; ++a) {
          m1[a] += v * d[a];
          m2[a] += v * d[a] * d[a];
        }
      }
  REQUIRE(mass == Approx(1.0).epsilon(1e-5));
  for (int a = 0; a < 3; ++a) {
    INFO("axis " << a);
    REQUIRE(std::abs(m1[a]) < 1e-5);
    REQUIRE(m2[a] == Approx(sigma[a] * sigma[a]).epsilon(0.01));
  }
  // The kernel is separable: the peak equals the product of the 1-D peaks.
  double peak = 1;
  for (int a = 0; a < 3; ++a) {
    double s = 0;
    const int r = int(std::ceil(4 * sigma[a]));
    for (int t = -r; t <= r; ++t) s += std::exp(-0.5 * t * t / (sigma[a] * sigma[a]));
    peak /= s;
  }
  REQUIRE(out.at(ci, cj, ck) == Approx(peak).epsilon(1e-5));
}

TEST_CASE("smoothAndResample of a linear ramp onto a shrunk grid reproduces the ramp", "[ops][smooth]") {
  auto rng = seededRng("smooth ramp");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {40, 36, 30}, 0.7, 1.5, 0.6, {12, -4, 9});
  const Vec3 slope{uniform(rng, -2, 2), uniform(rng, -2, 2), uniform(rng, -2, 2)};
  const double offset = uniform(rng, -10, 10);
  // A ramp in physical space is a ramp in index space.
  const auto ramp = [&](const Vec3& p) { return offset + dot(slope, p - g.origin); };
  const Image in = sampleImage(g, ramp);
  for (const std::array<int, 3> shrink : {std::array<int, 3>{2, 2, 2}, std::array<int, 3>{3, 2, 4}}) {
    const Grid target = g.shrunk(shrink);
    const Vec3 sigma{0.5 * shrink[0], 0.5 * shrink[1], 0.5 * shrink[2]};
    const Image out = backend->smoothAndResample(in, sigma, target);
    REQUIRE(out.grid.sameAs(target));
    int64_t checked = 0;
    for (int64_t k = 0; k < target.size[2]; ++k)
      for (int64_t j = 0; j < target.size[1]; ++j)
        for (int64_t i = 0; i < target.size[0]; ++i) {
          const Vec3 p = target.indexToPhysical({double(i), double(j), double(k)});
          const Vec3 q = g.physicalToIndex(p);
          // Away from the border the truncated kernel is symmetric, so the ramp survives.
          bool interior = true;
          for (int a = 0; a < 3; ++a)
            interior &= q[a] >= std::ceil(4 * sigma[a]) && q[a] <= g.size[a] - 1 - std::ceil(4 * sigma[a]);
          if (!interior) continue;
          ++checked;
          REQUIRE(out.at(i, j, k) == Approx(ramp(p)).margin(2e-4 * (std::abs(ramp(p)) + 10)));
        }
    REQUIRE(checked > 20);
  }
}

TEST_CASE("centre of mass is the positive-intensity-weighted mean position", "[ops][com]") {
  auto rng = seededRng("centre of mass");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {12, 10, 8}, 0.7, 1.5, 0.8, {30, -20, 10});
  Image im(g, -5.0f);  // negative intensities count as zero
  im.at(3, 4, 5) = 1.0f;
  im.at(9, 1, 2) = 3.0f;
  const Vec3 expected = 0.25 * g.indexToPhysical({3, 4, 5}) + 0.75 * g.indexToPhysical({9, 1, 2});
  const Vec3 com = backend->centreOfMass(im);
  for (int a = 0; a < 3; ++a) REQUIRE(com[a] == Approx(expected[a]).margin(1e-9));
  const Image empty(g, -1.0f);
  try {
    backend->centreOfMass(empty);
    FAIL("an image without positive intensity has no centre of mass");
  } catch (const Error& e) {
    REQUIRE(e.code() == ExitCode::Input);
  }
}
