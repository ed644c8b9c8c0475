// The 6-parameter rigid gradient (chain rule through dM/dw_k = [e_k]x M) against central finite
// differences of the backend's metric along the same updates.
#include <catch2/catch.hpp>

#include <cmath>

#include "ops/backend.hpp"
#include "reg/linear_family.hpp"
#include "reg_fixtures.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

void checkAgainstFiniteDifferences(const Affine& at, MetricKind kind) {
  BlobScene scene;
  // The moving field of view holds the whole moved fixed domain: otherwise fixed voxels cross its
  // border under the finite-difference steps, and each crossing changes the metric (it averages over
  // the voxels inside) by a jump that no gradient describes.
  const Grid g = obliqueGrid(32, {2, 2, 2}, {1, 0, 1}, 15, scene.centre);
  const Grid movingGrid = obliqueGrid(64, {2, 2, 2}, {0, 1, 1}, 10, scene.centre);
  const Image fixed = sampleField(g, scene.field);
  const Image moving = scene.movedBy(rigidMap({0, 1, 1}, 7, {2, 3, -1}, scene.centre), movingGrid);
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  MetricSettings ms;
  ms.kind = kind;
  const LinearFamily family(TransformKind::Rigid, at);
  const AffineMetricEval eval = backend->affineMetric(fixed, moving, nullptr, nullptr, at, ms, true);
  REQUIRE(eval.validVoxels == fixed.voxels());
  const std::vector<double> analytic = family.gradient(eval.gradient);
  REQUIRE(analytic.size() == 6);
  double largest = 0;
  std::vector<double> numeric(6);
  for (size_t k = 0; k < 6; ++k) {
    // Steps that move the domain corners by about 0.01 mm.
    const double h = k < 3 ? 2e-4 : 1e-2;
    std::vector<double> plus(6, 0.0), minus(6, 0.0);
    plus[k] = h;
    minus[k] = -h;
    const double fp = backend->affineMetric(fixed, moving, nullptr, nullptr, family.updated(plus), ms, false).value;
    const double fm = backend->affineMetric(fixed, moving, nullptr, nullptr, family.updated(minus), ms, false).value;
    numeric[k] = (fp - fm) / (2 * h);
  }
  // Compare rotation and translation groups on their own scales.
  for (size_t group = 0; group < 2; ++group) {
    largest = 0;
    for (size_t k = 3 * group; k < 3 * group + 3; ++k) largest = std::max(largest, std::abs(numeric[k]));
    REQUIRE(largest > 0);
    for (size_t k = 3 * group; k < 3 * group + 3; ++k) {
      INFO("parameter " << k << ": analytic " << analytic[k] << " numeric " << numeric[k]);
      CHECK(std::abs(analytic[k] - numeric[k]) < 0.01 * largest);
    }
  }
}

}  // namespace

TEST_CASE("rigid gradient: chain rule matches finite differences of the metric (MeanSquares)", "[gradient]") {
  BlobScene scene;
  checkAgainstFiniteDifferences(rigidMap({1, 2, -1}, 3, {1, -1, 0.5}, scene.centre), MetricKind::MeanSquares);
}

TEST_CASE("rigid gradient: chain rule matches finite differences around a sheared M (MI)", "[gradient]") {
  BlobScene scene;
  Affine at = rigidMap({1, 2, -1}, 3, {1, -1, 0.5}, scene.centre);
  at.M = at.M * Mat3{{{1.03, 0.02, 0}, {0.02, 0.98, 0}, {0, 0, 1.01}}};
  checkAgainstFiniteDifferences(at, MetricKind::MI);
}
