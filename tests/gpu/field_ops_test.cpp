// The CUDA field operations against the CPU reference (lib/ops/cpu) on fresh random fields on
// oblique grids and on a cropped real brain. The GPU keeps the reference's double index maths
// without fused multiply-adds (field_exact_math.cuh) but blends samples and takes the Jacobian in
// float; the CPU reference uses float fast paths and FMA, so the bounds are documented accuracies: composed and inverted fields within
// 2e-5 mm (the CPU compose tests allow 1e-5 mm against a double evaluation; an inversion may also
// stop one sweep apart, so add twice its tolerance), smoothing within 1e-5 of the field's scale
// (smoothing_test.cpp), everything else within 1e-6 of the output's scale (a few float ulps).
// Every reduction is also run twice and must repeat bit for bit.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "field_adam.hpp"
#include "field_compose.hpp"
#include "field_gpu_support.hpp"
#include "field_invert.hpp"
#include "field_jacobian.hpp"
#include "field_max_norm.hpp"
#include "field_resample.hpp"
#include "field_sampling.cuh"
#include "field_smooth.hpp"
#include "gpu_test_support.hpp"
#include "ops/backend.hpp"
#include "ops/field_test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

constexpr double kRelativeBound = 1e-6;
constexpr double kSmoothBound = 1e-5;
constexpr double kFieldMm = 2e-5;

Field smoothOnGpu(const Field& u, const Vec3& sigma) {
  auto d = toDevice(u);
  cuda::DeviceArray<float> out(3 * u.voxels(), "smoothed");
  cuda::smoothFieldInto(d.data(), out.data(), u.grid, sigma);
  return fieldFromDevice(out, u.grid);
}

Field composeOnGpu(const Field& u, const Field& g) {
  auto du = toDevice(u), dg = toDevice(g);
  cuda::DeviceArray<float> r(3 * g.voxels(), "composed");
  cuda::composeFields(du.data(), dg.data(), r.data(), g.grid);
  return fieldFromDevice(r, g.grid);
}

Field invertOnGpu(const Field& u, int iterations, double tolerance, int* sweeps = nullptr) {
  auto du = toDevice(u);
  cuda::DeviceArray<float> v(3 * u.voxels(), "inverse");
  const int s = cuda::invertField(du.data(), v.data(), u.grid, iterations, tolerance);
  if (sweeps) *sweeps = s;
  return fieldFromDevice(v, u.grid);
}

Image jacobianOnGpu(const Field& u) {
  auto du = toDevice(u);
  cuda::DeviceArray<float> det(u.voxels(), "jacobian");
  cuda::jacobianDeterminant(du.data(), u.grid, det.data());
  return imageFromDevice(det, u.grid);
}

double maxNormOnGpu(const Field& u) {
  auto du = toDevice(u);
  return cuda::maxNorm(du.data(), u.voxels());
}

}  // namespace

