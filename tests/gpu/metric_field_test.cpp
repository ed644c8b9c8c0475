// The CUDA field metrics (cuda/metric_dispatch.hpp) against the CPU reference (cpu::fieldMetric)
// on fresh random inputs (oblique grids, masks, a random displacement, sampling subsets) and on a
// cropped real brain pair, plus a bit-for-bit repeat of every GPU result.
//
// Error bounds (documented here, asserted below):
//   validVoxels  equal (the valid rule is evaluated in the same order of operations);
//   value        |gpu - cpu| <= 1e-9 |cpu| (+1e-12): double sums in another order; MI's
//                histogram is fixed-point (quantum 2^-40 of a vote at these sizes);
//   gradient     max |gpu - cpu| <= 1e-6 max |cpu| over all voxels and components: each value is
//                a float rounded from double maths that differ only by FMA contraction and the
//                order of sums, i.e. at most an ulp or two of the largest float.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>

#include "../ops/field_test_support.hpp"
#include "dist/comm.hpp"
#include "field_gpu_support.hpp"
#include "gpu_test_support.hpp"
#include "metric_dispatch.hpp"
#include "metric_scene.hpp"
#include "ops/cpu/cpu_ops.hpp"

namespace ffdp::test {
namespace {

// A metric problem held on the host and on the device.
struct FieldProblem : MetricScene {
  Field u;

  cuda::DeviceArray<float> dFixed, dMoving, dU;
  cuda::DeviceArray<uint8_t> dFixedMask, dMovingMask;

  void upload() {
    dFixed = toDevice(fixed, "test fixed image");
    dMoving = toDevice(moving, "test moving image");
    dU = toDevice(u, "test displacement");
    if (masks) {
      dFixedMask = cuda::DeviceArray<uint8_t>::fromHost(fixedMask.data, "test fixed mask");
      dMovingMask = cuda::DeviceArray<uint8_t>::fromHost(movingMask.data, "test moving mask");
    }
  }
  cuda::MetricDeviceInputs inputs(const MetricSettings& s) const {
    cuda::MetricDeviceInputs in;
    in.fixed = dFixed.data();
    in.fixedGrid = fixed.grid;
    in.moving = dMoving.data();
    in.movingGrid = moving.grid;
    in.fixedMask = masks ? dFixedMask.data() : nullptr;
    in.movingMask = masks ? dMovingMask.data() : nullptr;
    in.A = A;
    in.settings = s;
    return in;
  }
  FieldMetricEval cpu(const MetricSettings& s, Field* gradient) const {
    SelfComm comm;
    return cpu::fieldMetric(cpu::MetricInputs{fixed, moving, masks ? &fixedMask : nullptr,
                                              masks ? &movingMask : nullptr, A, s},
                            u, gradient, comm);
  }
  FieldMetricEval gpu(const MetricSettings& s, cuda::DeviceArray<float>* gradient) const {
    SelfComm comm;
    return cuda::fieldMetric(inputs(s), dU.data(), gradient ? gradient->data() : nullptr, comm);
  }
};

FieldProblem randomProblem(std::mt19937_64& rng, bool masks) {
  FieldProblem p;
  static_cast<MetricScene&>(p) = randomMetricScene(rng, masks);
  p.u = randomField(rng, p.fixed.grid, 1.2);
  p.upload();
  return p;
}

// GPU against CPU, and the GPU against itself on a second run.
void expectAgreement(const FieldProblem& p, const MetricSettings& s) {
  Field cpuGradient(p.fixed.grid);
  const FieldMetricEval c = p.cpu(s, &cpuGradient);
  cuda::DeviceArray<float> g1(3 * p.fixed.voxels(), "test gradient"), g2(3 * p.fixed.voxels(), "test gradient");
  const FieldMetricEval r1 = p.gpu(s, &g1);
  const FieldMetricEval r2 = p.gpu(s, &g2);
  const FieldMetricEval valueOnly = p.gpu(s, nullptr);
  const Field gpuGradient = fieldFromDevice(g1, p.fixed.grid), repeat = fieldFromDevice(g2, p.fixed.grid);

  INFO("cpu value " << c.value << " valid " << c.validVoxels << "; gpu value " << r1.value << " valid "
                    << r1.validVoxels);
  REQUIRE(c.validVoxels > p.fixed.voxels() / 10);
  checkMetricAgainstCpu("metric agreement", s.kind, c, r1, valueOnly, cpuGradient, gpuGradient);
  const Agreement a = compare(gpuGradient, cpuGradient);
  // Invalid voxels get exactly zero on both.
  int64_t zeroMismatch = 0;
  for (size_t n = 0; n < cpuGradient.data.size(); ++n)
    for (int c3 = 0; c3 < 3; ++c3)
      zeroMismatch += (cpuGradient.data[n][c3] == 0.0f) != (gpuGradient.data[n][c3] == 0.0f) &&
                      std::abs(cpuGradient.data[n][c3] - gpuGradient.data[n][c3]) > 1e-6 * a.scale;
  CHECK(zeroMismatch == 0);

  // Run to run: bit for bit.
  CHECK(sameBits(r2.value, r1.value));
  CHECK(r2.validVoxels == r1.validVoxels);
  CHECK(std::memcmp(gpuGradient.data.data(), repeat.data.data(), gpuGradient.data.size() * sizeof(Vec3f)) == 0);
}

// CC of radius r; without masks on a sampled subset (the masks' cases sample every voxel).
MetricSettings ccSettings(int radius, bool masks) {
  MetricSettings s;
  s.kind = MetricKind::CC;
  s.radius = radius;
  s.samplingFraction = masks ? 1.0 : 0.7;
  return s;
}

TEST_CASE("CUDA LNCC field metric equals the CPU reference", "[gpu][metric][cc]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu field metric CC");
  const bool masks = GENERATE(true, false);
  const int radius = GENERATE(1, 2, 4);
  FieldProblem p = randomProblem(rng, masks);
  const MetricSettings s = ccSettings(radius, masks);
  INFO("radius " << radius << ", masks " << masks << ", sampling " << s.samplingFraction);
  expectAgreement(p, s);
}

TEST_CASE("CUDA LNCC in groups of z-slices gives the same bits as in one", "[gpu][metric][cc]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu field metric CC groups");
  const bool masks = GENERATE(true, false);
  const int radius = GENERATE(1, 2, 4);
  FieldProblem p = randomProblem(rng, masks);
  const MetricSettings s = ccSettings(radius, masks);
  INFO("radius " << radius << ", masks " << masks);
  const int64_t V = p.fixed.voxels();
  REQUIRE(p.fixed.grid.size[2] > 64);  // groups of 32, 32 and the rest
  SelfComm comm;
  cuda::MetricDeviceInputs grouped = p.inputs(s);
  grouped.ccGroupSlices = 32;

