// The window convergence test, checked against closed forms derived by hand from its definition
// (normalise by the sum of |values|, least-squares line over t = 0..1, convergence value = -slope).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "reg/convergence_monitor.hpp"

using ffdp::ConvergenceMonitor;

namespace {

// Iteration (1-based) at which the monitor first says stop, or 0 when it never does.
int stopIteration(ConvergenceMonitor& monitor, const std::vector<double>& values) {
  for (size_t i = 0; i < values.size(); ++i)
    if (monitor.add(values[i])) return static_cast<int>(i + 1);
  return 0;
}

std::vector<double> harmonic(int n) {  // 100 / (i + 1): decays ever more slowly
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(100.0 / (i + 1));
  return v;
}

}  // namespace

TEST_CASE("convergence: window 3 stops where (first - last) / sum|v| drops below the threshold", "[convergence]") {
  // For 3 points at t = 0, 0.5, 1 the least-squares slope is (y2 - y0) / 1, so the convergence value
  // of the window ending at value e (0-based) is (v[e-2] - v[e]) / (|v[e-2]| + |v[e-1]| + |v[e]|).
  const std::vector<double> v = harmonic(40);
  auto byHand = [&v](size_t e) { return (v[e - 2] - v[e]) / (v[e - 2] + v[e - 1] + v[e]); };
  // Pick a threshold between the values of the windows ending at iterations 11 and 12 (1-based).
  const double threshold = 0.5 * (byHand(10) + byHand(11));
  REQUIRE(byHand(10) > threshold);
  REQUIRE(byHand(11) < threshold);
  ConvergenceMonitor monitor(3, threshold);
  CHECK(stopIteration(monitor, v) == 12);
  CHECK(monitor.convergenceValue() == Approx(byHand(11)).epsilon(1e-12));
}

TEST_CASE("convergence: window 5 matches the hand-derived least-squares slope", "[convergence]") {
  // t = 0, .25, .5, .75, 1: slope = (-2 y0 - y1 + y3 + 2 y4) / 2.5 with y normalised by the sum of |v|.
  const std::vector<double> v = harmonic(60);
  auto byHand = [&v](size_t e) {
    const double s = v[e - 4] + v[e - 3] + v[e - 2] + v[e - 1] + v[e];
    return -(-2 * v[e - 4] - v[e - 3] + v[e - 1] + 2 * v[e]) / (2.5 * s);
  };
  const double threshold = 0.5 * (byHand(29) + byHand(30));  // between iterations 30 and 31
  ConvergenceMonitor monitor(5, threshold);
  CHECK(stopIteration(monitor, v) == 31);
  CHECK(monitor.convergenceValue() == Approx(byHand(30)).epsilon(1e-12));
}

TEST_CASE("convergence: a negative metric (MI, CC) decaying towards its minimum also converges", "[convergence]") {
  std::vector<double> v;
  for (int i = 0; i < 200; ++i) v.push_back(-0.5 + 0.4 * std::exp(-0.1 * i));
  ConvergenceMonitor monitor(10, 1e-4);
  const int stop = stopIteration(monitor, v);
  CHECK(stop > 10);
  CHECK(stop < 200);
}

TEST_CASE("convergence: a rising metric stops as soon as the window is full", "[convergence]") {
  for (int window : {2, 5, 10}) {
    ConvergenceMonitor monitor(window, 1e-6);
    std::vector<double> rising;
    for (int i = 0; i < 50; ++i) rising.push_back(-1.0 + 0.01 * i);
    CHECK(stopIteration(monitor, rising) == window);
    CHECK(monitor.convergenceValue() < 0);
  }
}

TEST_CASE("convergence: nothing stops before the window is full, even a flat metric", "[convergence]") {
  ConvergenceMonitor monitor(10, 1e-6);
  for (int i = 0; i < 9; ++i) CHECK_FALSE(monitor.add(1.0));
  CHECK(monitor.add(1.0));  // 10th value: flat window, slope 0 < 1e-6
  CHECK(std::abs(monitor.convergenceValue()) < 1e-15);
}

TEST_CASE("convergence: a window of 1 holds no trend and never stops a level", "[convergence]") {
  ConvergenceMonitor monitor(1, 1e-6);
  std::vector<double> rising;
  for (int i = 0; i < 20; ++i) rising.push_back(i);
  CHECK(stopIteration(monitor, rising) == 0);
  CHECK(std::isinf(monitor.convergenceValue()));
}
