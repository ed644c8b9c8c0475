// The device's index conversions (core/index_conversion.hpp) against the host's casts: every
// sampling kernel relies on them giving the same values, so that GPU and CPU agree to the bit.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gpu_test_support.hpp"
#include "index_conversion_check.hpp"
#include "ops/ops_test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("GPU index conversions equal the host's casts over their whole range", "[gpu][index]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu index conversions");
  constexpr int64_t kLimit = int64_t(1) << 51;
  std::vector<int64_t> integers = {0, 1, -1, 2, 717, (int64_t(1) << 31) - 1, int64_t(1) << 31, (int64_t(1) << 32) + 5,
                                   kLimit, -kLimit, kLimit - 1, -kLimit + 1};
  std::uniform_int_distribution<int64_t> anyIndex(-kLimit, kLimit), voxel(0, 5000);
  for (int n = 0; n < 100000; ++n) integers.push_back(n % 2 ? anyIndex(rng) : voxel(rng));

  std::vector<double> reals = {0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 1e-300, -1e-300, 0.999999999999, -1e-6,
                               717.0 + 1e-6, 2147483647.5, -2147483648.5, double(kLimit) - 0.5, -double(kLimit)};
  std::uniform_real_distribution<double> wide(-double(kLimit), double(kLimit)), near(-3.0, 3000.0);
  for (int n = 0; n < 100000; ++n) {
    reals.push_back(n % 2 ? wide(rng) : near(rng));
    if (n % 7 == 0) reals.push_back(std::nextafter(std::floor(reals.back()), -1e300));  // just below an integer
  }

  const cuda::IndexConversions got = cuda::indexConversionsOnDevice(integers, reals);
  int64_t wrongDoubles = 0, wrongFloors = 0;
  for (size_t n = 0; n < integers.size(); ++n) wrongDoubles += got.asDouble[n] != double(integers[n]);
  for (size_t n = 0; n < reals.size(); ++n) wrongFloors += got.floored[n] != int64_t(std::floor(reals[n]));
  REQUIRE(wrongDoubles == 0);
  REQUIRE(wrongFloors == 0);
}