  cuda::DeviceArray<float> g1(3 * V, "test gradient"), g2(3 * V, "test gradient");
  const FieldMetricEval one = cuda::fieldMetric(p.inputs(s), p.dU.data(), g1.data(), comm);
  const FieldMetricEval groups = cuda::fieldMetric(grouped, p.dU.data(), g2.data(), comm);
  REQUIRE(one.validVoxels > V / 10);
  CHECK(sameBits(groups.value, one.value));
  CHECK(groups.validVoxels == one.validVoxels);
  CHECK(g1.toHost("test gradient") == g2.toHost("test gradient"));

  const AffineMetricEval a1 = cuda::affineMetric(p.inputs(s), true, comm);
  const AffineMetricEval a2 = cuda::affineMetric(grouped, true, comm);
  CHECK(sameBits(a2.value, a1.value));
  CHECK(a2.validVoxels == a1.validVoxels);
  for (size_t q = 0; q < a1.gradient.size(); ++q) CHECK(sameBits(a2.gradient[q], a1.gradient[q]));

  // No valid voxel in groups: zero value, zero gradient.
  grouped.A.t = {1000, 0, 0};
  const std::vector<float> ones(size_t(3 * V), 1.0f);
  g2.upload(ones.data(), int64_t(ones.size()), "test gradient");
  const FieldMetricEval none = cuda::fieldMetric(grouped, p.dU.data(), g2.data(), comm);
  CHECK(none.validVoxels == 0);
  CHECK(none.value == 0.0);
  const std::vector<float> back = g2.toHost("test gradient");
  CHECK(std::all_of(back.begin(), back.end(), [](float v) { return v == 0.0f; }));
}

TEST_CASE("CUDA MI field metric equals the CPU reference", "[gpu][metric][mi]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu field metric MI");
  const bool masks = GENERATE(true, false);
  const int bins = GENERATE(32, 100);  // 100: the histogram and the log table no longer fit in shared memory
  FieldProblem p = randomProblem(rng, masks);
  MetricSettings s;
  s.kind = MetricKind::MI;
  s.bins = bins;
  s.samplingFraction = masks ? 1.0 : 0.7;
  INFO("bins " << bins << ", masks " << masks << ", sampling " << s.samplingFraction);
  expectAgreement(p, s);
}