// The one- and two-pass kernels' tiling: x tiles of 32 floats with a ragged end, several j tiles,
// several k blocks of 128 planes (the register window restarts at each), every window width from
// the anisotropic mix, an axis left alone, and a plane count below the window. The one-pass kernel
// and the two passes with 2 or 4 rows per thread compute the same sums, so they must agree bit for
// bit; the per-axis kernels agree within the bound. The images' one-float-per-voxel case too, and
// rows long enough that the i pass opts in to more shared memory.
TEST_CASE("GPU one- and two-pass smoothing equal the CPU smoothing across tiles", "[gpu][field][smooth]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu smooth tiles");
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  using cuda::SmoothKernels;
  for (const auto& [size, sigma] : {std::pair<std::array<int64_t, 3>, Vec3>{{13, 70, 300}, {1.0, 1.5, 2.9}},
                                    std::pair<std::array<int64_t, 3>, Vec3>{{45, 33, 140}, {0.5, 3.0, 0.0}},
                                    std::pair<std::array<int64_t, 3>, Vec3>{{21, 3, 2}, {0.0, 0.3, 1.0}},
                                    std::pair<std::array<int64_t, 3>, Vec3>{{40, 37, 9}, {0.0, 0.0, 2.0}},
                                    std::pair<std::array<int64_t, 3>, Vec3>{{50, 20, 17}, {2.0, 0.0, 0.0}},
                                    std::pair<std::array<int64_t, 3>, Vec3>{{33, 41, 29}, {0.7, 0.7, 0.7}},
                                    std::pair<std::array<int64_t, 3>, Vec3>{{20, 45, 150}, {1.2, 1.5, 0.9}},
                                    std::pair<std::array<int64_t, 3>, Vec3>{{37, 50, 140}, {0.5, 0.25, 0.5}},
                                    // rows beyond the i pass's default 48 KB of shared memory
                                    std::pair<std::array<int64_t, 3>, Vec3>{{1500, 3, 4}, {2.5, 1.0, 0.0}}}) {
    const Grid h = randomObliqueGrid(rng, size, 0.7, 1.6, 0.6, {0, 5, 0});
    const Field w = randomField(rng, h, 3.0);
    Field expected = w;
    cpu->smoothField(expected, sigma);
    INFO("size " << size[0] << "x" << size[1] << "x" << size[2] << " sigma " << sigma[0] << " " << sigma[1] << " "
                 << sigma[2]);
    std::vector<Field> got;
    for (const SmoothKernels k : {SmoothKernels::Fused, SmoothKernels::TwoPass, SmoothKernels::TwoPassFourRows,
                                  SmoothKernels::PerAxis}) {
      INFO("kernels " << int(k));
      auto d = toDevice(w);
      cuda::DeviceArray<float> out(3 * w.voxels(), "smoothed");
      cuda::smoothFieldTuned(d.data(), out.data(), h, sigma, k);
      got.push_back(fieldFromDevice(out, h));
      const Agreement a = compare(got.back(), expected);
      FFDP_REPORT_AGREEMENT(a);
      REQUIRE(a.relative < kSmoothBound);
    }
    const size_t bytes = got[0].data.size() * sizeof(got[0].data[0]);
    for (const size_t k : {1, 2}) REQUIRE(std::memcmp(got[0].data.data(), got[k].data.data(), bytes) == 0);

    // One float per voxel: the images' kernels, every plane.
    std::vector<float> image(size_t(h.voxels()));
    for (int64_t n = 0; n < h.voxels(); ++n) image[size_t(n)] = w.data[size_t(n)][size_t(n % 3)];
    Image expectedImage;
    expectedImage.grid = h;
    expectedImage.data = image;
    expectedImage = cpu->smoothAndResample(expectedImage, sigma, h);
    auto din = cuda::DeviceArray<float>::fromHost(image, "image");
    cuda::DeviceArray<float> dout(h.voxels(), "smoothed image");
    cuda::smoothImageInto(din.data(), dout.data(), h, sigma);
    const std::vector<float> gotImage = dout.toHost("smoothed image");
    double worst = 0, scale = 0;
    for (size_t n = 0; n < image.size(); ++n) {
      worst = std::max(worst, double(std::abs(gotImage[n] - expectedImage.data[n])));
      scale = std::max(scale, double(std::abs(expectedImage.data[n])));
    }
    INFO("image: largest difference " << worst << " of scale " << scale);
    REQUIRE(worst <= kSmoothBound * scale);
  }
}

