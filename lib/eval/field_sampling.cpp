#include "eval/field_sampling.hpp"

#include <algorithm>
#include <cmath>

namespace ffdp {

FieldSampler::FieldSampler(const Field& u)
    : u_(u),
      toIndex_(u.grid.indexToPhysicalMatrix().inverse()),
      origin_(u.grid.isSlab() ? u.grid.slab.wholeOrigin : u.grid.origin),
      wholeSlices_(u.grid.isSlab() ? u.grid.slab.wholeSlices : u.grid.size[2]),
      firstSlice_(u.grid.slab.firstSlice) {}

bool FieldSampler::covers(const Vec3& p) const {
  const Vec3 q = toIndex_ * (p - origin_);
  const double size[3] = {double(u_.grid.size[0]), double(u_.grid.size[1]), double(wholeSlices_)};
  for (int a = 0; a < 3; ++a)
    if (!(q[a] >= -0.5 && q[a] < size[a] - 0.5)) return false;  // NaN fails too
  return true;
}

Vec3 FieldSampler::at(const Vec3& p) const {
  if (!covers(p)) return {0, 0, 0};
  const Vec3 q = toIndex_ * (p - origin_);
  const int64_t size[3] = {u_.grid.size[0], u_.grid.size[1], wholeSlices_};
  int64_t i0[3];
  double w[3];
  for (int a = 0; a < 3; ++a) {
    const double last = double(size[a] - 1);
    const double c = std::clamp(q[a], 0.0, last);  // the edge value in the half voxel beyond the centres
    i0[a] = std::min<int64_t>(static_cast<int64_t>(std::floor(c)), std::max<int64_t>(size[a] - 2, 0));
    w[a] = c - double(i0[a]);
  }
  Vec3 r{0, 0, 0};
  for (int dz = 0; dz < 2; ++dz) {
    const double wz = dz ? w[2] : 1 - w[2];
    // A buffer's local slice; clamped so that a caller's too-short window reads wrong values, never
    // outside the buffer (inverse_warped_slabs.cpp fetches every slice its points read).
    const int64_t k = std::clamp<int64_t>(std::min(i0[2] + dz, size[2] - 1) - firstSlice_, 0, u_.grid.size[2] - 1);
    for (int dy = 0; dy < 2; ++dy) {
      const double wy = dy ? w[1] : 1 - w[1];
      const int64_t j = std::min(i0[1] + dy, u_.grid.size[1] - 1);
      for (int dx = 0; dx < 2; ++dx) {
        const double weight = (dx ? w[0] : 1 - w[0]) * wy * wz;
        if (weight == 0) continue;
        const int64_t i = std::min(i0[0] + dx, u_.grid.size[0] - 1);
        const Vec3f& v = u_.at(i, j, k);
        for (int a = 0; a < 3; ++a) r[a] += weight * double(v[a]);
      }
    }
  }
  return r;
}

double smallestSpacing(const Grid& grid) { return std::min({grid.spacing[0], grid.spacing[1], grid.spacing[2]}); }

}  // namespace ffdp
