#include "eval/inverse_consistency.hpp"

#include <algorithm>

#include "eval/field_sampling.hpp"

namespace ffdp {

InverseConsistency inverseConsistency(const Field& forward, const Field& inverse, const Mask* mask) {
  const FieldSampler v(inverse);
  const Grid& g = forward.grid;
  InverseConsistency r;
  double sum = 0;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        if (mask && !mask->at(i, j, k)) continue;
        const Vec3f& uf = forward.at(i, j, k);
        const Vec3 u{uf[0], uf[1], uf[2]};
        const Vec3 x = g.indexToPhysical({double(i), double(j), double(k)});
        const double e = norm(u + v.at(x + u));
        sum += e;
        r.maxMm = std::max(r.maxMm, e);
        ++r.voxels;
      }
  if (r.voxels > 0) r.meanMm = sum / double(r.voxels);
  const double voxel = smallestSpacing(g);
  r.meanVoxels = r.meanMm / voxel;
  r.maxVoxels = r.maxMm / voxel;
  return r;
}

}  // namespace ffdp
