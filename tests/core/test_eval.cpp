#include <catch2/catch.hpp>

#include "eval/image_difference.hpp"
#include "eval/label_overlap.hpp"
#include "eval/transform_difference.hpp"

using namespace ffdp;

namespace {
Grid smallGrid() {
  Grid g;
  g.size = {4, 3, 2};
  return g;
}
}  // namespace

TEST_CASE("Dice per label counts by hand", "[eval]") {
  Image ref(smallGrid()), test(smallGrid());
  // reference: label 1 in voxels 0-5, label 2 in voxels 6-9; test: label 1 in 2-7, label 7 in 20
  for (int v = 0; v < 6; ++v) ref.data[v] = 1;
  for (int v = 6; v < 10; ++v) ref.data[v] = 2;
  for (int v = 2; v < 8; ++v) test.data[v] = 1;
  test.data[20] = 7;
  const OverlapTable t = labelOverlap(ref, test);
  REQUIRE(t.labels.size() == 2);
  CHECK(t.labels.at(1).dice() == Approx(2.0 * 4 / (6 + 6)));
  CHECK(t.labels.at(2).dice() == Approx(0.0));
  CHECK(t.meanDice() == Approx((8.0 / 12 + 0) / 2));
  CHECK(t.labelsOnlyInTest == 1);
}

TEST_CASE("difference statistics by hand", "[eval]") {
  Image a(smallGrid()), b(smallGrid());
  for (size_t v = 0; v < a.data.size(); ++v) a.data[v] = float(v), b.data[v] = float(v) + (v == 3 ? 2.f : 0.f);
  const DifferenceStats s = imageDifference(a, b, nullptr);
  CHECK(s.voxels == 24);
  CHECK(s.maxAbs == Approx(2));
  CHECK(s.meanAbs == Approx(2.0 / 24));
  CHECK(s.rms == Approx(std::sqrt(4.0 / 24)));
  Mask m(smallGrid(), 0);
  m.data[3] = 1;
  m.data[4] = 1;
  CHECK(imageDifference(a, b, &m).voxels == 2);
}

TEST_CASE("transform difference of a pure translation and a rotation", "[eval]") {
  Grid g;
  g.size = {5, 5, 5};
  Affine a = Affine::identity(), b = Affine::identity();
  b.t = {3, 4, 0};
  TransformDifference d = transformDifference(a, b, g, nullptr);
  CHECK(d.meanMm == Approx(5));
  CHECK(d.maxMm == Approx(5));
  CHECK(d.rotationDeg == Approx(0).margin(1e-9));
  b = Affine::identity();
  b.M = rotationFromVector({0, 0, 10 * M_PI / 180});
  d = transformDifference(a, b, g, nullptr);
  CHECK(d.rotationDeg == Approx(10));
}
