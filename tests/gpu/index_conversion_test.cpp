// The device's index conversions (core/index_conversion.hpp) against the host's casts: every
// sampling kernel relies on them giving the same values, so that GPU and CPU agree to the bit.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "core/index_conversion.hpp"
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

// The float twins that composition's per-voxel maths uses (field_sampling.cuh, floatAxis), bit for
// bit against the host's casts and floorf, the sign of a zero included (the weight c - floor(c)
// takes it).
TEST_CASE("GPU small index conversions equal the host's casts and floorf", "[gpu][index]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu small index conversions");
  constexpr int32_t kLimit = int32_t(kSmallIndexLimit);
  std::vector<int32_t> integers = {0, 1, -1, 2, 717, kLimit, -kLimit, kLimit - 1, -kLimit + 1};
  std::uniform_int_distribution<int32_t> anyIndex(-kLimit, kLimit), voxel(0, 5000);
  for (int n = 0; n < 100000; ++n) integers.push_back(n % 2 ? anyIndex(rng) : voxel(rng));

  const float below = std::nextafter(float(kLimit), 0.0f);  // the largest magnitude below 2^22
  std::vector<float> reals = {0.0f, -0.0f, 0.5f, -0.5f, 1.0f, -1.0f, 1e-30f, -1e-30f, 1e-45f, -1e-45f,
                              0.99999994f, -1e-6f, 717.0f + 1e-4f, below, -below, below - 0.5f, -below + 0.5f};
  std::uniform_real_distribution<float> wide(-below, below), near(-3.0f, 3000.0f);
  for (int n = 0; n < 100000; ++n) {
    reals.push_back(n % 2 ? wide(rng) : near(rng));
    if (n % 7 == 0) reals.push_back(std::nextafter(std::floor(reals.back()), -1e30f));  // just below an integer
  }

  const cuda::SmallIndexConversions got = cuda::smallIndexConversionsOnDevice(integers, reals);
  int64_t wrongFloats = 0, wrongValues = 0, wrongIndices = 0;
  for (size_t n = 0; n < integers.size(); ++n) wrongFloats += got.asFloat[n] != float(integers[n]);
  for (size_t n = 0; n < reals.size(); ++n) {
    const float expected = std::floor(reals[n]);
    wrongValues += std::memcmp(&got.flooredValue[n], &expected, sizeof(float)) != 0;  // -0 is not +0 here
    wrongIndices += got.flooredIndex[n] != int32_t(expected);
  }
  REQUIRE(wrongFloats == 0);
  REQUIRE(wrongValues == 0);
  REQUIRE(wrongIndices == 0);
}
