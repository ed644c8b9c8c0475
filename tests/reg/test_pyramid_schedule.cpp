// Pyramid schedule: ANTs' one-factor-for-every-axis shrink (capped at the axis length) and sigma units.
#include <catch2/catch.hpp>

#include "reg/pyramid.hpp"

using namespace ffdp;

TEST_CASE("pyramid: the same shrink applies to every axis, never below one voxel", "[pyramid]") {
  Grid g;
  g.size = {200, 180, 3};
  CHECK(axisShrink(g, 4) == std::array<int, 3>{4, 4, 3});
  CHECK(g.shrunk(axisShrink(g, 4)).size == std::array<int64_t, 3>{50, 45, 1});
  CHECK(axisShrink(g, 1) == std::array<int, 3>{1, 1, 1});
}

TEST_CASE("pyramid: sigma in mm becomes voxels per axis by the image's spacing", "[pyramid]") {
  Grid g;
  g.spacing = {0.5, 1.0, 2.5};
  const Vec3 mm = sigmaInVoxels(g, 2.0, SigmaUnit::Millimetres);
  CHECK(mm[0] == Approx(4.0));
  CHECK(mm[1] == Approx(2.0));
  CHECK(mm[2] == Approx(0.8));
  const Vec3 vox = sigmaInVoxels(g, 2.0, SigmaUnit::Voxels);
  CHECK(vox == Vec3{2.0, 2.0, 2.0});
}