// On a slab, only the own planes are smoothed (from the halo's inputs) and the halo planes keep the
// input: the backend's contract (the slab decorator refreshes the halo afterwards). In place (two
// passes) the own planes come out with the same bits.
TEST_CASE("GPU smoothing of a slab smooths its own planes and copies its halo", "[gpu][field][smooth][slab]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu smooth slab");
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  const Grid whole = randomObliqueGrid(rng, {30, 26, 40}, 0.7, 1.6, 0.6, {0, 5, 0});
  const Field w = randomField(rng, whole, 3.0);
  Field expected = w;
  cpu->smoothField(expected, {1.0, 1.0, 1.0});
  Grid slab = whole;  // a slab buffer that spans the whole grid: 13 own planes, 12 halo planes below, 15 above
  slab.slab.wholeSlices = whole.size[2];
  slab.slab.ownBegin = 12;
  slab.slab.ownEnd = 25;
  slab.slab.halo = 15;
  auto d = toDevice(w);
  cuda::DeviceArray<float> out(3 * w.voxels(), "smoothed slab");
  cuda::smoothFieldInto(d.data(), out.data(), slab, {1.0, 1.0, 1.0});
  const Field got = fieldFromDevice(out, whole);
  const int64_t planeVoxels = whole.size[0] * whole.size[1];
  double worstOwn = 0, worstHalo = 0;
  for (int64_t n = 0; n < whole.voxels(); ++n) {
    const int64_t k = n / planeVoxels;
    for (int c = 0; c < 3; ++c) {
      const size_t v = size_t(n);
      if (k >= 12 && k < 25)
        worstOwn = std::max(worstOwn, double(std::abs(got.data[v][c] - expected.data[v][c])));
      else
        worstHalo = std::max(worstHalo, double(std::abs(got.data[v][c] - w.data[v][c])));
    }
  }
  REQUIRE(worstOwn <= kSmoothBound * 3.0);
  REQUIRE(worstHalo == 0.0);

  REQUIRE(cuda::smoothsInOnePass(slab, {1.0, 1.0, 1.0}));
  REQUIRE_FALSE(cuda::smoothsInOnePass(slab, {1.5, 0.0, 0.0}));  // radius 6
  cuda::smoothField(d.data(), slab, {1.0, 1.0, 1.0});
  const Field inPlace = fieldFromDevice(d, whole);
  const size_t own = size_t(12 * planeVoxels), ownCount = size_t(13 * planeVoxels);
  REQUIRE(std::memcmp(inPlace.data.data() + own, got.data.data() + own, ownCount * sizeof(got.data[0])) == 0);
}

// The float sampling of composition (field_sampling.cuh, both the 64-bit and the 32-bit offset
// versions), evaluated on the host: the CPU's FieldStepSampler arithmetic operation for operation,
// so both give the same bits, including voxels far from the origin, steps beyond the grid (edge
// clamp), a NaN step (clamped) and zero steps of either sign.
TEST_CASE("Float composition maths on the host equals the CPU composeFields", "[field][compose]") {
  auto rng = seededRng("host float compose");
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {23, 19, 300}, 0.7, 1.6, 0.6, {10, -5, 3});
  const Field u = randomField(rng, g, 4.0);
  Field step = randomField(rng, g, 4.0);
  step.data[77][1] = std::nanf("");
  step.data[78] = {0.0f, 0.0f, 0.0f};
  step.data[79] = {-0.0f, -0.0f, -0.0f};
  const Field expected = cpu->composeFields(u, step);
  const Mat3 inv = g.indexToPhysicalMatrix().inverse();
  double m[3][3];
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) m[a][b] = inv.m[a][b];
  const cuda::FloatMatrix3 M = cuda::floatMatrix(m);
  const cuda::FieldView view{&u.data[0][0], g.size[0], g.size[1], g.size[2]};
  int64_t differ = 0;
  double worst = 0;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const int64_t n = i + g.size[0] * (j + g.size[1] * k);
        const float s[3] = {step.data[n][0], step.data[n][1], step.data[n][2]};
        float q[3], r[3], rSmall[3];
        cuda::indexStepFloat(M, s, q);
        cuda::sampleFieldStep(view, i, j, k, q, r);
        const int32_t nx = int32_t(g.size[0]), ny = int32_t(g.size[1]), nz = int32_t(g.size[2]);
        cuda::sampleFieldStepSmall(&u.data[size_t(n)][0], cuda::smallStepBounds(int32_t(i), nx),
                                   cuda::smallStepBounds(int32_t(j), ny), cuda::smallStepBounds(int32_t(k), nz),
                                   3 * nx, 3 * nx * ny, q, rSmall);
        for (int c = 0; c < 3; ++c) {
          for (const float sampled : {r[c], rSmall[c]}) {
            const float got = s[c] + sampled;
            if (std::isnan(got) && std::isnan(expected.data[n][c])) continue;
            differ += std::memcmp(&got, &expected.data[n][c], sizeof(float)) != 0;
            worst = std::max(worst, double(std::abs(got - expected.data[n][c])));
          }
        }
      }
  INFO("floats that differ: " << differ << ", largest difference " << worst << " mm");
  REQUIRE(worst < kFieldMm);
  REQUIRE(differ == 0);
}

