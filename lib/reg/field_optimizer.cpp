#include "reg/field_optimizer.hpp"

#include <cmath>

namespace ffdp {

namespace {

bool anyPositive(const Vec3& v) { return v[0] > 0 || v[1] > 0 || v[2] > 0; }

}  // namespace

FieldOptimizer::FieldOptimizer(const Grid& grid) : m_(grid), v_(grid) {}

void FieldOptimizer::moveTo(const Grid& grid, Backend& backend) {
  if (m_.grid.sameAs(grid)) return;
  m_ = backend.resampleField(m_, grid);
  v_ = backend.resampleField(v_, grid);
}

double FieldOptimizer::update(Field& u, Field& g, const FieldStepSettings& settings, Backend& backend) {
  if (anyPositive(settings.gradientSigma)) backend.smoothField(g, settings.gradientSigma);
  backend.adamMoments(m_, v_, g, kBeta1, kBeta2);
  ++steps_;
  const double c1 = 1 - std::pow(kBeta1, steps_);
  const double c2 = 1 - std::pow(kBeta2, steps_);
  // max |v(x)| bounds every component of v, so its root is the scale of the largest gradient.
  const double gradientScale = std::sqrt(backend.maxNorm(v_) / c2);
  if (!(gradientScale > 0) || !std::isfinite(gradientScale)) return 0;
  backend.adamDirection(m_, v_, c1, c2, kRelativeEpsilon * gradientScale, direction_);
  const double largest = backend.maxNorm(direction_);
  if (!(largest > 0) || !std::isfinite(largest)) return 0;
  // Descent: the map moves against the gradient, its farthest point by exactly stepMm.
  backend.scaleField(direction_, -settings.stepMm / largest);
  u = backend.composeFields(u, direction_);
  if (anyPositive(settings.warpSigma)) backend.smoothField(u, settings.warpSigma);
  return settings.stepMm;
}

}  // namespace ffdp
