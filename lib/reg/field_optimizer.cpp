#include "reg/field_optimizer.hpp"

#include <cmath>
#include <utility>

namespace ffdp {

namespace {

bool anyPositive(const Vec3& v) { return v[0] > 0 || v[1] > 0 || v[2] > 0; }

}  // namespace

FieldOptimizer::FieldOptimizer(const Grid& grid, Backend& backend)
    : m_(backend.zeroField(grid)), v_(backend.zeroField(grid)) {}

void FieldOptimizer::moveTo(const Grid& grid, Backend& backend) {
  if (m_.grid.sameAs(grid)) return;
  m_ = backend.resampleField(m_, grid);
  v_ = backend.resampleField(v_, grid);
}

double FieldOptimizer::update(Field& u, Field& g, double gradientScale, const FieldStepSettings& settings,
                              Backend& backend) {
  // Smoothing is linear, so the gradient's scale is applied inside the moments' update instead of
  // in a pass of its own. The moments read g voxel by voxel and g's buffer is overwritten next, so
  // on a slab its halo is never read again: no exchange.
  if (anyPositive(settings.gradientSigma)) backend.smoothFieldKeepingHaloStale(g, settings.gradientSigma);
  const double largestV = backend.adamMoments(m_, v_, g, gradientScale, kBeta1, kBeta2);
  ++steps_;
  const double c1 = 1 - std::pow(kBeta1, steps_);
  const double c2 = 1 - std::pow(kBeta2, steps_);
  // max |v(x)| bounds every component of v, so its root is the scale of the largest gradient.
  const double largestGradient = std::sqrt(largestV / c2);
  if (!(largestGradient > 0) || !std::isfinite(largestGradient)) return 0;
  const double epsilon = kRelativeEpsilon * largestGradient;
  const double largest = backend.adamDirectionMaxNorm(m_, v_, c1, c2, epsilon);
  if (!(largest > 0) || !std::isfinite(largest)) return 0;
  // Descent: the map moves against the gradient, its farthest point by exactly stepMm.
  // The gradient is spent once it is in the moments, so its buffer takes the updated field and the old
  // field's buffer becomes the next gradient buffer: no third field-sized buffer (12 bytes per voxel).
  backend.composeAdamStep(u, m_, v_, c1, c2, epsilon, -settings.stepMm / largest, g);
  std::swap(u, g);
  if (anyPositive(settings.warpSigma)) backend.smoothField(u, settings.warpSigma);
  return settings.stepMm;
}

}  // namespace ffdp
