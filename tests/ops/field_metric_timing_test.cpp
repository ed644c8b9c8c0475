// Full-size timings of the field metrics on the stroke T1/T2 pair (124x160x140, 1 mm): value and
// d(value)/du at every voxel, 2 threads, printed for the record next to the affine metric timings
// (real_volume_test.cpp). A benchmark, hidden from the test runs (timings are never asserted):
// scripts/bench/cpu_ops.sh runs it.
#include <omp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>

#include "core/field.hpp"
#include "io/image_io.hpp"
#include "ops/backend.hpp"
#include "ops_test_support.hpp"
#include "support/test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("full-size stroke T1/T2 field metric timings (2 threads)", "[.cpu-benchmark]") {
  const std::string p1 = sharedData("multimodal/stroke/T1.nii.gz"), p2 = sharedData("multimodal/stroke/T2.nii.gz");
  FFDP_REQUIRE_DATA(p1);
  FFDP_REQUIRE_DATA(p2);
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Image t1 = readImage(p1).image, t2 = readImage(p2).image;
  Affine A = Affine::identity(t1.grid.centre());
  A.M = rotationFromVector({0.03, -0.02, 0.04});
  A.t = {1.5, -2.0, 0.7};
  // A smooth displacement of up to ~2 mm so that the sampling is not on the affine's lattice.
  Field u(t1.grid);
  const Vec3 c = t1.grid.centre();
  for (int64_t k = 0; k < t1.grid.size[2]; ++k)
    for (int64_t j = 0; j < t1.grid.size[1]; ++j)
      for (int64_t i = 0; i < t1.grid.size[0]; ++i) {
        const Vec3 p = t1.grid.indexToPhysical({double(i), double(j), double(k)}) - c;
        u.at(i, j, k) = {float(2.0 * std::sin(p[1] / 20.0)), float(1.5 * std::cos(p[2] / 25.0)),
                         float(-1.0 * std::sin(p[0] / 30.0))};
      }
  const int saved = omp_get_max_threads();
  omp_set_num_threads(2);
  std::vector<std::pair<std::string, MetricSettings>> metrics(4);
  metrics[0] = {"MeanSquares", MetricSettings{MetricKind::MeanSquares, 2, 32, 1.0}};
  metrics[1] = {"MI 32 bins", MetricSettings{MetricKind::MI, 2, 32, 1.0}};
  metrics[2] = {"CC r=2", MetricSettings{MetricKind::CC, 2, 32, 1.0}};
  metrics[3] = {"CC r=4", MetricSettings{MetricKind::CC, 4, 32, 1.0}};
  Field gradient;
  for (const auto& [name, m] : metrics) {
    double best = 1e30;
    FieldMetricEval e;
    for (int rep = 0; rep < 3; ++rep) {
      const auto start = std::chrono::steady_clock::now();
      e = backend->fieldMetric(t1, t2, nullptr, nullptr, A, u, m, &gradient);
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::printf("[ops] timing field %s value+field gradient on %lld voxels, 2 threads: %.1f ms (value %.6g, N %lld)\n",
                name.c_str(), (long long)t1.voxels(), 1e3 * best, e.value, (long long)e.validVoxels);
    REQUIRE(e.validVoxels > t1.voxels() / 2);
  }
  omp_set_num_threads(saved);
}
