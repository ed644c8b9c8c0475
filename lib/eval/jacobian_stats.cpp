#include "eval/jacobian_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ffdp {

JacobianStats jacobianStats(const Image& determinant, const Mask* mask) {
  JacobianStats s;
  s.min = std::numeric_limits<double>::infinity();
  s.max = -std::numeric_limits<double>::infinity();
  double sum = 0;
  for (size_t v = 0; v < determinant.data.size(); ++v) {
    if (mask && !mask->data[v]) continue;
    const double d = determinant.data[v];
    ++s.voxels;
    // A NaN determinant is no valid map either: it counts as a fold.
    if (!(d > 0)) ++s.nonPositive;
    if (std::isnan(d)) continue;
    s.min = std::min(s.min, d);
    s.max = std::max(s.max, d);
    sum += d;
  }
  if (s.voxels == 0) {
    s.min = s.max = 0;
    return s;
  }
  s.mean = sum / double(s.voxels);
  s.nonPositivePercent = 100.0 * double(s.nonPositive) / double(s.voxels);
  return s;
}

}  // namespace ffdp
