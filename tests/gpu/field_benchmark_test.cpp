// Timings of the CUDA field and image ops (hidden: run with `test_gpu "[.gpu-benchmark]"`, or
// scripts/bench/gpu_field_ops.sh on the device machine). For each op: cudaEvent time per call
// (mean of repeated calls after a warm-up), the op's minimal byte count per voxel (each input
// read once, each output written once), the achieved GB/s, and that as a fraction of a measured
// device-to-device cudaMemcpy on the same GPU. Fields are filled by memset (the values do not
// change the memory traffic; a constant step makes compose read u near each voxel, as small
// optimiser steps do).
#include <cuda_runtime.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <functional>
#include <string>

#include "device_array.cuh"
#include "field_adam.hpp"
#include "field_compose.hpp"
#include "field_invert.hpp"
#include "field_jacobian.hpp"
#include "field_max_norm.hpp"
#include "field_resample.hpp"
#include "field_smooth.hpp"
#include "gpu_test_support.hpp"
#include "image_pyramid.hpp"
#include "warp_resample.hpp"

using namespace ffdp;

namespace {

struct Timer {
  cudaEvent_t start, stop;
  Timer() {
    cuda::check(cudaEventCreate(&start), "creating a timing event");
    cuda::check(cudaEventCreate(&stop), "creating a timing event");
  }
  ~Timer() {
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
  }
  // Mean seconds per call of `op` over `repeats` calls, after one warm-up call.
  double seconds(const std::function<void()>& op, int repeats) {
    op();
    cuda::check(cudaEventRecord(start, cudaStreamPerThread), "recording a timing event");
    for (int r = 0; r < repeats; ++r) op();
    cuda::check(cudaEventRecord(stop, cudaStreamPerThread), "recording a timing event");
    cuda::check(cudaEventSynchronize(stop), "waiting for a timing event");
    float ms = 0;
    cuda::check(cudaEventElapsedTime(&ms, start, stop), "reading a timing event");
    return ms * 1e-3 / repeats;
  }
};

void fill(cuda::DeviceArray<float>& a, int byte) {
  cuda::check(cudaMemsetAsync(a.data(), byte, a.bytes(), cudaStreamPerThread), "filling a benchmark buffer");
}

void benchmarkSize(int64_t n, int repeats) {
  Grid grid;
  grid.size = {n, n, n};
  grid.spacing = {1.0, 1.0, 1.0};
  const int64_t voxels = grid.voxels();
  const std::string what = std::to_string(n) + "^3 benchmark field";
  cuda::DeviceArray<float> u(3 * voxels, what), g(3 * voxels, what), m(3 * voxels, what), v(3 * voxels, what),
      d(3 * voxels, what), r(3 * voxels, what), image(voxels, what), out(voxels, what);
  fill(u, 0x3c);  // 0.0115 mm everywhere
  fill(g, 0x3e);  // 0.186 mm
  fill(m, 0x3c);
  fill(v, 0x3c);
  fill(image, 0x42);
  Timer t;

  const double copy = t.seconds(
      [&] {
        cuda::check(cudaMemcpyAsync(r.data(), u.data(), u.bytes(), cudaMemcpyDeviceToDevice, cudaStreamPerThread),
                    "benchmark copy");
      },
      repeats);
  const double copyRate = 2.0 * double(u.bytes()) / copy;
  std::printf("\n%lld voxels (%lld^3), field %.2f GB; device-to-device copy %.1f GB/s (read + write)\n",
              (long long)voxels, (long long)n, double(u.bytes()) * 1e-9, copyRate * 1e-9);
  std::printf("%-28s %10s %8s %10s %8s\n", "op", "ms/call", "B/voxel", "GB/s", "of copy");
  const auto report = [&](const char* name, double bytesPerVoxel, const std::function<void()>& op) {
    const double s = t.seconds(op, repeats);
    const double rate = bytesPerVoxel * double(voxels) / s;
    std::printf("%-28s %10.3f %8.0f %10.1f %7.0f%%\n", name, s * 1e3, bytesPerVoxel, rate * 1e-9,
                100.0 * rate / copyRate);
    std::fflush(stdout);
  };
  // As the backend smooths: one pass d -> r (r then becomes the field) up to sigma 1 (radius 4), two
  // passes in place beyond. sigma 1: the brain presets' gradient smoothing; 0.5 their field's; 3 the
  // gigavoxel preset's gradient.
  using cuda::SmoothKernels;
  const auto smooth = [&](double sigma, SmoothKernels k) {
    return [&, sigma, k] { cuda::smoothFieldTuned(d.data(), r.data(), grid, {sigma, sigma, sigma}, k); };
  };
  for (const double sigma : {0.5, 1.0, 1.5, 2.0, 2.5, 3.0}) {
    const Vec3 s{sigma, sigma, sigma};
    char name[64];
    std::snprintf(name, sizeof name, "smoothField sigma %.1f", sigma);
    report(name, 24, [&] {
      if (cuda::smoothsInOnePass(grid, s))
        cuda::smoothFieldInto(d.data(), r.data(), grid, s);
      else
        cuda::smoothField(d.data(), grid, s);
    });
    if (cuda::smoothsInOnePass(grid, s))
      report("  two passes, in place", 24, [&] { cuda::smoothField(d.data(), grid, s); });
  }
  report("  sigma 1.5 2 passes 4 rows +copy", 24, smooth(1.5, SmoothKernels::TwoPassFourRows));
  report("  sigma 1.5 per axis + copy", 24, smooth(1.5, SmoothKernels::PerAxis));
  report("  sigma 3 per axis + copy", 24, smooth(3.0, SmoothKernels::PerAxis));
  report("  sigma 1 along i only", 24,
         [&] { cuda::smoothFieldTuned(d.data(), r.data(), grid, {1.0, 0, 0}, SmoothKernels::Fused); });
  report("  sigma 1 along j, k only", 24,
         [&] { cuda::smoothFieldTuned(d.data(), r.data(), grid, {0, 1.0, 1.0}, SmoothKernels::Fused); });
  report("composeFields", 36, [&] { cuda::composeFields(u.data(), g.data(), r.data(), grid); });
  report("adamMoments (+ max |v|)", 60,
         [&] { cuda::adamMoments(m.data(), v.data(), g.data(), voxels, 1.0, 0.9, 0.999); });
  report("adamDirectionMaxNorm", 24, [&] { cuda::adamDirectionMaxNorm(m.data(), v.data(), voxels, 0.5, 0.1, 1e-4); });
  report("composeAdamStep", 48,
         [&] {
           cuda::composeAdamStep(u.data(), m.data(), v.data(), 0.5, 0.1, 1e-4, -1e-3, r.data(), grid,
                                 cuda::allVoxels(grid.voxels()));
         });
  report("adamDirection (stored)", 36, [&] { cuda::adamDirection(m.data(), v.data(), voxels, 0.5, 0.1, 1e-4, d.data()); });
  report("scaleField", 24, [&] { cuda::scaleField(d.data(), voxels, 1.0); });
  report("maxNorm", 12, [&] { cuda::maxNorm(d.data(), voxels); });
  report("jacobianDeterminant", 16, [&] { cuda::jacobianDeterminant(u.data(), grid, out.data()); });
  report("resampleField (same grid)", 24, [&] { cuda::resampleField(u.data(), grid, grid, r.data()); });
  // One sweep, in place, the first reading v = -u from u itself: u read, v written.
  report("invertField (1 sweep)", 24, [&] { cuda::invertField(u.data(), r.data(), grid, 1, 0.0); });
  report("invertField (2 sweeps)", 24 + 36, [&] { cuda::invertField(u.data(), r.data(), grid, 2, 0.0); });
  report("resampleWarp linear", 20, [&] {
    cuda::resampleWarp(image.data(), grid, Affine::identity(), g.data(), grid, Interpolation::Linear, 0.0f, out.data());
  });
  Grid half = grid.shrunk({2, 2, 2});
  report("smoothAndResample /2 (in)", 4.0 + 4.0 / 8, [&] {
    cuda::smoothAndResample(image.data(), grid, {1.0, 1.0, 1.0}, half, out.data());
  });
}

}  // namespace

TEST_CASE("GPU field op timings", "[.gpu-benchmark]") {
  FFDP_REQUIRE_GPU();
  size_t freeBytes = 0, totalBytes = 0;
  cuda::check(cudaMemGetInfo(&freeBytes, &totalBytes), "querying device memory");
  benchmarkSize(180, 20);  // 5.8 M voxels
  // ~370 M voxels: 6 fields + 2 images + smoothing scratch = 92 B/voxel, about 34 GB.
  const int64_t big = 718;
  if (double(freeBytes) > 1.2 * 92.0 * double(big * big * big))
    benchmarkSize(big, 5);
  else
    std::printf("skipping the %lld^3 field: %.1f GB free\n", (long long)big, double(freeBytes) * 1e-9);
}