TEST_CASE("GPU composeFields equals the CPU", "[gpu][field][compose]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu compose");
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {31, 27, 19}, 0.7, 1.6, 0.6, {10, -5, 3});
  // Rough steps of several voxels: many points fall beyond the grid (edge clamp).
  const Field u = randomField(rng, g, 4.0), step = randomField(rng, g, 4.0);
  const Agreement a = compare(composeOnGpu(u, step), cpu->composeFields(u, step));
  FFDP_REPORT_AGREEMENT(a);
  REQUIRE(a.largestDifference < kFieldMm);
  // Steps under a voxel, the optimiser's, on a grid of partial tiles along every axis (the kernel's
  // tiles are 32 x 8 voxels and 32 planes: row_segments.cuh).
  const Grid tiles = randomObliqueGrid(rng, {70, 19, 37}, 0.9, 1.3, 0.3, {2, 1, -4});
  const Field ua = randomField(rng, tiles, 4.0), small = randomField(rng, tiles, 0.4);
  const Agreement c = compare(composeOnGpu(ua, small), cpu->composeFields(ua, small));
  FFDP_REPORT_AGREEMENT(c);
  REQUIRE(c.largestDifference < kFieldMm);
  // Far from the origin along k (float index maths relative to the voxel), a voxel count that is
  // not a multiple of the 256-voxel block, and the output written over the step (as the
  // in-place scaled step does).
  const Grid tall = randomObliqueGrid(rng, {13, 11, 1001}, 0.7, 1.6, 0.6, {10, -5, 3});
  const Field ut = randomField(rng, tall, 3.0), st = randomField(rng, tall, 3.0);
  const Field expected = cpu->composeFields(ut, st);
  const Agreement b = compare(composeOnGpu(ut, st), expected);
  FFDP_REPORT_AGREEMENT(b);
  REQUIRE(b.largestDifference < kFieldMm);
  auto du = toDevice(ut), ds = toDevice(st);
  cuda::composeFields(du.data(), ds.data(), ds.data(), tall);
  REQUIRE(compare(fieldFromDevice(ds, tall), expected).largestDifference < kFieldMm);
}