TEST_CASE("CUDA mean-squares field metric equals the CPU reference", "[gpu][metric][mse]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu field metric MSE");
  const bool masks = GENERATE(true, false);
  FieldProblem p = randomProblem(rng, masks);
  MetricSettings s;
  s.kind = MetricKind::MeanSquares;
  s.samplingFraction = masks ? 1.0 : 0.7;
  INFO("masks " << masks << ", sampling " << s.samplingFraction);
  expectAgreement(p, s);
}

TEST_CASE("CUDA field metrics give the same bits with cached intensity ranges", "[gpu][metric]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu field metric cached ranges");
  FieldProblem p = randomProblem(rng, true);
  SelfComm comm;
  const cuda::DeviceIntensityRange fr = cuda::intensityRange(p.dFixed.data(), p.fixed.voxels(), comm);
  const cuda::DeviceIntensityRange mr = cuda::intensityRange(p.dMoving.data(), p.moving.voxels(), comm);
  for (MetricKind kind : {MetricKind::CC, MetricKind::MI}) {
    MetricSettings s;
    s.kind = kind;
    s.radius = 2;
    INFO("metric " << int(kind));
    cuda::DeviceArray<float> g1(3 * p.fixed.voxels(), "test gradient"), g2(3 * p.fixed.voxels(), "test gradient");
    const FieldMetricEval measured = p.gpu(s, &g1);
    cuda::MetricDeviceInputs in = p.inputs(s);
    in.fixedRange = &fr;
    in.movingRange = &mr;
    const FieldMetricEval cached = cuda::fieldMetric(in, p.dU.data(), g2.data(), comm);
    CHECK(sameBits(cached.value, measured.value));
    CHECK(cached.validVoxels == measured.validVoxels);
    CHECK(g1.toHost("test gradient") == g2.toHost("test gradient"));
  }
}

TEST_CASE("CUDA field metrics with no valid voxel give zero value and a zero gradient", "[gpu][metric]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu field metric empty overlap");
  FieldProblem p = randomProblem(rng, false);
  p.A.t = {1000, 0, 0};  // maps everything outside the moving image
  for (MetricKind kind : {MetricKind::CC, MetricKind::MI, MetricKind::MeanSquares}) {
    MetricSettings s;
    s.kind = kind;
    cuda::DeviceArray<float> g(3 * p.fixed.voxels(), "test gradient");
    const std::vector<float> ones(size_t(3 * p.fixed.voxels()), 1.0f);
    g.upload(ones.data(), int64_t(ones.size()), "test gradient");
    const FieldMetricEval r = p.gpu(s, &g);
    CHECK(r.validVoxels == 0);
    CHECK(r.value == 0.0);
    const std::vector<float> back = g.toHost("test gradient");
    CHECK(std::all_of(back.begin(), back.end(), [](float v) { return v == 0.0f; }));
  }
}

TEST_CASE("CUDA field metrics equal the CPU on a cropped real brain pair (stroke T1 -> T2)", "[gpu][metric][real]") {
  FFDP_REQUIRE_GPU();
  const std::string p1 = sharedData("multimodal/stroke/T1.nii.gz"), p2 = sharedData("multimodal/stroke/T2.nii.gz");
  FFDP_REQUIRE_DATA(p1);
  FFDP_REQUIRE_DATA(p2);
  FieldProblem p;
  p.fixed = cropVolume(readImage(p1).image, {30, 40, 40}, {64, 72, 48});
  p.moving = cropVolume(readImage(p2).image, {26, 36, 36}, {72, 80, 56});
  p.A = Affine::identity(p.fixed.grid.centre());
  p.A.M.m[0][1] = 0.03;
  p.A.t = {0.7, -1.3, 0.4};
  p.u = brainGradientField(p.fixed, 0.01);  // up to a few mm, with the brain's edges
  p.upload();
  for (MetricKind kind : {MetricKind::CC, MetricKind::MI, MetricKind::MeanSquares}) {
    MetricSettings s;
    s.kind = kind;
    s.radius = 2;
    INFO("metric " << int(kind));
    expectAgreement(p, s);
  }
}

}  // namespace
}  // namespace ffdp::test
