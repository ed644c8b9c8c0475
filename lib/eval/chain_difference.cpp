#include "eval/chain_difference.hpp"

#include <algorithm>
#include <limits>

namespace ffdp {

TransformDifference chainDifference(const TransformChain& a, const TransformChain& b, const Grid& grid,
                                    const Mask* mask) {
  // Whole-grid displacements keep the per-chain set-up (samplers) out of the voxel loop.
  const Field da = chainDisplacement(a, grid), db = chainDisplacement(b, grid);
  TransformDifference d;
  double sum = 0;
  for (size_t v = 0; v < da.data.size(); ++v) {
    if (mask && !mask->data[v]) continue;
    const Vec3f& p = da.data[v];
    const Vec3f& q = db.data[v];
    const double e = norm({double(p[0]) - q[0], double(p[1]) - q[1], double(p[2]) - q[2]});
    sum += e;
    d.maxMm = std::max(d.maxMm, e);
    ++d.points;
  }
  if (d.points > 0) d.meanMm = sum / double(d.points);
  d.rotationDeg = std::numeric_limits<double>::quiet_NaN();
  return d;
}

}  // namespace ffdp
