// Host-side checks of the per-voxel maths the metric kernels share (no GPU needed): the warp
// sampler against the CPU's FieldWarp/AffineWarp (a coarse field's against FieldWarp over the field
// cpu::upsampleField makes), the Parzen windows against the CPU's, the
// division-free voxel indexer, the window counts and the fixed-point histogram scale.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>

#include "../ops/field_test_support.hpp"
#include "box_sum_tile.cuh"
#include "metric_mi.hpp"
#include "ops/coarse_field_map.hpp"
#include "ops/cpu/affine_warp.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/parzen_bspline.hpp"
#include "parzen_bspline.cuh"
#include "warp_sampler.cuh"

namespace ffdp::test {
namespace {

bool sameBits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

// Every voxel of the fixed grid: the device sampler (compiled here for the host) must pick the
// same voxels as the CPU warp, with bit-identical f, w and dw/dq (same code path, same compiler).
template <class CpuWarp, class Sampler>
void expectSameSamples(const CpuWarp& warp, const Sampler& sampler, const Grid& g) {
  cpu::RowSamples row(g.size[0]);
  int64_t checked = 0, mismatches = 0;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j) {
      warp.template sampleRow<true>(j, k, row);
      int64_t n = 0;
      for (int64_t i = 0; i < g.size[0]; ++i) {
        cuda::WarpSample s;
        const bool valid = sampler.template sample<true>(i, j, k, s);
        const bool cpuValid = n < row.count && row.i[size_t(n)] == i;
        if (valid != cpuValid) {
          ++mismatches;
          continue;
        }
        if (!valid) continue;
        const size_t m = size_t(n++);
        ++checked;
        // Not bit for bit: the CPU library is built with -march=x86-64-v3 (FMA contraction) and the
        // linker may pick its instantiation of sampleRow; the valid set must still be identical.
        auto near = [](double x, double y) { return std::abs(x - y) <= 1e-11 * (1 + std::abs(y)); };
        if (!sameBits(s.f, row.f[m]) || !near(s.w, row.w[m]) || !near(s.dq[0], row.dq0[m]) ||
            !near(s.dq[1], row.dq1[m]) || !near(s.dq[2], row.dq2[m])) {
          if (mismatches == 0)
            WARN("first difference at " << i << "," << j << "," << k << ": f " << s.f - row.f[m] << ", w "
                                        << s.w - row.w[m] << ", dq " << s.dq[0] - row.dq0[m] << " "
                                        << s.dq[1] - row.dq1[m] << " " << s.dq[2] - row.dq2[m]);
          ++mismatches;
        }
      }
    }
  INFO("valid voxels checked " << checked << " of " << g.voxels());
  CHECK(checked > g.voxels() / 10);  // the test exercises a real overlap
  CHECK(checked < g.voxels());       // and some rejections
  CHECK(mismatches == 0);
}

// Small images with masks on oblique grids and a random affine: the scene of the sampler tests.
struct SamplerScene {
  Image fixed, moving;
  Mask fixedMask, movingMask;
  Affine A;
};
SamplerScene randomSamplerScene(std::mt19937_64& rng) {
  const Grid fg = randomObliqueGrid(rng, {23, 19, 17}, 0.8, 1.5, 0.4, {1, 2, 3});
  const Grid mg = randomObliqueGrid(rng, {21, 24, 15}, 0.9, 1.6, 0.4, {0, 1, 2});
  const SmoothField ff(rng, fg.centre(), 25), mf(rng, mg.centre(), 25);
  SamplerScene s;
  s.fixed = sampleImage(fg, ff);
  s.moving = sampleImage(mg, mf);
  s.fixedMask = ellipsoidMask(fg, 0.95);
  s.movingMask = ellipsoidMask(mg, 0.9);
  s.A = randomAffine(rng, fg.centre(), 0.15, 0.08, 2.0);
  return s;
}

// The valid voxels of a CPU warp (its rows' sample counts).
template <class CpuWarp>
int64_t cpuValidCount(const CpuWarp& warp, const Grid& g) {
  cpu::RowSamples row(g.size[0]);
  int64_t count = 0;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j) {
      warp.template sampleRow<false>(j, k, row);
      count += row.count;
    }
  return count;
}
// expectSameSamples needs a real overlap and some rejections; a random scene can put the moving image
// over the whole fixed grid or mostly beside it (7 of 300 runs failed its checks that way), so the
// scene is drawn again until the CPU reference has both.
bool usefulOverlap(int64_t valid, const Grid& g) { return valid > g.voxels() / 5 && valid < g.voxels(); }

