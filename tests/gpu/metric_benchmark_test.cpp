// Hidden benchmark (run with: test_gpu "[.gpu-benchmark]"): each CUDA field metric, value and
// gradient, at 5.8 M and about 370 M voxels, timed with CUDA events (one warm-up, then the mean of
// several runs), with the achieved rate for the minimal byte count next to a measured
// device-to-device copy. Minimal bytes per fixed voxel, any metric: fixed 4 + u 12 + moving 4
// (same grid size) read, gradient 12 written = 32 B. Synthetic smooth volumes (no anatomy): the
// cost of these kernels does not depend on the image content beyond the valid share.
#include <cuda_runtime.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <utility>

#include "cuda_check.cuh"
#include "dist/comm.hpp"
#include "field_gpu_support.hpp"
#include "gpu_test_support.hpp"
#include "metric_dispatch.hpp"

namespace ffdp::test {
namespace {

struct EventTimer {
  cudaEvent_t start{}, stop{};
  EventTimer() {
    cuda::check(cudaEventCreate(&start), "creating a timing event");
    cuda::check(cudaEventCreate(&stop), "creating a timing event");
  }
  ~EventTimer() {
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
  }
  template <class F>
  double seconds(int repeats, F&& f) {
    f();  // warm-up (pool allocations, shared-memory attributes)
    cuda::check(cudaEventRecord(start, cudaStreamPerThread), "recording a timing event");
    for (int r = 0; r < repeats; ++r) f();
    cuda::check(cudaEventRecord(stop, cudaStreamPerThread), "recording a timing event");
    cuda::check(cudaEventSynchronize(stop), "waiting for a timing event");
    float ms = 0;
    cuda::check(cudaEventElapsedTime(&ms, start, stop), "reading a timing event");
    return double(ms) / 1000.0 / repeats;
  }
};

// Device-to-device copy rate, counting bytes read and written (the usual roofline reference).
double copyRate() {
  const int64_t floats = int64_t(1) << 29;  // 2 GiB
  cuda::DeviceArray<float> a(floats, "copy benchmark source"), b(floats, "copy benchmark target");
  EventTimer t;
  const double s = t.seconds(5, [&] {
    cuda::check(cudaMemcpyAsync(b.data(), a.data(), a.bytes(), cudaMemcpyDeviceToDevice, cudaStreamPerThread),
                "device-to-device copy");
  });
  return 2.0 * double(a.bytes()) / s;
}

Grid cubeGrid(int64_t nx, int64_t ny, int64_t nz) {
  Grid g;
  g.size = {nx, ny, nz};
  g.spacing = {1, 1, 1};
  g.origin = {0, 0, 0};
  g.direction = Mat3::identity();
  return g;
}

void benchmarkSize(const std::array<int64_t, 3>& size, double copyBytesPerSecond) {
  const Grid g = cubeGrid(size[0], size[1], size[2]);
  const int64_t voxels = g.voxels();
  Image fixed(g), moving(g);
  Field u(g);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < size[2]; ++k)
    for (int64_t j = 0; j < size[1]; ++j)
      for (int64_t i = 0; i < size[0]; ++i) {
        const double x = double(i), y = double(j), z = double(k);
        fixed.at(i, j, k) = float(100 + 30 * std::sin(0.05 * x) * std::cos(0.07 * y) + 20 * std::sin(0.03 * z));
        moving.at(i, j, k) = float(90 + 35 * std::sin(0.05 * x + 0.2) * std::cos(0.07 * y) + 15 * std::sin(0.031 * z));
        u.at(i, j, k) = {float(0.8 * std::sin(0.02 * y)), float(0.8 * std::cos(0.02 * z)), float(0.5 * std::sin(0.02 * x))};
      }
  const auto dFixed = toDevice(fixed, "benchmark fixed"), dMoving = toDevice(moving, "benchmark moving");
  const auto dU = toDevice(u, "benchmark field");
  cuda::DeviceArray<float> gradient(3 * voxels, "benchmark gradient");
  cuda::MetricDeviceInputs in;
  in.fixed = dFixed.data();
  in.fixedGrid = g;
  in.moving = dMoving.data();
  in.movingGrid = g;
  in.A = Affine::identity(g.centre());
  SelfComm comm;
  const double minimalBytes = 32.0 * double(voxels);
  std::printf("[metric benchmark] %lld x %lld x %lld = %.1f M voxels; minimal bytes %.2f GB (32 B/voxel)\n",
              (long long)size[0], (long long)size[1], (long long)size[2], voxels / 1e6, minimalBytes / 1e9);
  // CC at radius 2 (FireANTs' window of 5) and 4 (ANTs' usual radius, the brain preset's greedy stage).
  const std::pair<MetricKind, int> metrics[] = {
      {MetricKind::CC, 2}, {MetricKind::CC, 4}, {MetricKind::MI, 0}, {MetricKind::MeanSquares, 0}};
  for (const auto& [kind, radius] : metrics) {
    in.settings.kind = kind;
    in.settings.radius = radius;
    in.settings.bins = 32;
    EventTimer t;
    FieldMetricEval r;
    const int repeats = voxels > 100'000'000 ? 3 : 10;
    const double s = t.seconds(repeats, [&] { r = cuda::fieldMetric(in, dU.data(), gradient.data(), comm); });
    const double rate = minimalBytes / s;
    const char* name = kind == MetricKind::CC ? (radius == 2 ? "CC r=2" : "CC r=4")
                       : kind == MetricKind::MI ? "MI 32 bins"
                                                : "mean squares";
    std::printf("[metric benchmark]   %-13s %9.3f ms  %7.0f GB/s for the minimal bytes = %5.1f %% of the copy rate "
                "(value %.6g, %lld valid)\n",
                name, s * 1e3, rate / 1e9, 100.0 * rate / copyBytesPerSecond, r.value, (long long)r.validVoxels);
    CHECK(r.validVoxels > voxels / 2);
  }
  std::fflush(stdout);
}

TEST_CASE("CUDA field metric benchmark (value + gradient)", "[.gpu-benchmark]") {
  FFDP_REQUIRE_GPU();
  const double copy = copyRate();
  std::printf("[metric benchmark] device-to-device copy: %.0f GB/s (bytes read + written)\n", copy / 1e9);
  benchmarkSize({180, 180, 180}, copy);  // 5.83 M voxels
  benchmarkSize({720, 720, 714}, copy);  // 370 M voxels
}

}  // namespace
}  // namespace ffdp::test
