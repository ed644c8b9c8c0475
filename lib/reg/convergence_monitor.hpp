// The window convergence test that ANTs/ITK use for their optimisers (WindowConvergenceMonitoringFunction),
// written from its definition: keep the last `window` metric values, normalise them by the sum of their
// absolute values, fit a least-squares line over t = 0..1 (evenly spaced) and call -slope the
// convergence value. A level stops when that value drops below the threshold, which also happens as
// soon as the metric rises (a positive slope gives a negative value).
#pragma once
#include <deque>

namespace ffdp {

class ConvergenceMonitor {
 public:
  ConvergenceMonitor(int window, double threshold);

  // Records the metric of one iteration; true when the level should stop now.
  bool add(double metric);
  // -slope of the normalised window; +infinity while the window is not full. A window of 1 holds no
  // trend (a line through one point has no slope), so it never converges: only maxIterations stops it.
  double convergenceValue() const;

 private:
  int window_;
  double threshold_;
  std::deque<double> values_;
};

}  // namespace ffdp