TEST_CASE("device warp sampler equals the CPU warp voxel for voxel (host build)", "[gpu][host][metric]") {
  auto rng = seededRng("warp sampler host");
  const double fraction = GENERATE(1.0, 0.6);
  const bool withField = GENERATE(true, false);
  INFO("sampling fraction " << fraction << (withField ? ", field warp with masks" : ", affine warp without masks"));
  for (int draw = 0;; ++draw) {
    REQUIRE(draw < 100);
    const SamplerScene scene = randomSamplerScene(rng);
    const Grid &fg = scene.fixed.grid, &mg = scene.moving.grid;
    const Image &fixed = scene.fixed, &moving = scene.moving;
    const Mask &fmask = scene.fixedMask, &mmask = scene.movingMask;
    const Affine& A = scene.A;
    const Field u = randomField(rng, fg, 1.5);
    if (withField) {
      const cpu::FieldWarp warp(fixed, moving, &fmask, &mmask, A, u, fraction);
      if (!usefulOverlap(cpuValidCount(warp, fg), fg)) continue;
      const auto sampler = cuda::makeWarpSampler(fixed.data.data(), fg, moving.data.data(), mg, fmask.data.data(),
                                                 mmask.data.data(), A, &u.data[0][0], fraction);
      expectSameSamples(warp, sampler, fg);
    } else {
      const cpu::AffineWarp warp(fixed, moving, nullptr, nullptr, A, fraction);
      if (!usefulOverlap(cpuValidCount(warp, fg), fg)) continue;
      const auto sampler = cuda::makeWarpSampler(fixed.data.data(), fg, moving.data.data(), mg, nullptr, nullptr, A,
                                                 nullptr, fraction);
      expectSameSamples(warp, sampler, fg);
    }
    break;
  }
}

// The coarse sampler's U(x) is cpu::upsampleField's to one float ulp (the CPU library contracts to FMA,
// this file does not, and an exact tie between two floats, e.g. a weight of 1/2, may round either way),
// and it warps exactly as FieldWarp does with that U.
TEST_CASE("device warp sampler with a coarse field equals the CPU warp of the upsampled field (host build)",
          "[gpu][host][metric][coarse]") {
  auto rng = seededRng("coarse warp sampler host");
  const SamplerScene scene = randomSamplerScene(rng);
  const Grid &fg = scene.fixed.grid, &mg = scene.moving.grid;
  const Image &fixed = scene.fixed, &moving = scene.moving;
  const Mask &fmask = scene.fixedMask, &mmask = scene.movingMask;
  const Affine& A = scene.A;
  const auto shrink = GENERATE(std::array<int, 3>{2, 2, 2}, std::array<int, 3>{3, 2, 1});
  INFO("shrink " << shrink[0] << "," << shrink[1] << "," << shrink[2]);
  const Field u = randomField(rng, fg.shrunk(shrink), 1.5);
  const auto sampler =
      cuda::makeWarpSampler(fixed.data.data(), fg, moving.data.data(), mg, fmask.data.data(), mmask.data.data(), A,
                            &u.data[0][0], 1.0, cuda::FieldOnCoarseGrid{coarseFieldMap(fg, u.grid)});
  const Field reference = cpu::upsampleField(u, fg);
  Field U(fg);
  int64_t oneUlp = 0, apart = 0;
  for (int64_t k = 0; k < fg.size[2]; ++k)
    for (int64_t j = 0; j < fg.size[1]; ++j)
      for (int64_t i = 0; i < fg.size[0]; ++i) {
        double d[3];
        sampler.displacement(&u.data[0][0], sampler.fetch(fg.linear(i, j, k), i, j, k), d);
        for (int c = 0; c < 3; ++c) {
          const float got = float(d[c]), expected = reference.at(i, j, k)[c];
          U.at(i, j, k)[c] = got;
          oneUlp += got != expected;
          apart += got != expected && got != std::nextafter(expected, got);
        }
      }
  INFO("components one ulp from cpu::upsampleField: " << oneUlp << " of " << 3 * fg.voxels());
  CHECK(apart == 0);
  CHECK(oneUlp < fg.voxels() / 100);
  const cpu::FieldWarp warp(fixed, moving, &fmask, &mmask, A, U, 1.0);
  expectSameSamples(warp, sampler, fg);
}

