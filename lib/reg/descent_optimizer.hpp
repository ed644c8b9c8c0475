// The linear stages' optimiser: gradient descent with per-parameter RMS normalisation (Adam's second
// moment without its momentum), a learning rate fixed at the first step of a level, a cap on the
// displacement of any step, step rejection and halving:
//   - direction: g~_p = g_p / sqrt(scale_p) (ANTs' physical-shift scales), normalised by the running
//     RMS of g~_p (beta2 = 0.999, bias-corrected), mapped back by 1/sqrt(scale_p);
//   - the first step of a level moves the farthest domain corner by exactly `step` (the spec's
//     meaning); that fixes the learning rate, so later steps shrink as the gradient does;
//   - no step moves a corner farther than the cap (initially `step`);
//   - the learning rate and the cap halve when the gradient reverses (ITK RegularStepGradientDescent's
//     rule);
//   - the RMS statistics carry over from level to level of a stage (the rates and caps do not);
//   - the level ends when the cap falls below 1e-4 of where it started.
//
// Why this design (measured on the engine's tests): ITK's fixed-length regular steps zig-zag across
// the stiff directions (translations) and halve until the soft ones (rotations about a centre away
// from the image content) freeze: a 10 degree rotation was left nearly untouched. Plain gradient
// steps with a fixed rate creep along the soft directions (hundreds of iterations for a few mm).
// Adam's momentum overshoots, the metric rises, and the ANTs convergence window (which stops on a
// rising metric) ends the level early, far from the optimum. The RMS normalisation equalises stiff
// and soft parameters; without momentum the metric falls steadily, which is what the window test
// assumes. Decisions use gradients, not metric values: the metric jumps a little whenever a voxel
// enters or leaves the overlap (the analytic gradient rightly ignores that), and tests on values
// stalled on those jumps. Deterministic: the state depends only on the gradients.
#pragma once
#include <cstddef>
#include <vector>

#include "reg/linear_family.hpp"

namespace ffdp {

class DescentOptimizer {
 public:
  explicit DescentOptimizer(double relaxation = 0.5, double minimumFraction = 1e-4);

  // A new pyramid level: `maxStep` (mm) is its first step's corner displacement and its initial cap.
  // The RMS statistics carry over from the stage's previous levels, so a fine level (which starts
  // near the optimum) does not begin with Adam's sign-of-gradient step.
  void startLevel(double maxStep);

  // The step to take from an accepted point with this gradient (family parameters) and scales.
  // Empty when the gradient moves nothing.
  std::vector<double> stepFrom(const LinearFamily& family, const std::vector<double>& gradient,
                               const std::vector<double>& scales, const Corners& corners);

  // Corner displacement of the last step (mm).
  double lastDisplacement() const { return lastDisplacement_; }
  // The cap has shrunk below its minimum: the optimiser cannot make progress any more.
  bool exhausted() const { return cap_ < minimum_; }

 private:
  void relax();
  std::vector<double> scaledStep(const LinearFamily& family, const Corners& corners);

  double relaxation_;
  double minimumFraction_;
  double cap_ = 0;
  double minimum_ = 0;
  int steps_ = 0;
  double learningRate_ = 0;  // 0 until the first step fixes it
  double lastDisplacement_ = 0;
  std::vector<double> previousGradient_, meanSquare_, direction_;
};

}  // namespace ffdp
