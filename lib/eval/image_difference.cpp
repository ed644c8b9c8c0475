#include "eval/image_difference.hpp"

#include <algorithm>
#include <cmath>

namespace ffdp {

DifferenceStats imageDifference(const Image& a, const Image& b, const Mask* mask) {
  DifferenceStats s;
  double sumAbs = 0, sumSq = 0, sumA2 = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (size_t v = 0; v < a.data.size(); ++v) {
    if (mask && !mask->data[v]) continue;
    const double x = a.data[v], y = b.data[v], d = x - y;
    ++s.voxels;
    sumAbs += std::abs(d);
    sumSq += d * d;
    sumA2 += x * x;
    s.maxAbs = std::max(s.maxAbs, std::abs(d));
    sa += x, sb += y, saa += x * x, sbb += y * y, sab += x * y;
  }
  if (s.voxels == 0) return s;
  const double n = double(s.voxels);
  s.meanAbs = sumAbs / n;
  s.rms = std::sqrt(sumSq / n);
  s.relativeL2 = sumA2 > 0 ? std::sqrt(sumSq / sumA2) : 0.0;
  const double cov = sab - sa * sb / n, va = saa - sa * sa / n, vb = sbb - sb * sb / n;
  s.correlation = (va > 0 && vb > 0) ? cov / std::sqrt(va * vb) : 0.0;
  return s;
}

}  // namespace ffdp
