// The per-voxel maths of the field and image kernels (FFDP_HD helpers), run on the host against
// the CPU reference: these need no GPU, so they run on every machine, and the kernels use the
// very same functions. The GPU's index maths is double where the reference was double, without
// fused multiply-adds, while its trilinear blends and the Jacobian are float; the CPU reference is
// free to use FMA and float fast paths (lib/ops/cpu), so the bounds are documented accuracies:
// 1e-5 mm for composed fields (its compose tests), 1e-5 of the scale for smoothing
// (smoothing_test.cpp), a few float ulps (1e-6 relative) for the element-wise maths and the float
// blends, 1e-6 of its products' scale for the Jacobian, and the same voxel or label for all but a
// rounding tie in the discrete resampling rules.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <limits>

#include "field_adam_element.cuh"
#include "field_gpu_support.hpp"
#include "field_jacobian_voxel.cuh"
#include "field_sampling.cuh"
#include "gaussian_line.cuh"
#include "grid_view.hpp"
#include "ops/cpu/cpu_ops.hpp"
#include "ops/cpu/field_adam.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/field_sampling.hpp"
#include "ops/field_test_support.hpp"
#include "warp_resample_point.cuh"

using namespace ffdp;
using namespace ffdp::test;

namespace {

bool sameBits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }
bool close(double a, double b, double scale, double relative) { return std::abs(a - b) <= relative * scale; }

cuda::Matrix3 toIndexOf(const Grid& g) {
  const Mat3 inv = g.indexToPhysicalMatrix().inverse();
  cuda::Matrix3 r;
  std::memcpy(r.m, inv.m, sizeof(r.m));
  return r;
}

// The GPU smoothing's three passes, run on the host with gaussianLineOutput.
std::vector<float> hostSmooth(std::vector<float> data, const Grid& g, const Vec3& sigma, int components) {
  const int64_t strides[3] = {components, g.size[0] * components, g.size[0] * g.size[1] * components};
  std::vector<float> out(data.size());
  for (int a = 0; a < 3; ++a) {
    if (!(sigma[a] > 0)) continue;
    const cuda::GaussianAxisTable t = cuda::gaussianAxisTable(sigma[a], g.size[a]);
    for (int64_t f = 0; f < int64_t(data.size()); ++f) {
      const int64_t n = (f / strides[a]) % g.size[a];
      out[size_t(f)] = cuda::gaussianLineOutput(data.data() + (f - n * strides[a]), strides[a], n, g.size[a], t.radius,
                                                t.table.data(), t.table[size_t(2 * t.radius + 1 + n)]);
    }
    std::swap(data, out);
  }
  return data;
}

}  // namespace

TEST_CASE("host: field sampling with edge clamping is within float ulps of the CPU FieldSampler", "[gpu][host][field]") {
  auto rng = seededRng("host field sampling");
  for (const auto size : {std::array<int64_t, 3>{9, 7, 5}, std::array<int64_t, 3>{1, 6, 2}}) {
    const Grid g = randomObliqueGrid(rng, size, 0.7, 1.5, 0.6, {0, 0, 0});
    const Field u = randomField(rng, g, 4.0);
    const cpu::FieldSampler reference(u);
    const cuda::FieldView view{&u.data[0][0], size[0], size[1], size[2]};
    for (int trial = 0; trial < 5000; ++trial) {
      // Includes points far beyond the grid (edge clamp) and, once, a NaN index.
      double q[3] = {uniform(rng, -3, size[0] + 2), uniform(rng, -3, size[1] + 2), uniform(rng, -3, size[2] + 2)};
      if (trial == 0) q[1] = std::numeric_limits<double>::quiet_NaN();
      float r[3];
      cuda::sampleFieldClamped(view, q, r);
      const Vec3 expected = reference.value({q[0], q[1], q[2]});
      for (int c = 0; c < 3; ++c) REQUIRE(close(r[c], expected[c], 4.0, 1e-6));
    }
  }
}

TEST_CASE("host: resampleField voxel maths equal the CPU within float ulps", "[gpu][host][field]") {
  auto rng = seededRng("host resample field");
  const Grid g = randomObliqueGrid(rng, {13, 11, 8}, 0.7, 1.6, 0.6, {10, -5, 3});
  const Field u = randomField(rng, g, 4.0);
  const cuda::FieldView view{&u.data[0][0], g.size[0], g.size[1], g.size[2]};
  // onto a coarser grid over the same region
  const Grid coarse = g.shrunk({2, 2, 3});
  const Field resampled = cpu::resampleField(u, coarse);
  const cuda::IndexAffineView map = cuda::makeIndexAffine(coarse, g, Affine::identity());
  for (int64_t n = 0; n < coarse.voxels(); ++n) {
    const cuda::VoxelIndex x = cuda::voxelOf(n, coarse.size[0], coarse.size[1]);
    REQUIRE(coarse.linear(x.i, x.j, x.k) == n);
    double q[3];
    float r[3];
    cuda::indexAtExact(map, x.i, x.j, x.k, q);
    cuda::sampleFieldClamped(view, q, r);
    for (int c = 0; c < 3; ++c) REQUIRE(close(r[c], resampled.data[size_t(n)][c], 4.0, 1e-6));
    float small[3];  // 32-bit offsets: the same corners, so the same bits
    cuda::sampleFieldClamped<int32_t>(view, q, small);
    for (int c = 0; c < 3; ++c) REQUIRE(std::memcmp(&small[c], &r[c], sizeof(float)) == 0);
  }
}

