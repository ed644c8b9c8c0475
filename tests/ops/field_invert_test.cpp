// invertField: v with x + v the inverse of x + u, by the fixed-point iteration v <- -u(y + v).
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "field_test_support.hpp"
#include "ops/backend.hpp"
#include "ops/cpu/field_ops.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("the inverse of a smooth field satisfies v(y) = -u(y + v(y)) and undoes u", "[ops][field][invert]") {
  auto rng = seededRng("invert smooth");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  for (int trial = 0; trial < 2; ++trial) {
    const Grid g = randomObliqueGrid(rng, {26, 22, 20}, 0.8, 1.5, 0.6, {3, -9, 14});
    // Displacements of a few mm (the constant shift moves some points beyond the grid).
    const Vec3 shift{uniform(rng, -1.5, 1.5), uniform(rng, -1.5, 1.5), uniform(rng, -1.5, 1.5)};
    const SmoothVectorField uMap(rng, g, 0.28, shift);
    const Field u = sampleField(g, uMap);
    const Field v = backend->invertField(u, 100, 1e-5);
    REQUIRE(v.grid.sameAs(g));
    REQUIRE(backend->maxNorm(v) > 1.0);  // not a trivially small field

    // The defining equation, everywhere (u edge-clamped beyond the grid), from first principles.
    double worstResidual = 0;
    for (int64_t k = 0; k < g.size[2]; ++k)
      for (int64_t j = 0; j < g.size[1]; ++j)
        for (int64_t i = 0; i < g.size[0]; ++i) {
          const Vec3 y = voxelPoint(g, i, j, k), vy = asVec3(v.at(i, j, k));
          worstResidual = std::max(worstResidual, norm(referenceSample(u, y + vy) + vy));
        }
    INFO("worst |u(y + v(y)) + v(y)| = " << worstResidual << " mm");
    REQUIRE(worstResidual < 1e-3);

    // (x + u) after (x + v) is the identity: compose(u, v) ~ 0; and (x + v) after (x + u) too,
    // up to the trilinear interpolation of v, in the interior where x + u(x) stays on the grid.
    const Field uAfterV = backend->composeFields(u, v), vAfterU = backend->composeFields(v, u);
    double worstRight = 0, worstLeft = 0;
    int64_t interior = 0;
    for (int64_t k = 0; k < g.size[2]; ++k)
      for (int64_t j = 0; j < g.size[1]; ++j)
        for (int64_t i = 0; i < g.size[0]; ++i) {
          const Vec3 x = voxelPoint(g, i, j, k);
          if (!insideBy(g, x, 1.0) || !insideBy(g, x + asVec3(u.at(i, j, k)), 1.0) ||
              !insideBy(g, x + asVec3(v.at(i, j, k)), 1.0))
            continue;
          ++interior;
          worstRight = std::max(worstRight, norm(asVec3(uAfterV.at(i, j, k))));
          worstLeft = std::max(worstLeft, norm(asVec3(vAfterU.at(i, j, k))));
        }
    INFO("interior voxels " << interior << ", |compose(u, v)| " << worstRight << ", |compose(v, u)| " << worstLeft);
    REQUIRE(interior > g.voxels() / 5);  // a random shift can push up to ~2/3 of a 26x22x20 grid off
    REQUIRE(worstRight < 1e-3);
    // v(x + u(x)) interpolates v between voxels. v = -u o (x + v) has v'' = -u''(I + v')^2 - u' v'',
    // so with |u'| <= 0.28 per entry v is at most about three times as curved as u: allow four.
    const double tolerance = 4 * trilinearErrorBound(g, uMap) + 1e-3;
    INFO("tolerance for compose(v, u): " << tolerance << " mm");
    REQUIRE(worstLeft < tolerance);
    REQUIRE(tolerance < 0.5);  // the bound itself means something: half a voxel at most
  }
}

TEST_CASE("the inverse of a constant field is its negative", "[ops][field][invert]") {
  auto rng = seededRng("invert constant");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {8, 9, 7}, 0.7, 1.6, 0.8, {1, 2, 3});
  const Vec3f c{float(uniform(rng, -6, 6)), float(uniform(rng, -6, 6)), float(uniform(rng, -6, 6))};
  const Field v = backend->invertField(Field(g, c), 10, 1e-6);
  for (const Vec3f& x : v.data)
    for (int a = 0; a < 3; ++a) REQUIRE(x[a] == -c[a]);
}

