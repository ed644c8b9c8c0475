// A displacement field on a coarser grid than the images (a stage's fieldShrink; ops/coarse_field_map.hpp):
//   - its interpolation at the image voxels equals resampleField onto the image grid (the ITK-style
//     resampling every other part of the engine uses);
//   - restrictField is the interpolation's transpose: <R^T g, u> = <g, R u> on random fields;
//   - the field metric's gradient, taken onto the coarse field by Backend::restrictField, matches central
//     finite differences (MSE, CC, MI, with masks), perturbing one coarse voxel, which moves every image
//     voxel that reads it.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/error.hpp"
#include "core/field.hpp"
#include "ops/backend.hpp"
#include "ops/coarse_field_map.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops_test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

Field randomField(std::mt19937_64& rng, const Grid& g, double amplitude) {
  Field u(g);
  for (Vec3f& v : u.data)
    for (float& c : v) c = float(uniform(rng, -amplitude, amplitude));
  return u;
}

// A smooth field (mm): three smooth random functions of position, scaled to about `amplitude`.
Field smoothField(std::mt19937_64& rng, const Grid& g, double amplitude) {
  const Vec3 c = g.centre();
  const SmoothField f[3] = {SmoothField(rng, c, 25.0), SmoothField(rng, c, 25.0), SmoothField(rng, c, 25.0)};
  Field u(g);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Vec3 p = g.indexToPhysical({double(i), double(j), double(k)});
        for (int a = 0; a < 3; ++a) u.at(i, j, k)[a] = float(amplitude * (f[a](p) - 30.0) / 30.0);
      }
  return u;
}

double inner(const Field& a, const Field& b) {
  double s = 0;
  for (size_t n = 0; n < a.data.size(); ++n)
    for (int c = 0; c < 3; ++c) s += double(a.data[n][c]) * double(b.data[n][c]);
  return s;
}

struct Shapes {
  std::array<int64_t, 3> image;
  std::array<int, 3> shrink;
};
const Shapes kShapes[] = {{{24, 20, 16}, {2, 2, 2}}, {{25, 19, 17}, {2, 3, 4}}, {{13, 11, 9}, {3, 2, 1}},
                          {{9, 1, 7}, {4, 1, 2}},    {{16, 16, 16}, {16, 4, 1}}};

}  // namespace

TEST_CASE("a coarse field interpolated at the image voxels equals resampleField onto the image grid",
          "[ops][field][coarse]") {
  auto rng = seededRng("coarse field interpolation");
  for (const Shapes& s : kShapes) {
    const Grid image = randomObliqueGrid(rng, s.image, 0.7, 1.5, 0.5, {10, -20, 5});
    const Grid field = image.shrunk(s.shrink);
    const Field u = randomField(rng, field, 3.0);
    const Field up = cpu::upsampleField(u, image);
    const Field ref = cpu::resampleField(u, image);
    REQUIRE(up.grid.sameAs(image));
    double worst = 0;
    for (size_t n = 0; n < up.data.size(); ++n)
      for (int c = 0; c < 3; ++c) worst = std::max(worst, double(std::abs(up.data[n][c] - ref.data[n][c])));
    INFO("image " << s.image[0] << "x" << s.image[1] << "x" << s.image[2] << ", shrink " << s.shrink[0] << ","
                  << s.shrink[1] << "," << s.shrink[2]);
    CHECK(worst < 1e-5);  // float storage of values up to 3 mm; a wrong weight is off by ~1 mm
  }
}

TEST_CASE("restrictField is the transpose of the coarse field's interpolation", "[ops][field][coarse]") {
  auto rng = seededRng("coarse field transpose");
  for (const Shapes& s : kShapes) {
    const Grid image = randomObliqueGrid(rng, s.image, 0.7, 1.5, 0.5, {0, 0, 0});
    const Grid field = image.shrunk(s.shrink);
    const Field u = randomField(rng, field, 1.0);
    const Field g = randomField(rng, image, 1.0);
    const Field restricted = cpu::restrictField(g, field);
    REQUIRE(restricted.grid.sameAs(field));
    const double lhs = inner(restricted, u), rhs = inner(g, cpu::upsampleField(u, image));
    // Each side sums ~1e4 products of size ~1 with float storage: ~1e-7 relative to the sum of |terms|.
    double scale = 0;
    for (const Vec3f& v : g.data) scale += std::abs(v[0]) + std::abs(v[1]) + std::abs(v[2]);
    INFO("image " << s.image[0] << "x" << s.image[1] << "x" << s.image[2] << ": <R^T g, u> " << lhs
                  << ", <g, R u> " << rhs);
    CHECK(std::abs(lhs - rhs) <= 1e-6 * scale);
    // Every image voxel's weights add up to one, so the transpose keeps the total.
    double sumG = 0, sumR = 0;
    for (const Vec3f& v : g.data) sumG += v[0];
    for (const Vec3f& v : restricted.data) sumR += v[0];
    CHECK(std::abs(sumG - sumR) <= 1e-6 * scale);
  }
}

