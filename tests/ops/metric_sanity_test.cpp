// Values a user can check by hand: a perfect match scores the metric's best value, and MI
// prefers the true pairing to a shuffled one and ignores a rescaling of the intensities.
#include <algorithm>
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "ops/backend.hpp"
#include "ops_test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

Image randomNoise(std::mt19937_64& rng, const Grid& g, float lo, float hi) {
  Image im(g);
  std::uniform_real_distribution<float> v(lo, hi);
  for (float& x : im.data) x = v(rng);
  return im;
}

MetricSettings settings(MetricKind kind) {
  MetricSettings m;
  m.kind = kind;
  return m;
}

}  // namespace

TEST_CASE("mean squares of an image with itself is 0 and grows with a shift", "[ops][metric]") {
  auto rng = seededRng("mean squares identity");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {22, 18, 14}, 0.8, 1.5, 0.6, {3, 1, -2});
  const Image im = sampleImage(g, SmoothField(rng, g.centre(), 20.0));
  const Affine id = Affine::identity(g.centre());
  const AffineMetricEval e =
      backend->affineMetric(im, im, nullptr, nullptr, id, settings(MetricKind::MeanSquares), true);
  REQUIRE(e.validVoxels == g.voxels());
  REQUIRE(e.value < 1e-12);
  for (double d : e.gradient) REQUIRE(std::abs(d) < 1e-6);
  Affine shifted = id;
  shifted.t = {0.7, -0.4, 0.3};
  const AffineMetricEval s =
      backend->affineMetric(im, im, nullptr, nullptr, shifted, settings(MetricKind::MeanSquares), true);
  REQUIRE(s.value > 1e-3);
  // A small step against the gradient lowers the value (the gradient points uphill).
  Affine step = shifted;
  double gt = 0;
  for (int a = 0; a < 3; ++a) gt += s.gradient[9 + a] * s.gradient[9 + a];
  for (int a = 0; a < 3; ++a) step.t[a] -= 0.01 * s.gradient[9 + a] / std::sqrt(gt);
  REQUIRE(backend->affineMetric(im, im, nullptr, nullptr, step, settings(MetricKind::MeanSquares), false).value <
          s.value);
}

TEST_CASE("CC of an image with an affine-intensity copy is -1", "[ops][metric]") {
  auto rng = seededRng("cc affine intensity");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {20, 17, 13}, 0.8, 1.5, 0.6, {0, 0, 0});
  const Image f = randomNoise(rng, g, 0, 100);  // every window has variance
  for (double scale : {2.5, -0.75}) {
    Image m = f;
    for (float& v : m.data) v = float(scale * v + 40.0);
    for (int r : {1, 2, 3}) {
      MetricSettings cc = settings(MetricKind::CC);
      cc.radius = r;
      const AffineMetricEval e = backend->affineMetric(f, m, nullptr, nullptr, Affine::identity(g.centre()), cc, true);
      INFO("radius " << r << ", intensity scale " << scale);
      REQUIRE(e.validVoxels == g.voxels());
      REQUIRE(e.value == Approx(-1.0).margin(1e-6));
      for (double d : e.gradient) REQUIRE(std::abs(d) < 1e-4);
    }
  }
  // An unrelated image scores far from -1.
  MetricSettings cc = settings(MetricKind::CC);
  const Image other = randomNoise(rng, g, 0, 100);
  REQUIRE(backend->affineMetric(f, other, nullptr, nullptr, Affine::identity(), cc, false).value > -0.2);
}

TEST_CASE("MI prefers the true pairing and ignores intensity rescaling", "[ops][metric]") {
  auto rng = seededRng("mi sanity");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {24, 20, 16}, 0.8, 1.4, 0.4, {10, 0, 0});
  const Image f = sampleImage(g, SmoothField(rng, g.centre(), 20.0));
  Image shuffled = f;
  std::shuffle(shuffled.data.begin(), shuffled.data.end(), rng);
  // A nonlinear but monotone remapping: MI sees the same information.
  Image remapped = f;
  for (float& v : remapped.data) v = float(std::exp(0.05 * v));
  for (int bins : {16, 32}) {
    MetricSettings mi = settings(MetricKind::MI);
    mi.bins = bins;
    const Affine id = Affine::identity(g.centre());
    const double self = backend->affineMetric(f, f, nullptr, nullptr, id, mi, false).value;
    const double shuf = backend->affineMetric(f, shuffled, nullptr, nullptr, id, mi, false).value;
    INFO(bins << " bins: -MI self " << self << ", shuffled " << shuf);
    REQUIRE(self < shuf - 0.5);
    REQUIRE(shuf <= 0.0);
    REQUIRE(backend->affineMetric(f, remapped, nullptr, nullptr, id, mi, false).value < shuf - 0.3);
    // Rescaled moving intensities (3 v + 7): the normalisation over the whole image undoes it.
    Image rescaled = f;
    for (float& v : rescaled.data) v = 3.0f * v + 7.0f;
    Affine A = id;
    A.t = {0.4, -0.3, 0.2};
    const AffineMetricEval a = backend->affineMetric(f, f, nullptr, nullptr, A, mi, true);
    const AffineMetricEval b = backend->affineMetric(f, rescaled, nullptr, nullptr, A, mi, true);
    REQUIRE(b.value == Approx(a.value).epsilon(1e-5));
    for (int q = 0; q < 12; ++q) REQUIRE(b.gradient[q] == Approx(a.gradient[q]).epsilon(1e-3).margin(1e-6));
  }
}