TEST_CASE("invertField stops after the given number of iterations", "[ops][field][invert]") {
  auto rng = seededRng("invert iterations");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {12, 10, 9}, 0.8, 1.3, 0.5, {0, 0, 0});
  const Field u = sampleField(g, SmoothVectorField(rng, g, 0.28, {0.5, -0.5, 0.3}));
  // No iteration: the first guess -u. One iteration: -u(y - u(y)), computed here.
  const Field v0 = backend->invertField(u, 0, 0.0);
  for (size_t n = 0; n < u.data.size(); ++n)
    for (int a = 0; a < 3; ++a) REQUIRE(v0.data[n][a] == -u.data[n][a]);
  const Field v1 = backend->invertField(u, 1, 0.0);
  double worst = 0, moved = 0;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Vec3 y = voxelPoint(g, i, j, k);
        const Vec3 expected = -1.0 * referenceSample(u, y - asVec3(u.at(i, j, k)));
        worst = std::max(worst, norm(asVec3(v1.at(i, j, k)) - expected));
        moved = std::max(moved, norm(asVec3(v1.at(i, j, k)) - asVec3(v0.at(i, j, k))));
      }
  REQUIRE(worst < 1e-5);
  REQUIRE(moved > 1e-3);  // the iteration did something
}

TEST_CASE("invertField stops at the first sweep whose largest update is below the tolerance",
          "[ops][field][invert]") {
  auto rng = seededRng("invert stopping");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {15, 13, 11}, 0.8, 1.3, 0.5, {0, 0, 0});
  const Field u = sampleField(g, SmoothVectorField(rng, g, 0.3, {0.8, -0.4, 0.6}));
  // The iterates v_n (n sweeps, no tolerance) and the largest update of each sweep, from outside.
  std::vector<Field> iterate{backend->invertField(u, 0, 0.0)};
  std::vector<double> largestUpdate{0.0};
  for (int n = 1; n <= 25; ++n) {
    iterate.push_back(backend->invertField(u, n, 0.0));
    double largest = 0;
    for (size_t x = 0; x < u.data.size(); ++x)
      largest = std::max(largest, norm(asVec3(iterate[size_t(n)].data[x]) - asVec3(iterate[size_t(n) - 1].data[x])));
    largestUpdate.push_back(largest);
  }
  REQUIRE(largestUpdate[25] < 1e-4);  // it converges
  for (const double tolerance : {3e-2, 1e-3, 1e-4}) {
    size_t expected = 1;
    while (!(largestUpdate[expected] < tolerance)) ++expected;
    INFO("tolerance " << tolerance << ": the update first drops below it at sweep " << expected);
    // Every voxel gets the same number of sweeps, so the result is that iterate bit for bit (away
    // from float ties between the update length and the tolerance, which random fields avoid).
    REQUIRE(expected > 1);
    REQUIRE(backend->invertField(u, 100, tolerance).data == iterate[expected].data);
  }
}

// A strong local expansion (u = 2 (x - c) exp(-|x - c|^2 / 2 s^2): the map expands 27-fold in volume
// at c and stays fold-free) makes the fixed-point sweeps oscillate there (du/dx = 2 I > 1); the
// Newton polish must bring every voxel's residual |v + u(y + v)| under the tolerance, and only the
// polish does (the sweeps alone leave a large residual, so this test can tell them apart).
TEST_CASE("invertField solves strong expansions that the fixed-point sweeps cannot", "[ops][field][invert]") {
  auto rng = seededRng("invert expansion");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {30, 28, 26}, 0.9, 1.2, 0.4, {0, 0, 0});
  const Vec3 c = voxelPoint(g, 15, 14, 13);
  const double s = 3.0;  // mm
  Field u(g);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Vec3 x = voxelPoint(g, i, j, k) - c;
        const double w = 2.0 * std::exp(-dot(x, x) / (2 * s * s));
        u.at(i, j, k) = {float(w * x[0]), float(w * x[1]), float(w * x[2])};
      }
  const auto worstResidual = [&](const Field& v) {
    double worst = 0;
    for (int64_t k = 0; k < g.size[2]; ++k)
      for (int64_t j = 0; j < g.size[1]; ++j)
        for (int64_t i = 0; i < g.size[0]; ++i) {
          const Vec3 y = voxelPoint(g, i, j, k), vy = asVec3(v.at(i, j, k));
          worst = std::max(worst, norm(referenceSample(u, y + vy) + vy));
        }
    return worst;
  };
  const double sweepsOnly = worstResidual(cpu::invertFieldSweeps(u, 50, 1e-4, comm));
  const double polished = worstResidual(backend->invertField(u, 50, 1e-4));
  INFO("worst residual: sweeps only " << sweepsOnly << " mm, with the Newton polish " << polished << " mm");
  REQUIRE(sweepsOnly > 0.1);
  REQUIRE(polished < 1e-3);
}
