// A displacement field on a coarser grid than the images (ops/coarse_field_map.hpp) on the GPU, against
// the CPU reference (lib/ops/cpu/field_coarse.cpp, CpuBackend::fieldMetric), on fresh random inputs.
//
// Error bounds (asserted below):
//   restrictField  per value |gpu - cpu| <= 2^-23 |cpu| + 1e-9 max|cpu|: both evaluate
//                  CoarseFieldMap::restrictAt in double in one order, differing only by FMA contraction
//                  (about 1e-16 of the summed magnitudes, about s^3 times the largest input for a
//                  shrink s), so the floats differ by at most the one rounding that separates them;
//   fieldMetric    (its per-fixed-voxel gradient taken onto the coarse grid by each backend's restrictField)
//                  the fine field metric's bounds (metric_field_test.cpp): validVoxels equal (U is the
//                  same floats as cpu::upsampleField's, but one ulp apart at rounding ties:
//                  metric_host_math_test.cpp); value within 1e-9 |cpu| (+1e-12); the coarse gradient
//                  within 1e-6 of its largest magnitude (max |gpu - cpu| / max |cpu|). The fine gradients
//                  agree to 1e-6 of their largest, and the transpose sums them with non-negative weights,
//                  so a coarse value is off by at most 1e-6 of its weighted sum of fine magnitudes; on
//                  these smooth images those sums hardly cancel (measured on an H100: 5e-8 to 1e-7 for
//                  mean squares, at most 1e-9 for CC and MI). Run to run: bit for bit (a gather, no atomics).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "../ops/field_test_support.hpp"
#include "cuda_backend.hpp"
#include "dist/comm.hpp"
#include "field_gpu_support.hpp"
#include "field_restrict.hpp"
#include "gpu_test_support.hpp"
#include "metric_scene.hpp"
#include "ops/coarse_field_map.hpp"
#include "ops/cpu/field_ops.hpp"

