// The random scene the GPU field-metric tests share: smooth images on oblique grids whose sizes are not
// multiples of the metric kernels' 16 x 16 x 32 tiles (several z-chunks), optional ellipsoid masks and
// a random affine. Each test adds its own displacement field.
#pragma once
#include <cstring>
#include <random>

#include "../ops/ops_test_support.hpp"
#include "core/affine.hpp"
#include "core/volume.hpp"

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

}  // namespace ffdp::test