TEST_CASE("GPU Adam step (moments, direction max norm, compose) equals the CPU", "[gpu][field][adam]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu adam");
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {41, 33, 29}, 0.8, 1.2, 0.3, {0, 0, 0});
  const Field m = randomField(rng, g, 0.3), u = randomField(rng, g, 2.0);
  Field v = randomField(rng, g, 0.2);
  for (Vec3f& x : v.data)
    for (float& c : x) c = std::abs(c);
  const Field grad = randomField(rng, g, 0.5);
  const double gScale = 0.8, c1 = 1 - std::pow(0.9, 3), c2 = 1 - std::pow(0.999, 3), eps = 2e-4, s = -1.3;

  Field mc = m, vc = v, outc;
  const double vMaxCpu = cpu->adamMoments(mc, vc, grad, gScale, 0.9, 0.999);
  const double dMaxCpu = cpu->adamDirectionMaxNorm(mc, vc, c1, c2, eps);
  cpu->composeAdamStep(u, mc, vc, c1, c2, eps, s, outc);

  auto dm = toDevice(m), dv = toDevice(v), dg = toDevice(grad), du = toDevice(u);
  const double vMax = cuda::adamMoments(dm.data(), dv.data(), dg.data(), g.voxels(), gScale, 0.9, 0.999);
  const double dMax = cuda::adamDirectionMaxNorm(dm.data(), dv.data(), g.voxels(), c1, c2, eps);
  const double dMaxAgain = cuda::adamDirectionMaxNorm(dm.data(), dv.data(), g.voxels(), c1, c2, eps);
  cuda::DeviceArray<float> out(3 * g.voxels(), "Adam step");
  cuda::composeAdamStep(du.data(), dm.data(), dv.data(), c1, c2, eps, s, out.data(), g, cuda::allVoxels(g.voxels()));

  const Agreement am = compare(fieldFromDevice(dm, g), mc), av = compare(fieldFromDevice(dv, g), vc),
                  ao = compare(fieldFromDevice(out, g), outc);
  FFDP_REPORT_AGREEMENT(ao);
  REQUIRE(am.relative < kRelativeBound);
  REQUIRE(av.relative < kRelativeBound);
  REQUIRE(ao.largestDifference < kFieldMm);
  REQUIRE(vMax == Approx(vMaxCpu).epsilon(kRelativeBound));
  REQUIRE(dMax == Approx(dMaxCpu).epsilon(kRelativeBound));
  REQUIRE(std::memcmp(&dMax, &dMaxAgain, sizeof(double)) == 0);

  // The stored direction and scaling agree with the fused step: compose(u, s d) = composeAdamStep.
  cuda::DeviceArray<float> d(3 * g.voxels(), "direction"), r(3 * g.voxels(), "composed");
  cuda::adamDirection(dm.data(), dv.data(), g.voxels(), c1, c2, eps, d.data());
  REQUIRE(cuda::maxNorm(d.data(), g.voxels()) == dMax);
  cuda::scaleField(d.data(), g.voxels(), s);
  cuda::composeFields(du.data(), d.data(), r.data(), g);
  REQUIRE(fieldFromDevice(r, g).data == fieldFromDevice(out, g).data);
}

TEST_CASE("GPU maxNorm equals the CPU, repeats bit for bit and propagates NaN", "[gpu][field][maxnorm]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu max norm");
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {67, 45, 39}, 0.8, 1.2, 0.3, {0, 0, 0});
  const Field u = randomField(rng, g, 3.0);
  auto du = toDevice(u);
  const double n1 = cuda::maxNorm(du.data(), g.voxels()), n2 = cuda::maxNorm(du.data(), g.voxels());
  REQUIRE(n1 == Approx(cpu->maxNorm(u)).epsilon(kRelativeBound));
  REQUIRE(std::memcmp(&n1, &n2, sizeof(double)) == 0);
  Field withNaN = u;
  withNaN.data[withNaN.data.size() / 3][2] = std::nanf("");
  REQUIRE(std::isnan(maxNormOnGpu(withNaN)));
  REQUIRE(maxNormOnGpu(Field(g)) == 0.0);
}

TEST_CASE("GPU invertField equals the CPU Jacobi iteration and repeats bit for bit", "[gpu][field][invert]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu invert");
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {29, 23, 21}, 0.8, 1.4, 0.5, {1, 1, 1});
  const Field u = sampleField(g, SmoothVectorField(rng, g, 0.28, {1.0, -0.5, 0.5}));
  for (const auto& [iterations, tolerance] : {std::pair<int, double>{30, 1e-6}, std::pair<int, double>{200, 1e-3},
                                              std::pair<int, double>{0, 0.0}}) {
    const Field expected = cpu->invertField(u, iterations, tolerance);
    int sweeps = 0;
    const Field got = invertOnGpu(u, iterations, tolerance, &sweeps);
    const Agreement a = compare(got, expected);
    INFO("iterations " << iterations << ", tolerance " << tolerance << ", GPU sweeps " << sweeps);
    FFDP_REPORT_AGREEMENT(a);
    REQUIRE(a.largestDifference < kFieldMm + 2 * tolerance);
    REQUIRE(sweeps <= iterations);
    REQUIRE(invertOnGpu(u, iterations, tolerance).data == got.data);
  }
}