TEST_CASE("device subset hash equals the CPU's sampling subset", "[gpu][host][metric]") {
  for (uint64_t n : {uint64_t(0), uint64_t(1), uint64_t(12345), uint64_t(1) << 40, ~uint64_t(0)})
    CHECK(cuda::subsetHash(n) == cpu::mixBits64(n));
  const cpu::SamplingSubset subset(0.3);
  const auto sampler = cuda::makeWarpSampler(nullptr, Grid{}, nullptr, Grid{}, nullptr, nullptr, Affine{}, nullptr, 0.3);
  int64_t members = 0;
  for (int64_t n = 0; n < 100000; ++n) {
    const bool gpu = sampler.sampleAll || cuda::subsetHash(uint64_t(n)) < sampler.threshold;
    CHECK(gpu == subset.contains(n));
    members += gpu;
  }
  CHECK(std::abs(double(members) / 100000 - 0.3) < 0.01);
}

TEST_CASE("device Parzen windows equal the CPU's bit for bit", "[gpu][host][metric]") {
  auto rng = seededRng("parzen host");
  const int bins = GENERATE(4, 32, 100);
  const cpu::BinMapping cpuBins(-3.5, 250.0, bins);
  const cuda::ParzenBins gpuBins = cuda::makeParzenBins(-3.5, 250.0, bins);
  REQUIRE(sameBits(cpuBins.scale, gpuBins.scale));
  for (int t = 0; t < 2000; ++t) {
    const double v = t < 4 ? (t < 2 ? -3.5 : 250.0) : uniform(rng, -3.5, 250.0);
    const double xi = gpuBins.coordinate(v);
    REQUIRE(sameBits(xi, cpuBins.coordinate(v)));
    double w[4], cw[4], dw[4];
    const int first = cuda::parzenValues(xi, bins, w);
    const int firstD = cuda::parzenDerivatives(xi, bins, dw);
    const int cfirst = cpu::parzenValues(xi, bins, cw);
    const cpu::ParzenWeights p = cpu::parzenWeights(xi, bins);
    CHECK(first == cfirst);
    CHECK(firstD == p.first);
    CHECK(first >= 0);
    CHECK(first + 3 <= bins - 1);
    for (int a = 0; a < 4; ++a) {
      CHECK(sameBits(w[a], cw[a]));
      CHECK(sameBits(w[a], p.w[a]));
      CHECK(sameBits(dw[a], p.dw[a]));
    }
  }
}

TEST_CASE("box window counts and the histogram's fixed-point scale", "[gpu][host][metric]") {
  // Window of radius 2 on 6 voxels: 3 4 5 5 4 3.
  const double expected[6] = {3, 4, 5, 5, 4, 3};
  for (int64_t c = 0; c < 6; ++c) CHECK(cuda::windowCount(c, 6, 2) == expected[c]);
  CHECK(cuda::windowCount(0, 1, 3) == 1);
  // `voxels` whole votes of 2^bits each (+8 per voxel from rounding 16 products) fit in 64 bits,
  // and the quantum stays far below one vote.
  for (int64_t voxels : {int64_t(1), int64_t(5'800'000), int64_t(371'000'000), int64_t(3'700'000'000)}) {
    const int bits = cuda::histogramFractionBits(voxels);
    INFO("voxels " << voxels << ": " << bits << " fraction bits");
    CHECK(bits <= 40);
    CHECK(bits >= 31);
    CHECK(std::ldexp(double(voxels), bits) + 8.0 * double(voxels) < std::ldexp(1.0, 64));
  }
}

}  // namespace
}  // namespace ffdp::test
