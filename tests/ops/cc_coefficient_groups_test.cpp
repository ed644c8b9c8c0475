// The rule that splits LNCC's gradient coefficients into groups of z-slices on the GPU
// (ops/cc_coefficient_groups.hpp); the GPU test tests/gpu/metric_field_test.cpp checks that groups give
// the same bits as one.
#include <catch2/catch.hpp>

#include "ops/cc_coefficient_groups.hpp"

using namespace ffdp;

TEST_CASE("LNCC coefficient groups: whole multiples of 32 slices, at least 128, within the budget", "[ops][cc]") {
  // A grid within the budget is one group, whatever its shape.
  CHECK(ccGroupSlices(100, 100, 500, 100 * 100 * 500) == 500);
  CHECK(ccGroupSlices(512, 512, 200) == 200);
  CHECK(ccCoefficientSlices(512, 512, 200, 4) == 200);
  // Over it: the most whole multiples of 32 slices that fit, never fewer than the minimum.
  CHECK(ccGroupSlices(100, 100, 500, 100 * 100 * 100, 32) == 96);
  CHECK(ccGroupSlices(100, 100, 500, 100 * 100 * 20, 32) == 32);
  CHECK(ccGroupSlices(100, 100, 500, 100 * 100 * 100) == 128);
  CHECK(ccGroupSlices(100, 100, 500, 100 * 100 * 300) == 288);
  // Held at once: a group and r slices either side, at most the grid.
  CHECK(ccHeldSlices(96, 500, 4) == 104);
  CHECK(ccHeldSlices(32, 33, 4) == 33);
  CHECK(ccHeldSlices(500, 500, 4) == 500);
  // The default: 2^26 voxels, at least 128 slices. The 3.7 G benchmark's 1364 x 1760 slices: 128 + 2r.
  CHECK(ccGroupSlices(1364, 1760, 1540) == 128);
  CHECK(ccCoefficientSlices(1364, 1760, 1540, 2) == 132);
  // 256 x 256 slices: 1024 of them fit in 2^26 voxels.
  CHECK(ccGroupSlices(256, 256, 3000) == 1024);
}