TEST_CASE("GPU jacobianDeterminant and resampleField equal the CPU", "[gpu][field][jacobian]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu jacobian resample");
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {33, 26, 1}, 0.6, 1.7, 0.7, {3, 1, -2});  // one slice: zero k-difference
  const Grid g3 = randomObliqueGrid(rng, {30, 25, 22}, 0.6, 1.7, 0.7, {3, 1, -2});
  // Partial tiles in i and j, and three of the kernel's 64-plane chunks in k, the last one partial.
  const Grid chunks = randomObliqueGrid(rng, {37, 19, 141}, 0.6, 1.7, 0.7, {3, 1, -2});
  for (const Grid& grid : {g, g3, chunks}) {
    const Field u = randomField(rng, grid, 1.5);
    const Agreement a = compare(jacobianOnGpu(u), cpu->jacobianDeterminant(u));
    FFDP_REPORT_AGREEMENT(a);
    REQUIRE(a.relative < kRelativeBound);
  }
  const Field u = randomField(rng, g3, 2.0);
  for (const Grid& target : {g3.shrunk({2, 2, 2}), g3.shrunk({3, 1, 2}), g3}) {
    auto du = toDevice(u);
    cuda::DeviceArray<float> out(3 * target.voxels(), "resampled field");
    cuda::resampleField(du.data(), g3, target, out.data());
    const Agreement a = compare(fieldFromDevice(out, target), cpu->resampleField(u, target));
    FFDP_REPORT_AGREEMENT(a);
    REQUIRE(a.relative < kRelativeBound);
  }
  // Upsampling a coarse field (pyramid direction).
  const Grid coarse = g3.shrunk({2, 2, 2});
  const Field uc = randomField(rng, coarse, 2.0);
  auto duc = toDevice(uc);
  cuda::DeviceArray<float> out(3 * g3.voxels(), "upsampled field");
  cuda::resampleField(duc.data(), coarse, g3, out.data());
  REQUIRE(compare(fieldFromDevice(out, g3), cpu->resampleField(uc, g3)).relative < kRelativeBound);
}

TEST_CASE("GPU field ops on a cropped real brain equal the CPU", "[gpu][field][real]") {
  FFDP_REQUIRE_GPU();
  const std::string path = sharedData("brain-labels/1000_SS.nii.gz");
  FFDP_REQUIRE_DATA(path);
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  Image brain = cropVolume(readImage(path).image, {40, 60, 50}, {72, 64, 48});
  float top = 0;
  for (const float x : brain.data) top = std::max(top, x);
  // A step of up to ~2 mm along the brain's intensity edges, and the inverse-consistent pair.
  const Field u = brainGradientField(brain, 2.0 / top);
  Field smoothU = u;
  cpu->smoothField(smoothU, {1.5, 1.5, 1.5});

  const Agreement s = compare(smoothOnGpu(u, {1.5, 1.5, 1.5}), smoothU);
  FFDP_REPORT_AGREEMENT(s);
  REQUIRE(s.relative < kSmoothBound);
  const Agreement c = compare(composeOnGpu(smoothU, u), cpu->composeFields(smoothU, u));
  FFDP_REPORT_AGREEMENT(c);
  REQUIRE(c.largestDifference < kFieldMm);
  const Agreement inv = compare(invertOnGpu(smoothU, 20, 1e-4), cpu->invertField(smoothU, 20, 1e-4));
  FFDP_REPORT_AGREEMENT(inv);
  REQUIRE(inv.largestDifference < kFieldMm + 2e-4);
  const Agreement j = compare(jacobianOnGpu(smoothU), cpu->jacobianDeterminant(smoothU));
  FFDP_REPORT_AGREEMENT(j);
  REQUIRE(j.relative < kRelativeBound);
  const double n1 = maxNormOnGpu(u), n2 = maxNormOnGpu(u);
  REQUIRE(n1 == Approx(cpu->maxNorm(u)).epsilon(kRelativeBound));
  REQUIRE(std::memcmp(&n1, &n2, sizeof(double)) == 0);
}
