// The random scene the GPU field-metric tests share: smooth images on oblique grids whose sizes are not
// multiples of the metric kernels' 16 x 16 x 32 tiles (several z-chunks), optional ellipsoid masks and
// a random affine. Each test adds its own displacement field.
#pragma once
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>

#include "../ops/ops_test_support.hpp"
#include "core/affine.hpp"
#include "core/volume.hpp"
#include "field_gpu_support.hpp"
#include "ops/backend.hpp"

namespace ffdp::test {

struct MetricScene {
  Image fixed, moving;
  Mask fixedMask, movingMask;  // empty unless `masks`
  bool masks = false;
  Affine A;
};

inline MetricScene randomMetricScene(std::mt19937_64& rng, bool masks) {
  MetricScene s;
  const Grid fg = randomObliqueGrid(rng, {45, 38, 70}, 0.8, 1.4, 0.35, {2, -1, 3});
  const Grid mg = randomObliqueGrid(rng, {41, 47, 62}, 0.9, 1.5, 0.35, {0, 1, 2});
  const SmoothField ff(rng, fg.centre(), 50), mf(rng, mg.centre(), 50);
  s.fixed = sampleImage(fg, ff);
  s.moving = sampleImage(mg, mf);
  s.masks = masks;
  if (masks) {
    s.fixedMask = ellipsoidMask(fg, 0.92);
    s.movingMask = ellipsoidMask(mg, 0.95);
  }
  s.A = randomAffine(rng, fg.centre(), 0.12, 0.06, 3.0);
  return s;
}

// Run-to-run and cached-versus-measured comparisons want the same bits, not a tolerance.
inline bool sameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// A GPU field metric against the CPU reference (the bounds of tests/gpu/metric_field_test.cpp): the same
// valid count, the value within 1e-9 relative, the GPU's value-only call the same bits as its full one,
// the gradient within 1e-6 of the reference's largest component. `what` labels the printed line.
inline void checkMetricAgainstCpu(const char* what, MetricKind kind, const FieldMetricEval& cpu,
                                  const FieldMetricEval& gpu, const FieldMetricEval& gpuValueOnly,
                                  const Field& cpuGradient, const Field& gpuGradient) {
  CHECK(gpu.validVoxels == cpu.validVoxels);
  CHECK(std::abs(gpu.value - cpu.value) <= 1e-9 * std::abs(cpu.value) + 1e-12);
  CHECK(sameBits(gpuValueOnly.value, gpu.value));
  CHECK(gpuValueOnly.validVoxels == gpu.validVoxels);
  const Agreement a = compare(gpuGradient, cpuGradient);
  FFDP_REPORT_AGREEMENT(a);
  std::printf("[%s] kind %d: value %.17g vs cpu %.17g; gradient largest difference %.3g of %.3g (relative %.3g), "
              "%.1f %% of floats bit-identical\n",
              what, int(kind), gpu.value, cpu.value, a.largestDifference, a.scale, a.relative,
              100.0 * double(a.identical) / double(a.total));
  CHECK(a.scale > 0);
  CHECK(a.relative <= 1e-6);
}

}  // namespace ffdp::test
