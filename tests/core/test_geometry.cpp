#include <catch2/catch.hpp>
#include <random>

#include "core/affine.hpp"
#include "core/grid.hpp"

using namespace ffdp;

namespace {
std::mt19937 rng(std::random_device{}());
double uniform(double a, double b) { return std::uniform_real_distribution<double>(a, b)(rng); }
Vec3 randomVec(double s) { return {uniform(-s, s), uniform(-s, s), uniform(-s, s)}; }
Affine randomAffine() {
  Affine a;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) a.M.m[i][j] = (i == j ? 1.0 : 0.0) + uniform(-0.3, 0.3);
  a.t = randomVec(20);
  a.c = randomVec(50);
  return a;
}
double maxDiff(const Vec3& a, const Vec3& b) {
  return std::max({std::abs(a[0] - b[0]), std::abs(a[1] - b[1]), std::abs(a[2] - b[2])});
}
}  // namespace

TEST_CASE("rotation vector and matrix are inverse maps, including near 0 and pi", "[core]") {
  for (double angle : {1e-10, 1e-3, 0.5, 2.0, M_PI - 1e-4}) {
    Vec3 axis = randomVec(1);
    axis = (1.0 / norm(axis)) * axis;
    const Vec3 w = angle * axis;
    const Mat3 R = rotationFromVector(w);
    CHECK(R.determinant() == Approx(1.0).margin(1e-12));
    const Mat3 RtR = R.transposed() * R;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) CHECK(RtR.m[i][j] == Approx(i == j ? 1.0 : 0.0).margin(1e-12));
    CHECK(maxDiff(rotationVector(R), w) < 1e-6);
  }
}

TEST_CASE("nearestRotation of a perturbed rotation returns the rotation", "[core]") {
  const Mat3 R = rotationFromVector({0.3, -0.2, 0.5});
  Mat3 noisy = R;
  noisy.m[0][1] += 1e-4;
  noisy.m[2][0] -= 1e-4;
  const Mat3 Q = nearestRotation(noisy);
  CHECK(Q.determinant() == Approx(1.0).margin(1e-12));
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) CHECK(Q.m[i][j] == Approx(R.m[i][j]).margin(2e-4));
}

TEST_CASE("affine inverse, composition and re-centring keep the map", "[core]") {
  for (int trial = 0; trial < 20; ++trial) {
    const Affine a = randomAffine(), b = randomAffine();
    const Vec3 x = randomVec(100);
    CHECK(maxDiff(a.inverse().apply(a.apply(x)), x) < 1e-9);
    CHECK(maxDiff(a.compose(b).apply(x), a.apply(b.apply(x))) < 1e-9);
    CHECK(maxDiff(a.withCentre(randomVec(30)).apply(x), a.apply(x)) < 1e-9);
  }
}

TEST_CASE("grid index and physical maps are inverse, with an oblique direction", "[core]") {
  Grid g;
  g.size = {30, 20, 10};
  g.spacing = {0.9, 1.1, 2.5};
  g.origin = {-12, 40, 7};
  g.direction = rotationFromVector({0.2, 0.4, -0.1});
  const Vec3 index{3.5, 7.25, 9};
  CHECK(maxDiff(g.physicalToIndex(g.indexToPhysical(index)), index) < 1e-10);
  // Index i moves along the first column of D scaled by spacing[0].
  const Vec3 step = g.indexToPhysical({1, 0, 0}) - g.indexToPhysical({0, 0, 0});
  CHECK(norm(step) == Approx(0.9));
}

TEST_CASE("a shrunk grid covers the same physical extent", "[core]") {
  Grid g;
  g.size = {31, 20, 9};
  g.spacing = {1, 2, 3};
  g.origin = {5, -3, 2};
  g.direction = rotationFromVector({0.1, 0, 0.3});
  const Grid s = g.shrunk({4, 4, 4});
  CHECK(s.size == std::array<int64_t, 3>{8, 5, 3});
  // The outer corners of the first and of the last voxel coincide.
  const Vec3 first{-0.5, -0.5, -0.5};
  const Vec3 last{g.size[0] - 0.5, g.size[1] - 0.5, g.size[2] - 0.5};
  const Vec3 lastS{s.size[0] - 0.5, s.size[1] - 0.5, s.size[2] - 0.5};
  CHECK(maxDiff(g.indexToPhysical(first), s.indexToPhysical(first)) < 1e-9);
  CHECK(maxDiff(g.indexToPhysical(last), s.indexToPhysical(lastS)) < 1e-9);
  CHECK(g.centre()[0] == Approx(s.centre()[0]));
}
