#include "ops/moving_window.hpp"

#include <algorithm>
#include <cmath>

namespace ffdp {

SliceRange movingSlicesRead(const Grid& target, const Grid& movingWhole, const Affine& A, double maxDisplacementMm,
                            int64_t marginSlices) {
  const int64_t nz = movingWhole.size[2];
  const SliceRange all{0, nz};
  double lo = 1e300, hi = -1e300;
  for (int n = 0; n < 8; ++n) {
    const Vec3 corner{(n & 1) ? double(target.size[0] - 1) : 0.0, (n & 2) ? double(target.size[1] - 1) : 0.0,
                      (n & 4) ? double(target.size[2] - 1) : 0.0};
    const double z = movingWhole.physicalToIndex(A.apply(target.indexToPhysical(corner)))[2];
    lo = std::min(lo, z);
    hi = std::max(hi, z);
  }
  // How far along moving z a displacement of 1 mm (before A) can move a sample: |row z of Pm^-1 M|.
  const Mat3 K = movingWhole.indexToPhysicalMatrix().inverse() * A.M;
  const double perMm = std::sqrt(K.m[2][0] * K.m[2][0] + K.m[2][1] * K.m[2][1] + K.m[2][2] * K.m[2][2]);
  if (!std::isfinite(maxDisplacementMm)) return all;  // a NaN field: no bound on where it samples
  const double reach = perMm * std::max(0.0, maxDisplacementMm);
  lo -= reach;
  hi += reach;
  if (!std::isfinite(lo) || !std::isfinite(hi)) return all;
  return slicesAround(lo, hi, nz, marginSlices);
}

SliceRange slicesAround(double lo, double hi, int64_t slices, int64_t marginSlices) {
  // Far outside the grid (a wild transform): clamp in double before converting to an integer.
  const double first = std::floor(std::max(lo, -1e15)) - double(marginSlices);
  const double last = std::floor(std::min(hi, 1e15)) + 1 + double(marginSlices);  // inclusive
  const int64_t begin = int64_t(std::clamp(first, 0.0, double(slices - 1)));
  const int64_t end = int64_t(std::clamp(last + 1, double(begin + 1), double(slices)));
  return {begin, end};
}

SliceRange widenedRange(const SliceRange& range, int64_t spare, int64_t slices) {
  return {std::max<int64_t>(0, range.begin - spare), std::min(slices, range.end + spare)};
}

Grid windowGrid(const Grid& movingWhole, const SliceRange& range) {
  return SlabLayout(movingWhole, 1).slabGrid(range);
}

}  // namespace ffdp