// The GPU takes the Jacobian in float (field_jacobian_voxel.cuh) as det(I + G) = 1 + (tr G + the
// principal 2x2 minors + det G), G = du/dx. A float sum is accurate to a few ulps of its largest
// terms, not of itself where they cancel, so the bound is 1e-6 (about 16 float ulps) of
// E = prod_r (1 + sum_c |G[r][c]|), which bounds every term of that expansion (E is taken in double
// here from the CPU's differences). Near a fold (G[r][r] near -1) E is far above the Leibniz
// products of I + G: with those (prod_r sum_c |(I + G)[r][c]|) the bound failed about one run in
// ten on the large random fields below.
double expansionScale(const Field& u, const cuda::Matrix3& toIndex, int64_t i, int64_t j, int64_t k) {
  const int64_t at[3] = {i, j, k};
  double dUdq[3][3];
  for (int a = 0; a < 3; ++a) {
    const int64_t n = u.grid.size[a], lo = at[a] > 0 ? at[a] - 1 : 0, hi = at[a] + 1 < n ? at[a] + 1 : n - 1;
    int64_t l[3] = {i, j, k}, h[3] = {i, j, k};
    l[a] = lo;
    h[a] = hi;
    for (int c = 0; c < 3; ++c)
      dUdq[c][a] = hi > lo ? (double(u.at(h[0], h[1], h[2])[c]) - double(u.at(l[0], l[1], l[2])[c])) / double(hi - lo)
                           : 0.0;
  }
  double E = 1;
  for (int r = 0; r < 3; ++r) {
    double row = 1;
    for (int c = 0; c < 3; ++c)
      row += std::abs(dUdq[r][0] * toIndex.m[0][c] + dUdq[r][1] * toIndex.m[1][c] + dUdq[r][2] * toIndex.m[2][c]);
    E *= row;
  }
  return E;
}

TEST_CASE("host: float Jacobian determinant voxel maths is within 1e-6 of its terms' scale of the CPU",
          "[gpu][host][field]") {
  auto rng = seededRng("host jacobian");
  for (const double amplitude : {1.5, 0.05}) {  // large gradients (folds, cancellation) and near-identity ones
    for (const auto size : {std::array<int64_t, 3>{10, 9, 7}, std::array<int64_t, 3>{5, 1, 4}}) {
      const Grid g = randomObliqueGrid(rng, size, 0.6, 1.7, 0.7, {3, 1, -2});
      const Field u = randomField(rng, g, amplitude);
      const Image expected = cpu::jacobianDeterminant(u);
      const cuda::Matrix3 toIndex = toIndexOf(g);
      const cuda::FloatMatrix3 toIndexFloat = cuda::floatMatrix(toIndex.m);
      for (int64_t k = 0; k < size[2]; ++k)
        for (int64_t j = 0; j < size[1]; ++j)
          for (int64_t i = 0; i < size[0]; ++i) {
            const float got = cuda::jacobianAt(&u.data[0][0], size[0], size[1], size[2], toIndexFloat.m, i, j, k);
            INFO("voxel " << i << " " << j << " " << k << ": " << got << " against " << expected.at(i, j, k));
            REQUIRE(close(got, expected.at(i, j, k), expansionScale(u, toIndex, i, j, k), 1e-6));
          }
    }
  }
}

TEST_CASE("host: Adam element updates equal the CPU bit for bit", "[gpu][host][field]") {
  auto rng = seededRng("host adam");
  SelfComm comm;
  const Grid g = randomObliqueGrid(rng, {7, 6, 5}, 1, 1, 0.1, {0, 0, 0});
  Field m = randomField(rng, g, 0.3), v = randomField(rng, g, 0.2);
  for (Vec3f& x : v.data)
    for (float& c : x) c = std::abs(c);
  const Field grad = randomField(rng, g, 0.5);
  Field mc = m, vc = v;
  cpu::updateAdamMoments(mc, vc, grad, 0.7, 0.9, 0.999, comm);
  for (size_t n = 0; n < m.data.size(); ++n)
    for (int c = 0; c < 3; ++c) {
      cuda::adamMomentsElement(m.data[n][c], v.data[n][c], grad.data[n][c], 0.7f, 0.9f, 0.999f);
      REQUIRE(close(m.data[n][c], mc.data[n][c], 0.5, 1e-6));
      REQUIRE(close(v.data[n][c], vc.data[n][c], 0.2, 1e-6));
    }
  v.data[3][1] = -1e-9f;  // a tiny negative second moment is clamped to 0
  // The CPU's direction, read off composeAdamStep with u = 0 and s = 1 (out = d exactly).
  const double c1 = 1 - std::pow(0.9, 7), c2 = 1 - std::pow(0.999, 7), eps = 1.3e-4;
  Field d;
  cpu::composeAdamDirection(Field(g), m, v, c1, c2, eps, 1.0, d);
  for (size_t n = 0; n < m.data.size(); ++n)
    for (int c = 0; c < 3; ++c)
      REQUIRE(close(cuda::adamDirectionElement(m.data[n][c], v.data[n][c], float(1 / c1), float(1 / c2), float(eps)),
                    d.data[n][c], 1.0 + std::abs(d.data[n][c]), 1e-6));
}

