// Gaussian pyramid smoothing and resampling, the smoothing against its definition, and the centre of
// mass.
#include <omp.h>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "ops/backend.hpp"
#include "ops/cpu/cpu_ops.hpp"
#include "ops_test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("Gaussian smoothing keeps a constant image constant, borders included", "[ops][smooth]") {
  auto rng = seededRng("smooth constant");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {17, 13, 9}, 0.7, 1.5, 0.5, {0, 0, 0});
  const Image c(g, 7.25f);
  const Image out = backend->smoothAndResample(c, {1.3, 0.6, 2.2}, g);
  for (float v : out.data) REQUIRE(v == Approx(7.25).epsilon(1e-6));
}

TEST_CASE("Gaussian smoothing of a delta has the requested variance per axis", "[ops][smooth]") {
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  Grid g;
  g.size = {41, 45, 37};
  g.spacing = {0.8, 1.0, 2.5};  // sigma is in voxels, whatever the spacing
  Image delta(g, 0.0f);
  const int64_t ci = 20, cj = 22, ck = 18;
  delta.at(ci, cj, ck) = 1.0f;
  const Vec3 sigma{1.5, 2.5, 0.8};
  const Image out = backend->smoothAndResample(delta, sigma, g);
  double mass = 0, m1[3] = {0, 0, 0}, m2[3] = {0, 0, 0};
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const double v = out.at(i, j, k), d[3] = {double(i - ci), double(j - cj), double(k - ck)};
        mass += v;
        for (int a = 0; a < 3; ++a) {
          m1[a] += v * d[a];
          m2[a] += v * d[a] * d[a];
        }
      }
  REQUIRE(mass == Approx(1.0).epsilon(1e-5));
  for (int a = 0; a < 3; ++a) {
    INFO("axis " << a);
    REQUIRE(std::abs(m1[a]) < 1e-5);
    REQUIRE(m2[a] == Approx(sigma[a] * sigma[a]).epsilon(0.01));
  }
  // The kernel is separable: the peak equals the product of the 1-D peaks.
  double peak = 1;
  for (int a = 0; a < 3; ++a) {
    double s = 0;
    const int r = int(std::ceil(4 * sigma[a]));
    for (int t = -r; t <= r; ++t) s += std::exp(-0.5 * t * t / (sigma[a] * sigma[a]));
    peak /= s;
  }
  REQUIRE(out.at(ci, cj, ck) == Approx(peak).epsilon(1e-5));
}

TEST_CASE("smoothAndResample of a linear ramp onto a shrunk grid reproduces the ramp", "[ops][smooth]") {
  auto rng = seededRng("smooth ramp");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {40, 36, 30}, 0.7, 1.5, 0.6, {12, -4, 9});
  const Vec3 slope{uniform(rng, -2, 2), uniform(rng, -2, 2), uniform(rng, -2, 2)};
  const double offset = uniform(rng, -10, 10);
  // A ramp in physical space is a ramp in index space.
  const auto ramp = [&](const Vec3& p) { return offset + dot(slope, p - g.origin); };
  const Image in = sampleImage(g, ramp);
  for (const std::array<int, 3> shrink : {std::array<int, 3>{2, 2, 2}, std::array<int, 3>{3, 2, 4}}) {
    const Grid target = g.shrunk(shrink);
    const Vec3 sigma{0.5 * shrink[0], 0.5 * shrink[1], 0.5 * shrink[2]};
    const Image out = backend->smoothAndResample(in, sigma, target);
    REQUIRE(out.grid.sameAs(target));
    int64_t checked = 0;
    for (int64_t k = 0; k < target.size[2]; ++k)
      for (int64_t j = 0; j < target.size[1]; ++j)
        for (int64_t i = 0; i < target.size[0]; ++i) {
          const Vec3 p = target.indexToPhysical({double(i), double(j), double(k)});
          const Vec3 q = g.physicalToIndex(p);
          // Away from the border the truncated kernel is symmetric, so the ramp survives.
          bool interior = true;
          for (int a = 0; a < 3; ++a)
            interior &= q[a] >= std::ceil(4 * sigma[a]) && q[a] <= g.size[a] - 1 - std::ceil(4 * sigma[a]);
          if (!interior) continue;
          ++checked;
          REQUIRE(out.at(i, j, k) == Approx(ramp(p)).margin(2e-4 * (std::abs(ramp(p)) + 10)));
        }
    REQUIRE(checked > 20);
  }
}