TEST_CASE("affine metrics count only valid voxels and reject bad settings", "[ops][metric]") {
  auto rng = seededRng("metric validity");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  Grid g;
  g.size = {20, 16, 12};
  const Image f = randomNoise(rng, g, 0, 10);
  Mask fm(g, 0);
  for (int64_t k = 0; k < 12; ++k)
    for (int64_t j = 0; j < 16; ++j)
      for (int64_t i = 0; i < 10; ++i) fm.at(i, j, k) = 1;  // left half
  MetricSettings ms = settings(MetricKind::MeanSquares);
  REQUIRE(backend->affineMetric(f, f, &fm, nullptr, Affine::identity(), ms, false).validVoxels == 10 * 16 * 12);
  // Shifting by 5 voxels along i: 5 columns of the fixed image map outside the moving one.
  Affine A;
  A.t = {5, 0, 0};
  REQUIRE(backend->affineMetric(f, f, nullptr, nullptr, A, ms, false).validVoxels == 15 * 16 * 12);
  // The moving mask is looked up at the nearest moving voxel: the left half of the moving image
  // is reached from fixed columns i < 5 only.
  REQUIRE(backend->affineMetric(f, f, nullptr, &fm, A, ms, false).validVoxels == 5 * 16 * 12);
  // Sampling keeps about the requested share, and the same subset every time.
  ms.samplingFraction = 0.25;
  const int64_t n1 = backend->affineMetric(f, f, nullptr, nullptr, Affine::identity(), ms, false).validVoxels;
  REQUIRE(std::abs(double(n1) / double(g.voxels()) - 0.25) < 0.04);
  REQUIRE(backend->affineMetric(f, f, nullptr, nullptr, Affine::identity(), ms, false).validVoxels == n1);

  ms.samplingFraction = 0.0;
  REQUIRE_THROWS_AS(backend->affineMetric(f, f, nullptr, nullptr, Affine::identity(), ms, false), Error);
  MetricSettings mi = settings(MetricKind::MI);
  mi.bins = 2;
  REQUIRE_THROWS_AS(backend->affineMetric(f, f, nullptr, nullptr, Affine::identity(), mi, false), Error);
  Mask wrong(Grid{{5, 5, 5}}, 1);
  try {
    backend->affineMetric(f, f, &wrong, nullptr, Affine::identity(), settings(MetricKind::MeanSquares), false);
    FAIL("a mask on another grid was accepted");
  } catch (const Error& e) {
    REQUIRE(e.code() == ExitCode::Input);
  }
}

TEST_CASE("CC value equals a brute-force evaluation of its definition", "[ops][metric]") {
  // Identity map on one grid, so w(x) = moving(x); a random fixed mask makes some voxels invalid
  // (they add zeros to the window sums and are not centres). Windows are truncated at the border.
  auto rng = seededRng("cc brute force");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  Grid g;
  g.size = {9, 8, 7};
  g.spacing = {1.2, 0.9, 2.0};
  const Image f = randomNoise(rng, g, 0, 10), m = randomNoise(rng, g, -5, 5);
  Mask mask(g, 1);
  std::bernoulli_distribution drop(0.2);
  for (auto& v : mask.data) v = drop(rng) ? 0 : 1;
  for (int r : {1, 2, 3}) {
    double sum = 0;
    int64_t n = 0;
    for (int64_t k = 0; k < 7; ++k)
      for (int64_t j = 0; j < 8; ++j)
        for (int64_t i = 0; i < 9; ++i) {
          if (!mask.at(i, j, k)) continue;
          ++n;
          double c = 0, sf = 0, sw = 0, sff = 0, sww = 0, sfw = 0;
          for (int64_t z = std::max<int64_t>(0, k - r); z <= std::min<int64_t>(6, k + r); ++z)
            for (int64_t y = std::max<int64_t>(0, j - r); y <= std::min<int64_t>(7, j + r); ++y)
              for (int64_t x = std::max<int64_t>(0, i - r); x <= std::min<int64_t>(8, i + r); ++x) {
                c += 1;
                const double fv = mask.at(x, y, z) ? f.at(x, y, z) : 0.0, wv = mask.at(x, y, z) ? m.at(x, y, z) : 0.0;
                sf += fv;
                sw += wv;
                sff += fv * fv;
                sww += wv * wv;
                sfw += fv * wv;
              }
          const double cross = sfw - sf * sw / c, vf = sff - sf * sf / c, vw = sww - sw * sw / c;
          sum += cross * cross / (vf * vw);
        }
    MetricSettings cc = settings(MetricKind::CC);
    cc.radius = r;
    const AffineMetricEval e = backend->affineMetric(f, m, &mask, nullptr, Affine::identity(), cc, false);
    INFO("radius " << r);
    REQUIRE(e.validVoxels == n);
    REQUIRE(e.value == Approx(-sum / double(n)).epsilon(1e-9));
  }
}
