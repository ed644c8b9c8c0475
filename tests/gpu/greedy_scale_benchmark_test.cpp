// Issue 4's scale table: the full-resolution cost of one greedy iteration (metric value and gradient,
// then the optimiser's update: gradient smoothing, fused Adam passes, composition, field smoothing)
// on a real brain pair (brain-labels 1000/1001, 162x214x167) upsampled on the GPU by 2, 4, 6, 7 and
// 8 per axis (46 M to 3.0 G voxels: synthetic size, real anatomy), for LNCC (radius 2) and MI (32
// bins), with the GPU memory high-water mark per fixed voxel. Hidden ([.gpu-benchmark]); run by
// scripts/device/run_checks.sh bench. A size that does not fit prints "out of memory". A second table
// keeps the field on a 2x coarser grid (a stage's fieldShrink 2), up to 4.2 G voxels.
#include <cuda_runtime.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <initializer_list>

#include "cuda_backend.hpp"
#include "cuda_check.cuh"
#include "gpu_test_support.hpp"
#include "io/image_io.hpp"
#include "reg/field_optimizer.hpp"
#include "support/test_support.hpp"

using namespace ffdp;

namespace {

// `factor` times as many voxels per axis over the same physical extent (voxel edges kept).
Grid refined(const Grid& g, int factor) {
  Grid r = g;
  Vec3 halfShift{0, 0, 0};
  for (int d = 0; d < 3; ++d) {
    r.size[d] = g.size[d] * factor;
    r.spacing[d] = g.spacing[d] / factor;
    halfShift[d] = 0.5 * (r.spacing[d] - g.spacing[d]);
  }
  r.origin = g.origin + g.direction * halfShift;
  return r;
}

struct ScaleRow {
  double seconds = 0;
  double bytesPerVoxel = 0;
  bool outOfMemory = false;
};

// One greedy set-up at `factor`; the mean of `iterations` timed iterations after one warm-up.
ScaleRow timeIterations(const Image& fixedSmall, const Image& movingSmall, int factor, MetricKind kind,
                        int iterations, int fieldShrink = 1) {
  ScaleRow row;
  SelfComm comm;
  try {
    auto backend = makeCudaBackend(comm, 0);
    const Grid fine = refined(fixedSmall.grid, factor);
    const Image fixed = backend->smoothAndResample(fixedSmall, {0, 0, 0}, fine);
    const Image moving = backend->smoothAndResample(movingSmall, {0, 0, 0}, refined(movingSmall.grid, factor));
    MetricSettings metric;
    metric.kind = kind;
    metric.radius = 2;
    metric.bins = 32;
    FieldStepSettings step;
    const double voxelMm = fine.spacing[0];
    step.stepMm = 0.25 * voxelMm;
    // The sigmas keep their physical width on a coarser field grid, as the engine sets them.
    const double perFieldVoxel = 1.0 / fieldShrink;
    step.gradientSigma = {perFieldVoxel, perFieldVoxel, perFieldVoxel};
    step.warpSigma = {0.5 * perFieldVoxel, 0.5 * perFieldVoxel, 0.5 * perFieldVoxel};
    const Grid fieldGrid = fieldShrink == 1 ? fine : fine.shrunk({fieldShrink, fieldShrink, fieldShrink});
    Field u = backend->zeroField(fieldGrid), gradient = backend->zeroField(fieldGrid);
    // A coarser field: the metric's gradient per fixed voxel, then restricted onto the field's grid (as
    // reg/greedy_level.cpp does).
    Field imageGradient = fieldShrink == 1 ? Field() : backend->zeroField(fine);
    FieldOptimizer optimizer(fieldGrid, *backend);
    const Affine A = Affine::identity(fine.centre());
    const auto iterate = [&] {
      const FieldMetricEval e = backend->fieldMetric(fixed, moving, nullptr, nullptr, A, u, metric,
                                                     fieldShrink == 1 ? &gradient : &imageGradient);
      if (fieldShrink != 1) gradient = backend->restrictField(imageGradient, fieldGrid);
      optimizer.update(u, gradient, double(e.validVoxels), step, *backend);
    };
    iterate();  // warm-up: pool allocations, first uploads
    cuda::check(cudaDeviceSynchronize(), "benchmark warm-up");
    const auto start = std::chrono::steady_clock::now();
    for (int n = 0; n < iterations; ++n) iterate();
    cuda::check(cudaDeviceSynchronize(), "benchmark iterations");
    row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / iterations;
    row.bytesPerVoxel = double(backend->devicePeakBytes()) / double(fine.voxels());
  } catch (const Error& e) {
    if (e.code() != ExitCode::Resource) throw;
    row.outOfMemory = true;
  }
  // Give the pooled memory of this size back, so that the next size starts from an empty device.
  cudaDeviceSynchronize();
  cudaGetLastError();
  cudaMemPool_t pool;
  if (cudaDeviceGetDefaultMemPool(&pool, 0) == cudaSuccess) cudaMemPoolTrimTo(pool, 0);
  return row;
}

// A table cell: seconds per iteration, or peak bytes per voxel.
std::string cell(const ScaleRow& r, bool bytes) {
  char s[64];
  if (r.outOfMemory) return "out of memory";
  std::snprintf(s, sizeof s, bytes ? "%.1f" : "%.4f", bytes ? r.bytesPerVoxel : r.seconds);
  return s;
}

// The table over upsampling factors of the brain pair 1000/1001, both metrics, the field on the image
// grid shrunk by `fieldShrink`.
void printScaleTable(std::initializer_list<int> factors, int fieldShrink) {
  const std::string fixedPath = test::sharedData("brain-labels/1000_SS.nii.gz");
  const std::string movingPath = test::sharedData("brain-labels/1001_SS.nii.gz");
  FFDP_REQUIRE_DATA(fixedPath);
  FFDP_REQUIRE_DATA(movingPath);
  const Image fixed = readImage(fixedPath).image, moving = readImage(movingPath).image;
  std::printf("fieldShrink %d:\n| voxels | LNCC s/iter | LNCC peak B/voxel | MI s/iter | MI peak B/voxel |\n"
              "|---|---|---|---|---|\n", fieldShrink);
  for (int factor : factors) {
    const double voxels = double(fixed.voxels()) * factor * factor * factor;
    const ScaleRow cc = timeIterations(fixed, moving, factor, MetricKind::CC, 5, fieldShrink);
    const ScaleRow mi = timeIterations(fixed, moving, factor, MetricKind::MI, 5, fieldShrink);
    std::printf("| %.2f G | %s | %s | %s | %s |\n", voxels / 1e9, cell(cc, false).c_str(), cell(cc, true).c_str(),
                cell(mi, false).c_str(), cell(mi, true).c_str());
    std::fflush(stdout);
  }
}

}  // namespace

TEST_CASE("greedy iteration cost from 46 M to 3.0 G voxels", "[.gpu-benchmark][scale]") {
  FFDP_REQUIRE_GPU();
  printScaleTable({2, 4, 6, 7, 8}, 1);
}

TEST_CASE("greedy iteration cost with the field on a 2x coarser grid, up to 4.2 G voxels", "[.gpu-benchmark][scale][coarse]") {
  FFDP_REQUIRE_GPU();
  printScaleTable({4, 7, 8, 9}, 2);
}
