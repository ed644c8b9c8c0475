// The CUDA affine metrics (cuda/metric_dispatch.hpp) against the CPU reference on fresh random
// inputs, with a bit-for-bit repeat.
// Error bounds: validVoxels equal; value within 1e-9 relative (+1e-12); each of the 12 gradient
// entries within 1e-7 of the largest |entry| of the CPU gradient (sums of per-voxel terms in
// double, added in another order; the terms cancel, so the bound is relative to the largest entry).
#include <catch2/catch.hpp>
#include <cstring>

#include "../ops/field_test_support.hpp"
#include "dist/comm.hpp"
#include "field_gpu_support.hpp"
#include "gpu_test_support.hpp"
#include "metric_dispatch.hpp"
#include "ops/cpu/cpu_ops.hpp"

namespace ffdp::test {
namespace {

AffineMetricEval cpuAffine(const Image& f, const Image& m, const Mask* fm, const Mask* mm, const Affine& A,
                           const MetricSettings& s) {
  SelfComm comm;
  const cpu::MetricInputs in{f, m, fm, mm, A, s};
  switch (s.kind) {
    case MetricKind::MeanSquares:
      return cpu::meanSquaresMetric(in, true, comm);
    case MetricKind::CC:
      return cpu::localCorrelationMetric(in, true, comm);
    case MetricKind::MI:
      return cpu::mutualInformationMetric(in, true, comm);
  }
  return {};
}

TEST_CASE("CUDA affine metrics equal the CPU reference (value and 12-parameter gradient)", "[gpu][metric][affine]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu affine metric");
  const MetricKind kind = GENERATE(MetricKind::CC, MetricKind::MI, MetricKind::MeanSquares);
  const bool masks = GENERATE(true, false);
  const Grid fg = randomObliqueGrid(rng, {45, 38, 70}, 0.8, 1.4, 0.35, {2, -1, 3});
  const Grid mg = randomObliqueGrid(rng, {41, 47, 62}, 0.9, 1.5, 0.35, {0, 1, 2});
  const SmoothField ff(rng, fg.centre(), 50), mf(rng, mg.centre(), 50);
  const Image fixed = sampleImage(fg, ff), moving = sampleImage(mg, mf);
  const Mask fmask = ellipsoidMask(fg, 0.92), mmask = ellipsoidMask(mg, 0.95);
  const Affine A = randomAffine(rng, fg.centre(), 0.12, 0.06, 3.0);
  MetricSettings s;
  s.kind = kind;
  s.radius = 2;
  s.samplingFraction = masks ? 1.0 : 0.6;
  INFO("metric " << int(kind) << ", masks " << masks);

  const auto dFixed = toDevice(fixed), dMoving = toDevice(moving);
  const auto dFm = cuda::DeviceArray<uint8_t>::fromHost(fmask.data, "test mask");
  const auto dMm = cuda::DeviceArray<uint8_t>::fromHost(mmask.data, "test mask");
  cuda::MetricDeviceInputs in;
  in.fixed = dFixed.data();
  in.fixedGrid = fg;
  in.moving = dMoving.data();
  in.movingGrid = mg;
  in.fixedMask = masks ? dFm.data() : nullptr;
  in.movingMask = masks ? dMm.data() : nullptr;
  in.A = A;
  in.settings = s;

  const AffineMetricEval c = cpuAffine(fixed, moving, masks ? &fmask : nullptr, masks ? &mmask : nullptr, A, s);
  SelfComm comm;
  const AffineMetricEval g = cuda::affineMetric(in, true, comm);
  const AffineMetricEval again = cuda::affineMetric(in, true, comm);
  const AffineMetricEval valueOnly = cuda::affineMetric(in, false, comm);

  REQUIRE(c.validVoxels > fixed.voxels() / 10);
  CHECK(g.validVoxels == c.validVoxels);
  CHECK(std::abs(g.value - c.value) <= 1e-9 * std::abs(c.value) + 1e-12);
  CHECK(valueOnly.value == g.value);
  double largest = 0, worst = 0;
  for (int q = 0; q < 12; ++q) largest = std::max(largest, std::abs(c.gradient[size_t(q)]));
  for (int q = 0; q < 12; ++q) {
    INFO("parameter " << q << ": cpu " << c.gradient[size_t(q)] << " gpu " << g.gradient[size_t(q)]);
    worst = std::max(worst, std::abs(g.gradient[size_t(q)] - c.gradient[size_t(q)]));
    CHECK(std::abs(g.gradient[size_t(q)] - c.gradient[size_t(q)]) <= 1e-7 * largest);
  }
  INFO("largest |gradient| " << largest << ", worst difference " << worst);
  CHECK(largest > 0);
  CHECK(std::memcmp(&again.value, &g.value, sizeof(double)) == 0);
  CHECK(std::memcmp(again.gradient.data(), g.gradient.data(), sizeof(double) * 12) == 0);
}

}  // namespace
}  // namespace ffdp::test