TEST_CASE("a coarse field needs whole grids with the images' direction", "[ops][field][coarse]") {
  auto rng = seededRng("coarse field map checks");
  const Grid image = randomObliqueGrid(rng, {12, 10, 8}, 1.0, 1.2, 0.5, {0, 0, 0});
  Grid turned = image.shrunk({2, 2, 2});
  turned.direction = rotationFromVector({0.2, 0, 0}) * turned.direction;
  CHECK_THROWS_AS(coarseFieldMap(image, turned), Error);
  Grid slab = image;
  slab.slab.wholeSlices = 16;
  CHECK_THROWS_AS(coarseFieldMap(slab, image.shrunk({2, 2, 2})), Error);
  CHECK_NOTHROW(coarseFieldMap(image, image.shrunk({2, 2, 2})));
}

TEST_CASE("the field metric's gradient w.r.t. a coarse field matches finite differences", "[ops][metric][field][coarse]") {
  auto rng = seededRng("coarse field metric gradient");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Vec3 centre{uniform(rng, -30, 30), uniform(rng, -30, 30), uniform(rng, -30, 30)};
  const Grid fg = randomObliqueGrid(rng, {24, 20, 16}, 0.9, 1.4, 0.5, centre);
  const Grid mg = randomObliqueGrid(rng, {40, 36, 32}, 1.0, 1.3, 0.5, centre);
  const SmoothField fixedField(rng, centre, 25.0), movingField(rng, centre, 25.0);
  const Image fixed = sampleImage(fg, fixedField), moving = sampleImage(mg, movingField);
  const Mask fixedMask = ellipsoidMask(fg, 0.9), movingMask = ellipsoidMask(mg, 0.8);
  const Affine A = randomAffine(rng, fg.centre(), 0.1, 0.05, 1.5);
  const Grid field = fg.shrunk({2, 3, 2});
  const Field u = smoothField(rng, field, 1.5);

  std::vector<MetricSettings> metrics(3);
  metrics[0].kind = MetricKind::MeanSquares;
  metrics[1].kind = MetricKind::CC;
  metrics[1].radius = 2;
  metrics[2].kind = MetricKind::MI;
  metrics[2].bins = 32;
  for (const MetricSettings& m : metrics) {
    Field imageGrad(fg, Vec3f{5.0f, 5.0f, 5.0f});  // garbage: every voxel must be rewritten
    const FieldMetricEval base = backend->fieldMetric(fixed, moving, &fixedMask, &movingMask, A, u, m, &imageGrad);
    REQUIRE(base.validVoxels > 1000);
    REQUIRE(imageGrad.grid.sameAs(fg));  // per fixed voxel, then onto the field's voxels
    const Field grad = backend->restrictField(imageGrad, field);
    REQUIRE(grad.grid.sameAs(field));
    double largest = 0;
    for (const Vec3f& g : grad.data)
      for (int a = 0; a < 3; ++a) largest = std::max(largest, double(std::abs(g[a])));
    REQUIRE(largest > 0);
    Field scratch = u;
    const auto valueWith = [&](size_t n, int a, double h, double& taken) {
      const float saved = scratch.data[n][a];
      scratch.data[n][a] = float(double(saved) + h);
      taken = double(scratch.data[n][a]) - double(saved);
      const double v = backend->fieldMetric(fixed, moving, &fixedMask, &movingMask, A, scratch, m, nullptr).value;
      scratch.data[n][a] = saved;
      return v;
    };
    // 20 coarse voxels at random. A perturbation moves ~30 image voxels; any one of them crossing a
    // trilinear kink of the moving image spoils the difference by O(h), so the bound is looser than
    // the image-grid test's (tests/ops/field_metric_gradient_test.cpp), and h is small enough that a
    // crossing is rare (h = 1e-3 failed CC at one voxel for one seed in CI; 1e-4 passed 150 seeds).
    for (int t = 0; t < 20; ++t) {
      const size_t n = size_t(std::uniform_int_distribution<int64_t>(0, field.voxels() - 1)(rng));
      for (int a = 0; a < 3; ++a) {
        const double h = 1e-4;
        double tp = 0, tm = 0;
        const double fd = (valueWith(n, a, h, tp) - valueWith(n, a, -h, tm)) / (tp - tm);
        const double analytic = grad.data[n][a];
        const double tolerance = 2e-3 * std::abs(analytic) + 2e-3 * largest + 1e-12 * std::abs(base.value) / h;
        INFO("metric " << int(m.kind) << ", coarse voxel " << n << " axis " << a << ": analytic " << analytic
                       << ", finite difference " << fd << ", largest " << largest);
        CHECK(std::abs(fd - analytic) <= tolerance);
      }
    }
  }
}
