// The linear stages' search directions: limited-memory BFGS (L-BFGS) in preconditioned parameters,
// within a trust region that starts at the level's `step`. The line search that decides how far to
// go along a direction is the level loop's (linear_level.cpp): it needs the metric.
//
//   - preconditioning: u_p = sqrt(scale_p) theta_p with ANTs' physical-shift scales, so one unit of
//     any u moves the farthest corner by about 1 mm; the L-BFGS model lives in u;
//   - the first step of a level (no curvature known yet) is steepest descent in u, scaled so the
//     farthest corner moves by exactly `step` (the spec's meaning, as ANTs' first step);
//   - later steps are -H g, H built from the last kMemory pairs (s = accepted step, y = gradient
//     change) by the two-loop recursion, H0 = (s.y / y.y) I from the newest pair; a pair whose
//     s.y is not positive (non-convex region, rigid re-centring) is dropped;
//   - a step is clipped to a corner displacement of `reach` (a trust region): it starts at `step`,
//     doubles when an accepted step went as far as the reach (the model was right further than it
//     was allowed to go) and halves, never below `step`, when the line search had to shorten a step.
//     With `step` as a hard cap a 0.1-voxel step on a 256 mm field of view turns by at most 0.1
//     degree per iteration: large rotations ran out of iterations.
//
// Why (measured on two different OASIS brains, LIA A -> B, rigid MI 100x50x25): the previous
// optimiser (RMS-normalised gradient steps, a learning rate fixed by the first step, halved on
// gradient reversal, every step capped at `step`) ran every level to its limit while the MI still
// fell (final MI -0.2607), and a start moved by a known 6.5 degree motion ended 6.9 mm / 3.6 degrees
// from the expected answer. This one ends every level by a convergence test (MI -0.2787) and
// reproduces the answer to 0.013 mm / 0.008 degrees: a quasi-Newton direction learns the ratio of
// stiff to soft parameters from a few steps and converges superlinearly near the optimum.
// Deterministic: the state depends only on the gradients and accepted steps.
#pragma once
#include <cstddef>
#include <deque>
#include <vector>

#include "reg/linear_family.hpp"

namespace ffdp {

class DescentOptimizer {
 public:
  static constexpr std::size_t kMemory = 16;  // curvature pairs kept (covers the 6 or 12 parameters)

  // A new pyramid level: forgets the curvature pairs (the smoothing and sampling change the metric's
  // curvature); `step` (mm) is the first step's corner displacement and the initial reach;
  // `scales` precondition.
  void startLevel(double step, const std::vector<double>& scales);

  // The step (family parameters) to try from the current point with this gradient: steepest
  // descent moving the corners by exactly `reach` when no curvature is known, else the
  // quasi-Newton step clipped to `reach`. Empty when it moves nothing (a zero gradient).
  std::vector<double> stepFrom(const LinearFamily& family, const std::vector<double>& gradient,
                               const Corners& corners);

  // The line search accepted `multiplier` times the last proposed step, moving the corners by
  // `movedMm` and the gradient from `before` to `after` (family parameters): records the curvature
  // pair and adapts the reach.
  void accepted(const std::vector<double>& step, double multiplier, double movedMm, const std::vector<double>& before,
                const std::vector<double>& after);
  // Drops the curvature pairs (the next step is steepest descent again).
  void forget() { pairs_.clear(); }
  bool hasCurvature() const { return !pairs_.empty(); }
  double step() const { return step_; }
  double reach() const { return reach_; }

 private:
  struct Pair {
    std::vector<double> s, y;  // preconditioned
    double rho;                // 1 / (s.y)
  };
  std::vector<double> toPreconditioned(const std::vector<double>& gradient) const;

  double step_ = 0, reach_ = 0;
  std::vector<double> rootScales_;  // sqrt(scale_p); 0 for a parameter that moves nothing
  std::deque<Pair> pairs_;
};

}  // namespace ffdp
