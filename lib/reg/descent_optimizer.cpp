#include "reg/descent_optimizer.hpp"

#include <algorithm>
#include <cmath>

#include "reg/step_scaling.hpp"

namespace ffdp {

namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t p = 0; p < a.size(); ++p) s += a[p] * b[p];
  return s;
}

}  // namespace

void DescentOptimizer::startLevel(double step, const std::vector<double>& scales) {
  step_ = reach_ = step;
  rootScales_.assign(scales.size(), 0.0);
  for (std::size_t p = 0; p < scales.size(); ++p) rootScales_[p] = scales[p] > 0 ? std::sqrt(scales[p]) : 0.0;
  pairs_.clear();
}

// d f / d u_p = (d f / d theta_p) / sqrt(scale_p); a parameter that moves nothing gets 0.
std::vector<double> DescentOptimizer::toPreconditioned(const std::vector<double>& gradient) const {
  std::vector<double> u(gradient.size(), 0.0);
  for (std::size_t p = 0; p < gradient.size(); ++p)
    if (rootScales_[p] > 0) u[p] = gradient[p] / rootScales_[p];
  return u;
}

std::vector<double> DescentOptimizer::stepFrom(const LinearFamily& family, const std::vector<double>& gradient,
                                               const Corners& corners) {
  // Two-loop recursion: q <- H g in preconditioned parameters.
  std::vector<double> q = toPreconditioned(gradient);
  std::vector<double> alpha(pairs_.size());
  for (std::size_t i = pairs_.size(); i-- > 0;) {
    alpha[i] = pairs_[i].rho * dot(pairs_[i].s, q);
    for (std::size_t p = 0; p < q.size(); ++p) q[p] -= alpha[i] * pairs_[i].y[p];
  }
  if (!pairs_.empty()) {
    const Pair& newest = pairs_.back();
    const double gamma = dot(newest.s, newest.y) / dot(newest.y, newest.y);
    for (double& x : q) x *= gamma;
  }
  for (std::size_t i = 0; i < pairs_.size(); ++i) {
    const double beta = pairs_[i].rho * dot(pairs_[i].y, q);
    for (std::size_t p = 0; p < q.size(); ++p) q[p] += (alpha[i] - beta) * pairs_[i].s[p];
  }
  std::vector<double> step(q.size(), 0.0);
  for (std::size_t p = 0; p < q.size(); ++p)
    if (rootScales_[p] > 0) step[p] = -q[p] / rootScales_[p];

  // Length: steepest descent has no natural one, so it moves the corners by exactly `reach` (the
  // spec's `step` at a level's start); a quasi-Newton step keeps its own unless it goes further.
  const double moved = maxCornerDisplacement(family.updated(step), family.current(), corners);
  if (!(moved > 0) || !std::isfinite(moved)) return {};
  if (pairs_.empty() || moved > reach_) {
    const double a = stepMultiplier(family, step, corners, reach_);
    if (!(a > 0)) return {};
    for (double& s : step) s *= a;
  }
  return step;
}

void DescentOptimizer::accepted(const std::vector<double>& step, double multiplier, double movedMm,
                                const std::vector<double>& before, const std::vector<double>& after) {
  if (multiplier < 1)
    reach_ = std::max(step_, 0.5 * reach_);
  else if (movedMm >= (1 - 1e-9) * reach_)
    reach_ *= 2;
  Pair pair;
  pair.s.assign(step.size(), 0.0);
  for (std::size_t p = 0; p < step.size(); ++p) pair.s[p] = multiplier * step[p] * rootScales_[p];
  const std::vector<double> gb = toPreconditioned(before), ga = toPreconditioned(after);
  pair.y.assign(step.size(), 0.0);
  for (std::size_t p = 0; p < step.size(); ++p) pair.y[p] = ga[p] - gb[p];
  const double sy = dot(pair.s, pair.y);
  // Only pairs that show positive curvature keep H positive definite (every step a descent step).
  if (!(sy > 1e-10 * std::sqrt(dot(pair.s, pair.s) * dot(pair.y, pair.y)))) return;
  pair.rho = 1.0 / sy;
  pairs_.push_back(std::move(pair));
  if (pairs_.size() > kMemory) pairs_.pop_front();
}

}  // namespace ffdp
