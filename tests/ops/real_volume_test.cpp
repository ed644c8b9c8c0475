// Checks on the real stroke volumes (../shared/data/multimodal/stroke, 124x160x140, 1 mm, 8-bit):
// a known translation reproduces the shifted array, the metrics prefer the true alignment of
// T1 and T2, and (integration) the full-volume metric timings the engine relies on.
#include <omp.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "io/image_io.hpp"
#include "ops/backend.hpp"
#include "ops_test_support.hpp"
#include "support/test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

// The sub-volume [lo, lo + size) with its own grid (same spacing and direction, moved origin).
Image crop(const Image& in, const std::array<int64_t, 3>& lo, const std::array<int64_t, 3>& size) {
  Grid g = in.grid;
  g.size = size;
  g.origin = in.grid.indexToPhysical({double(lo[0]), double(lo[1]), double(lo[2])});
  Image out(g);
  for (int64_t k = 0; k < size[2]; ++k)
    for (int64_t j = 0; j < size[1]; ++j)
      for (int64_t i = 0; i < size[0]; ++i) out.at(i, j, k) = in.at(lo[0] + i, lo[1] + j, lo[2] + k);
  return out;
}

// A translation by whole voxels of the image's grid: warped(idx) = moving(idx + v).
Affine voxelShift(const Grid& g, const Vec3& v) {
  Affine A = Affine::identity(g.centre());
  A.t = g.indexToPhysicalMatrix() * v;
  return A;
}

}  // namespace

TEST_CASE("stroke T1 resampled with a 2-voxel translation along i equals the shifted array", "[ops][real]") {
  const std::string path = sharedData("multimodal/stroke/T1.nii.gz");
  FFDP_REQUIRE_DATA(path);
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Image full = readImage(path).image;
  const Image t1 = crop(full, {30, 40, 40}, {64, 72, 48});  // a central block with brain in it
  const Image out = backend->resampleAffine(t1, t1.grid, voxelShift(t1.grid, {2, 0, 0}), Interpolation::Linear, -1.0f);
  int64_t nonzero = 0;
  for (int64_t k = 0; k < t1.grid.size[2]; ++k)
    for (int64_t j = 0; j < t1.grid.size[1]; ++j)
      for (int64_t i = 0; i < t1.grid.size[0]; ++i) {
        if (i + 2 < t1.grid.size[0]) {
          REQUIRE(out.at(i, j, k) == Approx(t1.at(i + 2, j, k)).margin(1e-3));
          nonzero += t1.at(i + 2, j, k) != 0.0f;
        } else {
          REQUIRE(out.at(i, j, k) == -1.0f);
        }
      }
  REQUIRE(nonzero > t1.voxels() / 4);
}

TEST_CASE("on the stroke T1/T2 pair every metric is lowest at the true alignment", "[ops][real][metric]") {
  const std::string p1 = sharedData("multimodal/stroke/T1.nii.gz"), p2 = sharedData("multimodal/stroke/T2.nii.gz");
  FFDP_REQUIRE_DATA(p1);
  FFDP_REQUIRE_DATA(p2);
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  // Half-resolution crops keep this a unit test.
  const Image t1Full = readImage(p1).image, t2Full = readImage(p2).image;
  const Grid half = t1Full.grid.shrunk({2, 2, 2});
  const Image t1 = backend->smoothAndResample(t1Full, {1, 1, 1}, half);
  const Image t2 = backend->smoothAndResample(t2Full, {1, 1, 1}, half);
  std::vector<MetricSettings> metrics(3);
  metrics[0].kind = MetricKind::MI;
  metrics[1].kind = MetricKind::CC;
  metrics[1].radius = 2;
  metrics[2].kind = MetricKind::MeanSquares;  // T1 against itself (a single modality)
  for (const MetricSettings& m : metrics) {
    const Image& moving = m.kind == MetricKind::MeanSquares ? t1 : t2;
    const double aligned =
        backend->affineMetric(t1, moving, nullptr, nullptr, voxelShift(half, {0, 0, 0}), m, false).value;
    for (int axis = 0; axis < 3; ++axis)
      for (double s : {-1.5, 1.5}) {
        Vec3 v{0, 0, 0};
        v[axis] = s;
        const AffineMetricEval e = backend->affineMetric(t1, moving, nullptr, nullptr, voxelShift(half, v), m, true);
        INFO("metric " << int(m.kind) << ", shift " << s << " voxels along axis " << axis);
        REQUIRE(e.value > aligned);
        // The translation gradient points away from the true alignment (uphill).
        const Vec3 gt{e.gradient[9], e.gradient[10], e.gradient[11]};
        REQUIRE(dot(gt, half.indexToPhysicalMatrix() * v) > 0);
      }
  }
}

// A benchmark, hidden from the test runs (timings are never asserted): scripts/bench/cpu_ops.sh.
TEST_CASE("full-size stroke T1/T2 metric timings (2 threads)", "[.cpu-benchmark]") {
  const std::string p1 = sharedData("multimodal/stroke/T1.nii.gz"), p2 = sharedData("multimodal/stroke/T2.nii.gz");
  FFDP_REQUIRE_DATA(p1);
  FFDP_REQUIRE_DATA(p2);
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Image t1 = readImage(p1).image, t2 = readImage(p2).image;
  Affine A = Affine::identity(t1.grid.centre());
  A.M = rotationFromVector({0.03, -0.02, 0.04});
  A.t = {1.5, -2.0, 0.7};
  const int saved = omp_get_max_threads();
  omp_set_num_threads(2);
  std::vector<std::pair<std::string, MetricSettings>> metrics(4);
  metrics[0] = {"MeanSquares", MetricSettings{MetricKind::MeanSquares, 2, 32, 1.0}};
  metrics[1] = {"MI 32 bins", MetricSettings{MetricKind::MI, 2, 32, 1.0}};
  metrics[2] = {"CC r=2", MetricSettings{MetricKind::CC, 2, 32, 1.0}};
  metrics[3] = {"CC r=4", MetricSettings{MetricKind::CC, 4, 32, 1.0}};
  for (const auto& [name, m] : metrics) {
    double best = 1e30;
    AffineMetricEval e;
    for (int rep = 0; rep < 3; ++rep) {
      const auto start = std::chrono::steady_clock::now();
      e = backend->affineMetric(t1, t2, nullptr, nullptr, A, m, true);
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::printf("[ops] timing %s value+gradient on %lld voxels, 2 threads: %.1f ms (value %.6g)\n", name.c_str(),
                (long long)t1.voxels(), 1e3 * best, e.value);
  }
  const auto start = std::chrono::steady_clock::now();
  const Image level = backend->smoothAndResample(t1, {1, 1, 1}, t1.grid.shrunk({2, 2, 2}));
  std::printf("[ops] timing smoothAndResample shrink 2: %.1f ms\n",
              1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  omp_set_num_threads(saved);
}
