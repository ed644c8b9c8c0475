// Finite-difference checks of d(value)/d(12 affine parameters) for every metric, on smooth random
// images with oblique grids and anisotropic spacing, with and without masks and sub-sampling.
// Central differences with a tiny step (the value is computed in double, so rounding stays far
// below the step). The metrics are smooth except where a moving point crosses a voxel face (a
// trilinear kink) or a half-integer index (a mask look-up); a single such crossing changes the
// difference quotient by ~1e-3, so differences never span one (see checkGradient).
#include <algorithm>
#include <catch2/catch.hpp>

#include "ops/backend.hpp"
#include "ops_test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

const char* metricName(const MetricSettings& m) {
  switch (m.kind) {
    case MetricKind::MeanSquares:
      return "MeanSquares";
    case MetricKind::CC:
      return m.radius == 1 ? "CC r=1" : "CC r=2";
    case MetricKind::MI:
      return m.bins == 16 ? "MI 16 bins" : "MI 32 bins";
  }
  return "?";
}

struct Problem {
  Image fixed, moving;
  Mask fixedMask, movingMask;
  Affine A;
};

Problem randomProblem(std::mt19937_64& rng) {
  Problem p;
  const Vec3 centre{uniform(rng, -30, 30), uniform(rng, -30, 30), uniform(rng, -30, 30)};
  const Grid fg = randomObliqueGrid(rng, {24, 20, 16}, 0.9, 1.4, 0.5, centre);
  const Grid mg = randomObliqueGrid(rng, {40, 36, 32}, 1.0, 1.3, 0.5, centre);
  const SmoothField fixedField(rng, centre, 25.0), movingField(rng, centre, 25.0);
  p.fixed = sampleImage(fg, fixedField);
  p.moving = sampleImage(mg, movingField);
  p.fixedMask = ellipsoidMask(fg, 0.9);
  p.movingMask = ellipsoidMask(mg, 0.95);
  p.A = randomAffine(rng, fg.centre(), 0.1, 0.05, 1.5);
  return p;
}

// True when some fixed voxel's moving continuous index crosses a voxel face (a trilinear kink) or
// a half-integer (a nearest-neighbour mask look-up) between the two transforms. Evaluated from
// first principles with Grid::physicalToIndex, independently of the code under test.
bool crossesKink(const Grid& fixed, const Grid& moving, const Affine& a, const Affine& b) {
  for (int64_t k = 0; k < fixed.size[2]; ++k)
    for (int64_t j = 0; j < fixed.size[1]; ++j)
      for (int64_t i = 0; i < fixed.size[0]; ++i) {
        const Vec3 x = fixed.indexToPhysical({double(i), double(j), double(k)});
        const Vec3 qa = moving.physicalToIndex(a.apply(x)), qb = moving.physicalToIndex(b.apply(x));
        for (int d = 0; d < 3; ++d)
          if (std::floor(qa[d]) != std::floor(qb[d]) || std::floor(qa[d] + 0.5) != std::floor(qb[d] + 0.5)) return true;
      }
  return false;
}

void checkGradient(Backend& backend, const Problem& p, const MetricSettings& metric, bool masks) {
  const Mask* fm = masks ? &p.fixedMask : nullptr;
  const Mask* mm = masks ? &p.movingMask : nullptr;
  const AffineMetricEval base = backend.affineMetric(p.fixed, p.moving, fm, mm, p.A, metric, true);
  REQUIRE(base.validVoxels > 1000);
  const AffineMetricEval noGrad = backend.affineMetric(p.fixed, p.moving, fm, mm, p.A, metric, false);
  REQUIRE(noGrad.value == base.value);

  AffineGradient fd{};
  for (int q = 0; q < 12; ++q) {
    // The step moves moving points by ~1e-5 voxel. A kink within (-h, 0) or (0, h) spoils the
    // central difference; then the one-sided difference on the kink-free side is used (its O(h)
    // error is ~1e-5 relative), and only when both sides have one is the step shrunk.
    const auto value = [&](double step) {
      return backend.affineMetric(p.fixed, p.moving, fm, mm, perturbed(p.A, q, step), metric, false).value;
    };
    double h = q < 9 ? 1e-6 : 1e-5;
    for (int attempt = 0;; ++attempt, h *= 0.1) {
      const bool kinkPlus = crossesKink(p.fixed.grid, p.moving.grid, p.A, perturbed(p.A, q, h));
      const bool kinkMinus = crossesKink(p.fixed.grid, p.moving.grid, perturbed(p.A, q, -h), p.A);
      if (!kinkPlus && !kinkMinus) {
        fd[q] = (value(h) - value(-h)) / (2 * h);
      } else if (!kinkPlus) {
        fd[q] = (value(h) - base.value) / h;
      } else if (!kinkMinus) {
        fd[q] = (base.value - value(-h)) / h;
      } else if (attempt < 2) {
        continue;
      } else {
        fd[q] = (value(h) - value(-h)) / (2 * h);
      }
      break;
    }
  }
  // Every derivative must agree to 1e-3 relative, plus a floor of 1e-5 of the largest derivative
  // of its group (M or t) for the rounding of the value (~1e-13) amplified by 1/h.
  for (int group = 0; group < 2; ++group) {
    const int lo = group == 0 ? 0 : 9, hi = group == 0 ? 9 : 12;
    double largest = 0;
    for (int q = lo; q < hi; ++q) largest = std::max(largest, std::abs(base.gradient[q]));
    REQUIRE(largest > 0);
    for (int q = lo; q < hi; ++q) {
      INFO(metricName(metric) << (masks ? " with masks, sampling " : ", sampling ") << metric.samplingFraction
                              << ": parameter " << q << " analytic " << base.gradient[q] << " finite difference "
                              << fd[q] << " (value " << base.value << ", N " << base.validVoxels << ")");
      CHECK(std::abs(fd[q] - base.gradient[q]) <= 1e-3 * std::abs(base.gradient[q]) + 1e-5 * largest);
    }
  }
}

std::vector<MetricSettings> allMetrics() {
  std::vector<MetricSettings> v;
  MetricSettings ms;
  ms.kind = MetricKind::MeanSquares;
  v.push_back(ms);
  for (int r : {1, 2}) {
    MetricSettings cc;
    cc.kind = MetricKind::CC;
    cc.radius = r;
    v.push_back(cc);
  }
  for (int b : {16, 32}) {
    MetricSettings mi;
    mi.kind = MetricKind::MI;
    mi.bins = b;
    v.push_back(mi);
  }
  return v;
}

}  // namespace

TEST_CASE("affine metric gradients match central finite differences (no masks, all voxels)", "[ops][metric]") {
  auto rng = seededRng("metric gradients, no masks");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Problem p = randomProblem(rng);
  for (const MetricSettings& m : allMetrics()) checkGradient(*backend, p, m, false);
}

TEST_CASE("affine metric gradients match central finite differences (masks, sampling 0.6)", "[ops][metric]") {
  auto rng = seededRng("metric gradients, masks");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Problem p = randomProblem(rng);
  for (MetricSettings m : allMetrics()) {
    m.samplingFraction = 0.6;
    checkGradient(*backend, p, m, true);
  }
}
