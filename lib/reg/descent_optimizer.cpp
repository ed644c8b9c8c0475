#include "reg/descent_optimizer.hpp"

#include <algorithm>
#include <cmath>

#include "reg/step_scaling.hpp"

namespace ffdp {

namespace {
constexpr double kBeta2 = 0.999;
// Learning-rate growth while the gradient keeps its direction (the "bold driver" rule): steps that
// shrink with the gradient alone approach the optimum too slowly along weakly constrained directions.
constexpr double kGrowth = 1.2;
}

DescentOptimizer::DescentOptimizer(double relaxation, double minimumFraction)
    : relaxation_(relaxation), minimumFraction_(minimumFraction) {}

void DescentOptimizer::startLevel(double maxStep) {
  cap_ = maxStep;
  minimum_ = maxStep * minimumFraction_;
  learningRate_ = 0;
  lastDisplacement_ = 0;
  previousGradient_.clear();
}

void DescentOptimizer::relax() {
  cap_ *= relaxation_;
  learningRate_ *= relaxation_;
}

std::vector<double> DescentOptimizer::stepFrom(const LinearFamily& family, const std::vector<double>& gradient,
                                               const std::vector<double>& scales, const Corners& corners) {
  const std::size_t n = gradient.size();
  // Reversal: a scaled inner product, so that the test does not depend on the parameters' units.
  if (previousGradient_.size() == n) {
    double agreement = 0;
    for (std::size_t p = 0; p < n; ++p)
      if (scales[p] > 0) agreement += gradient[p] * previousGradient_[p] / scales[p];
    if (agreement < 0)
      relax();
    else
      learningRate_ *= kGrowth;
  }
  previousGradient_ = gradient;

  if (meanSquare_.size() != n) meanSquare_.assign(n, 0.0), steps_ = 0;
  ++steps_;
  const double bias = 1.0 - std::pow(kBeta2, steps_);
  std::vector<double> scaled(n, 0.0), rms(n, 0.0);
  double largestRms = 0;
  for (std::size_t p = 0; p < n; ++p) {
    if (!(scales[p] > 0)) continue;
    scaled[p] = gradient[p] / std::sqrt(scales[p]);
    meanSquare_[p] = kBeta2 * meanSquare_[p] + (1 - kBeta2) * scaled[p] * scaled[p];
    rms[p] = std::sqrt(meanSquare_[p] / bias);
    largestRms = std::max(largestRms, rms[p]);
  }
  direction_.assign(n, 0.0);
  const double floor = 1e-8 * largestRms;  // a parameter that never had a gradient does not move
  for (std::size_t p = 0; p < n; ++p)
    if (rms[p] > floor) direction_[p] = -scaled[p] / rms[p] / std::sqrt(scales[p]);
  return scaledStep(family, corners);
}

std::vector<double> DescentOptimizer::scaledStep(const LinearFamily& family, const Corners& corners) {
  lastDisplacement_ = 0;
  if (learningRate_ == 0) learningRate_ = stepMultiplier(family, direction_, corners, cap_);
  double a = learningRate_;
  std::vector<double> step(direction_);
  for (double& s : step) s *= a;
  double moved = maxCornerDisplacement(family.updated(step), family.current(), corners);
  if (moved > cap_) {
    a = stepMultiplier(family, direction_, corners, cap_);
    for (std::size_t p = 0; p < step.size(); ++p) step[p] = a * direction_[p];
    moved = cap_;
    learningRate_ = a;  // growth never takes the rate past what the cap allows
  }
  if (!(a > 0) || !(moved > 0)) return {};
  lastDisplacement_ = moved;
  return step;
}

}  // namespace ffdp
