#include "reg/step_scaling.hpp"

#include <cmath>

namespace ffdp {

namespace {

std::vector<double> scaled(const std::vector<double>& v, double a) {
  std::vector<double> r(v);
  for (double& x : r) x *= a;
  return r;
}

}  // namespace

double stepMultiplier(const LinearFamily& family, const std::vector<double>& direction, const Corners& corners,
                      double distance) {
  const Affine& now = family.current();
  // First guess from a unit update, then a fixed-point refinement: a rotation's corner displacement
  // (a chord) grows slightly slower than linearly in the angle, so a few rounds settle it exactly.
  const double unit = maxCornerDisplacement(family.updated(direction), now, corners);
  if (!(unit > 0) || !std::isfinite(unit)) return 0;
  double a = distance / unit;
  for (int round = 0; round < 30; ++round) {
    const double moved = maxCornerDisplacement(family.updated(scaled(direction, a)), now, corners);
    if (!(moved > 0)) return 0;
    const double ratio = distance / moved;
    a *= ratio;
    if (std::abs(ratio - 1) < 1e-13) break;
  }
  return a;
}

}  // namespace ffdp