TEST_CASE("centre of mass is the positive-intensity-weighted mean position", "[ops][com]") {
  auto rng = seededRng("centre of mass");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {12, 10, 8}, 0.7, 1.5, 0.8, {30, -20, 10});
  Image im(g, -5.0f);  // negative intensities count as zero
  im.at(3, 4, 5) = 1.0f;
  im.at(9, 1, 2) = 3.0f;
  const Vec3 expected = 0.25 * g.indexToPhysical({3, 4, 5}) + 0.75 * g.indexToPhysical({9, 1, 2});
  const Vec3 com = backend->centreOfMass(im);
  for (int a = 0; a < 3; ++a) REQUIRE(com[a] == Approx(expected[a]).margin(1e-9));
  const Image empty(g, -1.0f);
  try {
    backend->centreOfMass(empty);
    FAIL("an image without positive intensity has no centre of mass");
  } catch (const Error& e) {
    REQUIRE(e.code() == ExitCode::Input);
  }
}

namespace {

// The separable Gaussian from its definition, in double: out(x) = sum over the box of
// prod_a w_a(m_a - x_a) / (sum of w_a over the inside taps), radius min(ceil(4 sigma), n - 1) per
// axis, sigma 0 = no smoothing along that axis.
std::vector<double> referenceGaussian(const Image& in, const Vec3& sigma) {
  const auto& n = in.grid.size;
  // weights[a][x][m]: the normalised weight of input position m for output position x along axis a.
  std::vector<std::vector<std::vector<double>>> weights(3);
  for (int a = 0; a < 3; ++a) {
    weights[a].assign(size_t(n[a]), std::vector<double>(size_t(n[a]), 0.0));
    for (int64_t x = 0; x < n[a]; ++x) {
      if (!(sigma[a] > 0)) {
        weights[a][size_t(x)][size_t(x)] = 1;
        continue;
      }
      const int64_t r = std::min<int64_t>(int64_t(std::ceil(4 * sigma[a])), n[a] - 1);
      double total = 0;
      for (int64_t m = std::max<int64_t>(0, x - r); m <= std::min<int64_t>(n[a] - 1, x + r); ++m)
        total += weights[a][size_t(x)][size_t(m)] = std::exp(-0.5 * double((m - x) * (m - x)) / (sigma[a] * sigma[a]));
      for (double& w : weights[a][size_t(x)]) w /= total;
    }
  }
  std::vector<double> out(in.data.size(), 0.0);
  for (int64_t k = 0; k < n[2]; ++k)
    for (int64_t j = 0; j < n[1]; ++j)
      for (int64_t i = 0; i < n[0]; ++i) {
        double s = 0;
        for (int64_t c = 0; c < n[2]; ++c)
          for (int64_t b = 0; b < n[1]; ++b)
            for (int64_t a = 0; a < n[0]; ++a) {
              const double w = weights[0][size_t(i)][size_t(a)] * weights[1][size_t(j)][size_t(b)] *
                               weights[2][size_t(k)][size_t(c)];
              if (w != 0) s += w * double(in.at(a, b, c));
            }
        out[size_t(in.grid.linear(i, j, k))] = s;
      }
  return out;
}

}  // namespace

TEST_CASE("Gaussian smoothing matches its definition for 1 to 4 threads, bit-identical across them",
          "[ops][smooth][determinism]") {
  auto rng = seededRng("smooth reference");
  // Few slices: with 4 threads each owns one or two, so the slices a thread reads from its
  // neighbours (the in-place smoothing's halo) span several threads.
  Grid g;
  g.size = {21, 11, 7};
  Image in(g);
  for (float& v : in.data) v = float(uniform(rng, -10, 10));
  double largest = 0;
  for (const float v : in.data) largest = std::max(largest, double(std::abs(v)));
  for (const Vec3 sigma : {Vec3{1.3, 0.8, 1.0}, Vec3{0.0, 1.1, 0.6}, Vec3{0.7, 0.0, 0.0}, Vec3{0.0, 0.0, 2.5},
                           Vec3{2.0, 3.0, 0.4}}) {
    const std::vector<double> expected = referenceGaussian(in, sigma);
    std::vector<Image> results;
    const int saved = omp_get_max_threads();
    for (int threads = 1; threads <= 4; ++threads) {
      omp_set_num_threads(threads);
      results.push_back(cpu::gaussianSmooth(in, sigma));
    }
    omp_set_num_threads(saved);
    double worst = 0;
    for (size_t n = 0; n < expected.size(); ++n) worst = std::max(worst, std::abs(results[0].data[n] - expected[n]));
    INFO("sigma " << sigma[0] << " " << sigma[1] << " " << sigma[2] << ": worst error " << worst << " of values up to "
                  << largest);
    REQUIRE(worst < 1e-5 * largest);  // float sums of a few dozen taps
    for (size_t t = 1; t < results.size(); ++t) REQUIRE(results[t].data == results[0].data);
  }
}