TEST_CASE("host: Gaussian line outputs reproduce the CPU smoothing", "[gpu][host][smooth]") {
  auto rng = seededRng("host smoothing");
  const Grid g = randomObliqueGrid(rng, {19, 15, 12}, 0.7, 1.6, 0.6, {0, 5, 0});
  const Field u = randomField(rng, g, 3.0);
  for (const Vec3 sigma : {Vec3{1.2, 0.7, 2.0}, Vec3{0.0, 1.5, 0.0}, Vec3{30.0, 0.0, 0.4}}) {
    Field expected = u;
    cpu::smoothField(expected, sigma);
    std::vector<float> flat(&u.data[0][0], &u.data[0][0] + 3 * u.voxels());
    const std::vector<float> got = hostSmooth(flat, g, sigma, 3);
    const Agreement a = compareFloats(got.data(), &expected.data[0][0], 3 * u.voxels());
    FFDP_REPORT_AGREEMENT(a);
    REQUIRE(a.relative < 1e-5);
  }
}

TEST_CASE("host: resample point rules equal the CPU resampleAffine", "[gpu][host][resample]") {
  auto rng = seededRng("host resample point");
  const Grid mg = randomObliqueGrid(rng, {12, 10, 9}, 0.8, 1.5, 0.5, {0, 0, 0});
  Image moving = sampleImage(mg, SmoothField(rng, mg.centre(), 12));
  Image labels(mg);
  for (float& x : labels.data) x = float(std::uniform_int_distribution<int>(0, 3)(rng));
  const Grid grid = randomObliqueGrid(rng, {14, 11, 10}, 0.7, 1.3, 0.6, {1, -1, 0.5});
  // Both branches (inside and outside the moving image) must be exercised, so the affine is drawn
  // until the CPU maps some of the grid, but less than half, outside. With one draw, 2 of 213 runs
  // mapped more than the three quarters allowed below outside, and failed.
  Affine A;
  for (int draw = 0; draw < 100; ++draw) {
    A = randomAffine(rng, grid.centre(), 0.2, 0.1, 3.0);
    const Image probe = cpu::resampleAffine(moving, grid, A, Interpolation::Linear, -7.0f);
    const int64_t cpuOutside = std::count(probe.data.begin(), probe.data.end(), -7.0f);
    if (cpuOutside > 0 && cpuOutside < grid.voxels() / 2) break;
  }
  const std::pair<Interpolation, cuda::PointRule> rules[3] = {{Interpolation::Linear, cuda::PointRule::Linear},
                                                              {Interpolation::NearestNeighbor, cuda::PointRule::Nearest},
                                                              {Interpolation::Label, cuda::PointRule::Label}};
  const cuda::IndexAffineView map = cuda::makeIndexAffine(grid, mg, A);
  for (const auto& [interp, rule] : rules) {
    const Image& in = interp == Interpolation::Label ? labels : moving;
    const Image expected = cpu::resampleAffine(in, grid, A, interp, -7.0f);
    const cuda::ImageView view{in.data.data(), mg.size[0], mg.size[1], mg.size[2]};
    int64_t outside = 0, differ = 0;
    double worst = 0;
    for (int64_t n = 0; n < grid.voxels(); ++n) {
      const cuda::VoxelIndex x = cuda::voxelOf(n, grid.size[0], grid.size[1]);
      double q[3];
      cuda::indexAtExact(map, x.i, x.j, x.k, q);
      const float got = cuda::resamplePoint(view, q, rule, -7.0f);
      outside += got == -7.0f;
      differ += !sameBits(got, expected.data[size_t(n)]);
      worst = std::max(worst, double(std::abs(got - expected.data[size_t(n)])));
    }
    INFO("interpolation " << int(interp) << ": " << differ << " voxels differ, by up to " << worst);
    if (interp == Interpolation::Linear)
      REQUIRE(worst <= 1e-6 * 60.0);  // SmoothField values lie within about +-60
    else
      REQUIRE(differ <= grid.voxels() / 200);
    REQUIRE(outside > 0);                   // the grids overlap only partly:
    REQUIRE(outside < 3 * grid.voxels() / 4);  // both branches are exercised
  }
}