namespace ffdp::test {
namespace {


TEST_CASE("CUDA restrictField equals cpu::restrictField", "[gpu][field][coarse]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu coarse restrict");
  struct Case {
    std::array<int64_t, 3> size;
    std::array<int, 3> shrink;
  };
  // Sizes not divisible by the shrink; {7, 9, 3} / 4 leaves one voxel along z.
  for (const Case& c : {Case{{45, 38, 70}, {2, 2, 2}}, Case{{31, 20, 17}, {3, 2, 1}}, Case{{50, 33, 41}, {4, 4, 4}},
                        Case{{7, 9, 3}, {4, 4, 4}}}) {
    const Grid image = randomObliqueGrid(rng, c.size, 0.7, 1.6, 0.5, {3, -2, 1});
    const Grid field = image.shrunk(c.shrink);
    INFO("image " << c.size[0] << "x" << c.size[1] << "x" << c.size[2] << ", shrink " << c.shrink[0] << ","
                  << c.shrink[1] << "," << c.shrink[2]);
    const Field g = randomField(rng, image, 2.0);
    const Field expected = cpu::restrictField(g, field);
    const auto dg = toDevice(g);
    cuda::DeviceArray<float> out(3 * field.voxels(), "restricted field");
    cuda::restrictField(dg.data(), coarseFieldMap(image, field), out.data());
    const Field got = fieldFromDevice(out, field);

    const Agreement a = compare(got, expected);
    FFDP_REPORT_AGREEMENT(a);
    std::printf("[coarse restrict agreement] shrink %d,%d,%d: largest difference %.3g of %.3g, %.1f %% of floats "
                "bit-identical\n",
                c.shrink[0], c.shrink[1], c.shrink[2], a.largestDifference, a.scale,
                100.0 * double(a.identical) / double(a.total));
    REQUIRE(a.scale > 0);
    int64_t outside = 0;
    for (size_t n = 0; n < expected.data.size(); ++n)
      for (int d = 0; d < 3; ++d) {
        const double e = expected.data[n][d], r = got.data[n][d];
        outside += std::abs(r - e) > std::ldexp(std::abs(e), -23) + 1e-9 * a.scale;
      }
    CHECK(outside == 0);
  }
}

// One fieldMetric problem: the images of metric_field_test.cpp, with u on the fixed grid shrunk.
struct CoarseProblem : MetricScene {
  Field u;
};

CoarseProblem randomCoarseProblem(std::mt19937_64& rng, bool masks, const std::array<int, 3>& shrink) {
  CoarseProblem p;
  static_cast<MetricScene&>(p) = randomMetricScene(rng, masks);
  p.u = randomField(rng, p.fixed.grid.shrunk(shrink), 1.2);
  return p;
}

void expectCoarseAgreement(const CoarseProblem& p, const MetricSettings& s) {
  SelfComm comm;
  auto cpu = makeCpuBackend(comm);
  auto gpu = makeCudaBackend(comm, 0);
  const Mask* fm = p.masks ? &p.fixedMask : nullptr;
  const Mask* mm = p.masks ? &p.movingMask : nullptr;
  // The metric's gradient per fixed voxel, then restrictField onto the coarse grid, on each backend.
  Field cpuFine, gpuFine, repeatFine;
  const FieldMetricEval c = cpu->fieldMetric(p.fixed, p.moving, fm, mm, p.A, p.u, s, &cpuFine);
  const FieldMetricEval r1 = gpu->fieldMetric(p.fixed, p.moving, fm, mm, p.A, p.u, s, &gpuFine);
  const FieldMetricEval r2 = gpu->fieldMetric(p.fixed, p.moving, fm, mm, p.A, p.u, s, &repeatFine);
  const FieldMetricEval valueOnly = gpu->fieldMetric(p.fixed, p.moving, fm, mm, p.A, p.u, s, nullptr);
  REQUIRE(gpuFine.grid.sameAs(p.fixed.grid));
  const Field cpuGradient = cpu->restrictField(cpuFine, p.u.grid);
  Field gpuGradient = gpu->restrictField(gpuFine, p.u.grid), repeat = gpu->restrictField(repeatFine, p.u.grid);
  gpu->toHost(gpuGradient);
  gpu->toHost(repeat);

  INFO("cpu value " << c.value << " valid " << c.validVoxels << "; gpu value " << r1.value << " valid "
                    << r1.validVoxels);
  REQUIRE(c.validVoxels > p.fixed.voxels() / 10);
  REQUIRE(gpuGradient.grid.sameAs(p.u.grid));
  REQUIRE(cpuGradient.grid.sameAs(p.u.grid));
  checkMetricAgainstCpu("coarse metric agreement", s.kind, c, r1, valueOnly, cpuGradient, gpuGradient);

  CHECK(sameBits(r2.value, r1.value));
  CHECK(r2.validVoxels == r1.validVoxels);
  CHECK(std::memcmp(gpuGradient.data.data(), repeat.data.data(), gpuGradient.data.size() * sizeof(Vec3f)) == 0);
}

TEST_CASE("CUDA field metrics with a coarse field equal the CPU reference", "[gpu][metric][coarse]") {
  FFDP_REQUIRE_GPU();
  auto rng = seededRng("gpu coarse field metric");
  const bool masks = GENERATE(true, false);
  const auto shrink = GENERATE(std::array<int, 3>{2, 2, 2}, std::array<int, 3>{3, 2, 1});
  const CoarseProblem p = randomCoarseProblem(rng, masks, shrink);
  for (const MetricKind kind : {MetricKind::MeanSquares, MetricKind::CC, MetricKind::MI}) {
    MetricSettings s;
    s.kind = kind;
    s.radius = 2;
    s.bins = 32;
    s.samplingFraction = masks ? 1.0 : 0.7;
    INFO("metric " << int(kind) << ", masks " << masks << ", shrink " << shrink[0] << "," << shrink[1] << ","
                   << shrink[2] << ", sampling " << s.samplingFraction);
    expectCoarseAgreement(p, s);
  }
}

}  // namespace
}  // namespace ffdp::test
