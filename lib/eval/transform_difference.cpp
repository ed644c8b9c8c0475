#include "eval/transform_difference.hpp"

#include <algorithm>

namespace ffdp {

TransformDifference transformDifference(const Affine& a, const Affine& b, const Grid& grid, const Mask* mask) {
  TransformDifference d;
  double sum = 0;
  for (int64_t k = 0; k < grid.size[2]; ++k)
    for (int64_t j = 0; j < grid.size[1]; ++j)
      for (int64_t i = 0; i < grid.size[0]; ++i) {
        if (mask && !mask->data[size_t(grid.linear(i, j, k))]) continue;
        const Vec3 x = grid.indexToPhysical({double(i), double(j), double(k)});
        const double e = norm(a.apply(x) - b.apply(x));
        sum += e;
        d.maxMm = std::max(d.maxMm, e);
        ++d.points;
      }
  if (d.points > 0) d.meanMm = sum / double(d.points);
  const Mat3 relative = nearestRotation(a.M * b.M.inverse());
  d.rotationDeg = norm(rotationVector(relative)) * 180.0 / M_PI;
  return d;
}

}  // namespace ffdp
