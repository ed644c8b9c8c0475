#include "reg/convergence_monitor.hpp"

#include <cmath>
#include <limits>

namespace ffdp {

ConvergenceMonitor::ConvergenceMonitor(int window, double threshold) : window_(window), threshold_(threshold) {}

bool ConvergenceMonitor::add(double metric) {
  values_.push_back(metric);
  while (static_cast<int>(values_.size()) > window_ && !values_.empty()) values_.pop_front();
  return convergenceValue() < threshold_;
}

double ConvergenceMonitor::convergenceValue() const {
  const int n = static_cast<int>(values_.size());
  if (window_ < 2 || n < window_) return std::numeric_limits<double>::infinity();
  double sumAbs = 0;
  for (double v : values_) sumAbs += std::abs(v);
  // A window of exact zeros is as flat as a metric can be.
  if (sumAbs == 0) return 0;
  // Least-squares slope over t_i = i / (n - 1).
  double meanT = 0.5, meanV = 0;
  for (double v : values_) meanV += v / sumAbs;
  meanV /= n;
  double sxy = 0, sxx = 0;
  for (int i = 0; i < n; ++i) {
    const double t = double(i) / double(n - 1) - meanT;
    sxy += t * (values_[static_cast<size_t>(i)] / sumAbs - meanV);
    sxx += t * t;
  }
  return -sxy / sxx;
}

}  // namespace ffdp
