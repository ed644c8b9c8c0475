// Results must not depend on the number of OpenMP threads: every reduction adds per-slice
// partials in slice order. Compared bit for bit.
#include <omp.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "ops/backend.hpp"
#include "ops_test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

struct ThreadCount {
  explicit ThreadCount(int n) : saved(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~ThreadCount() { omp_set_num_threads(saved); }
  int saved;
};

bool bitIdentical(const AffineMetricEval& a, const AffineMetricEval& b) {
  return std::memcmp(&a.value, &b.value, sizeof(double)) == 0 &&
         std::memcmp(a.gradient.data(), b.gradient.data(), sizeof(double) * 12) == 0 && a.validVoxels == b.validVoxels;
}

}  // namespace

TEST_CASE("metric value and gradient are bit-identical for 1, 2 and 3 threads", "[ops][determinism]") {
  auto rng = seededRng("determinism");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Vec3 centre{4, -7, 2};
  const Grid fg = randomObliqueGrid(rng, {30, 26, 21}, 0.8, 1.4, 0.4, centre);
  const Grid mg = randomObliqueGrid(rng, {28, 30, 24}, 0.9, 1.3, 0.4, centre);
  const Image fixed = sampleImage(fg, SmoothField(rng, centre, 25.0));
  const Image moving = sampleImage(mg, SmoothField(rng, centre, 25.0));
  const Mask fm = ellipsoidMask(fg, 0.9), mm = ellipsoidMask(mg, 0.9);
  const Affine A = randomAffine(rng, fg.centre(), 0.1, 0.05, 2.0);

  std::vector<MetricSettings> metrics(4);
  metrics[0].kind = MetricKind::MeanSquares;
  metrics[1].kind = MetricKind::CC;
  metrics[1].radius = 2;
  metrics[2].kind = MetricKind::MI;
  metrics[3].kind = MetricKind::MI;
  metrics[3].samplingFraction = 0.3;
  for (MetricSettings m : metrics) {
    for (bool masks : {false, true}) {
      AffineMetricEval r[3];
      for (int t = 1; t <= 3; ++t) {
        ThreadCount threads(t);
        r[t - 1] = backend->affineMetric(fixed, moving, masks ? &fm : nullptr, masks ? &mm : nullptr, A, m, true);
      }
      INFO("metric kind " << int(m.kind) << ", masks " << masks);
      REQUIRE(r[0].validVoxels > 0);
      REQUIRE(bitIdentical(r[0], r[1]));
      REQUIRE(bitIdentical(r[0], r[2]));
    }
  }
  Vec3 com[2];
  Image smooth[2];
  for (int t = 1; t <= 2; ++t) {
    ThreadCount threads(t);
    com[t - 1] = backend->centreOfMass(fixed);
    smooth[t - 1] = backend->smoothAndResample(fixed, {1.0, 0.7, 1.3}, fg.shrunk({2, 2, 2}));
  }
  REQUIRE(std::memcmp(com[0].data(), com[1].data(), sizeof(Vec3)) == 0);
  REQUIRE(smooth[0].data == smooth[1].data);
}
