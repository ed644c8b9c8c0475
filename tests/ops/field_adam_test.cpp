// The fast Adam passes of field_adam.hpp: checked against the Adam formulas evaluated here in
// double, against the unfused operations they replace (bit for bit where the arithmetic is the
// same), against the Backend's current implementation, and across thread counts.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "field_test_support.hpp"
#include "ops/backend.hpp"
#include "ops/cpu/field_adam.hpp"
#include "ops/cpu/field_ops.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

// The unfused operations the fused passes replace, written out as the reference: the direction
// stored as a field (float arithmetic as in field_adam.cpp), then scaled.
void unfusedAdamDirection(const Field& m, const Field& v, double c1, double c2, double epsilon, Field& d) {
  d = Field(m.grid);
  const float mScale = float(1 / c1), vScale = float(1 / c2), eps = float(epsilon);
  for (size_t x = 0; x < m.data.size(); ++x)
    for (int c = 0; c < 3; ++c) {
      const float vHat = std::max(v.data[x][c] * vScale, 0.0f);
      d.data[x][c] = m.data[x][c] * mScale / (std::sqrt(vHat) + eps);
    }
}

void scaleInPlace(Field& u, double a) {
  const float af = float(a);
  for (Vec3f& x : u.data)
    for (int c = 0; c < 3; ++c) x[c] *= af;
}

struct AdamState {
  Field m, v, g;
};

// Moments of a few steps' size and a gradient, on a grid whose rows are not a multiple of 8 long.
AdamState randomState(std::mt19937_64& rng, const Grid& grid) {
  AdamState s{randomField(rng, grid, 0.3), Field(grid), randomField(rng, grid, 1.0)};
  for (size_t n = 0; n < s.v.data.size(); ++n)
    for (int c = 0; c < 3; ++c) s.v.data[n][c] = float(uniform(rng, 0.0, 0.2));
  return s;
}

double largestNorm(const Field& f) {
  double largest = 0;
  for (const Vec3f& x : f.data) largest = std::max(largest, norm(asVec3(x)));
  return largest;
}

}  // namespace

TEST_CASE("updateAdamMoments follows the Adam formulas and returns max |v|", "[ops][field][adam]") {
  auto rng = seededRng("adam moments");
  SelfComm comm;
  const Grid grid = randomObliqueGrid(rng, {13, 7, 5}, 0.8, 1.3, 0.5, {0, 0, 0});
  const AdamState start = randomState(rng, grid);
  const double s = 0.7, b1 = 0.9, b2 = 0.999;
  AdamState fast = start;
  const double largest = cpu::updateAdamMoments(fast.m, fast.v, fast.g, s, b1, b2, comm);
  for (size_t n = 0; n < start.m.data.size(); ++n)
    for (int c = 0; c < 3; ++c) {
      const double gs = s * start.g.data[n][c];
      REQUIRE(fast.m.data[n][c] == Approx(b1 * start.m.data[n][c] + (1 - b1) * gs).margin(1e-6));
      REQUIRE(fast.v.data[n][c] == Approx(b2 * start.v.data[n][c] + (1 - b2) * gs * gs).margin(1e-7));
    }
  REQUIRE(largest == cpu::maxNorm(fast.v, comm));  // maxNorm's rule, bit for bit
  REQUIRE(largest == Approx(largestNorm(fast.v)).epsilon(1e-12));
  // The Backend's implementation agrees, and the thread count does not matter.
  auto backend = makeCpuBackend(comm);
  AdamState reference = start;
  REQUIRE(backend->adamMoments(reference.m, reference.v, reference.g, s, b1, b2) == Approx(largest).epsilon(1e-6));
  for (int threads = 2; threads <= 3; ++threads) {
    ThreadCount count(threads);
    AdamState again = start;
    REQUIRE(cpu::updateAdamMoments(again.m, again.v, again.g, s, b1, b2, comm) == largest);
    REQUIRE(again.m.data == fast.m.data);
    REQUIRE(again.v.data == fast.v.data);
  }
  // A NaN anywhere is reported.
  AdamState corrupt = start;
  corrupt.g.data[17][1] = std::numeric_limits<float>::quiet_NaN();
  REQUIRE(std::isnan(cpu::updateAdamMoments(corrupt.m, corrupt.v, corrupt.g, s, b1, b2, comm)));
}

TEST_CASE("largestAdamDirection is max |d| of the bias-corrected direction", "[ops][field][adam]") {
  auto rng = seededRng("adam direction");
  SelfComm comm;
  const Grid grid = randomObliqueGrid(rng, {19, 6, 4}, 0.8, 1.3, 0.5, {0, 0, 0});
  const AdamState st = randomState(rng, grid);
  const double c1 = 0.271, c2 = 0.002997, eps = 1e-3;
  const double largest = cpu::largestAdamDirection(st.m, st.v, c1, c2, eps, comm);
  Field d;
  unfusedAdamDirection(st.m, st.v, c1, c2, eps, d);  // the unfused operation: the same float arithmetic
  REQUIRE(largest == cpu::maxNorm(d, comm));
  double expected = 0;
  for (size_t n = 0; n < st.m.data.size(); ++n) {
    Vec3 dn;
    for (int c = 0; c < 3; ++c) dn[c] = (st.m.data[n][c] / c1) / (std::sqrt(st.v.data[n][c] / c2) + eps);
    expected = std::max(expected, norm(dn));
  }
  REQUIRE(largest == Approx(expected).epsilon(1e-5));
  auto backend = makeCpuBackend(comm);
  REQUIRE(backend->adamDirectionMaxNorm(st.m, st.v, c1, c2, eps) == Approx(largest).epsilon(1e-6));
  {
    ThreadCount threads(3);
    REQUIRE(cpu::largestAdamDirection(st.m, st.v, c1, c2, eps, comm) == largest);
  }
  AdamState corrupt = st;
  corrupt.v.data[40][2] = std::numeric_limits<float>::quiet_NaN();
  REQUIRE(std::isnan(cpu::largestAdamDirection(corrupt.m, corrupt.v, c1, c2, eps, comm)));
}

TEST_CASE("composeAdamDirection equals composing with the scaled direction, bit for bit", "[ops][field][adam]") {
  auto rng = seededRng("adam compose");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid grid = randomObliqueGrid(rng, {21, 9, 7}, 0.8, 1.3, 0.5, {0, 0, 0});
  const AdamState st = randomState(rng, grid);
  const Field u = sampleField(grid, SmoothVectorField(rng, grid, 0.3, {0.4, -0.2, 0.9}));
  const double c1 = 0.41, c2 = 0.004, eps = 2e-3;
  Field d;
  unfusedAdamDirection(st.m, st.v, c1, c2, eps, d);
  const double a = -0.8 / backend->maxNorm(d);  // the greedy step: largest step 0.8 mm
  scaleInPlace(d, a);
  const Field expected = backend->composeFields(u, d);
  Field out;
  cpu::composeAdamDirection(u, st.m, st.v, c1, c2, eps, a, out);
  REQUIRE(out.grid.sameAs(grid));
  REQUIRE(out.data == expected.data);
  // The Backend's implementation agrees up to its own rounding.
  Field reference;
  backend->composeAdamStep(u, st.m, st.v, c1, c2, eps, a, reference);
  for (size_t n = 0; n < out.data.size(); ++n)
    for (int c = 0; c < 3; ++c) REQUIRE(out.data[n][c] == Approx(reference.data[n][c]).margin(1e-5));
  Field field = u;
  REQUIRE_THROWS_AS(cpu::composeAdamDirection(field, st.m, st.v, c1, c2, eps, a, field), Error);  // out is u
}
