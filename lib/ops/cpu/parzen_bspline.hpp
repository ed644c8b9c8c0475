// Cubic B-spline Parzen windows for the MI joint histogram (used for both images, so the
// histogram is a smooth (C2) function of every intensity).
//
// An intensity v maps to the continuous bin coordinate xi = 1 + (v - vmin) (B - 3) / (vmax - vmin),
// i.e. [vmin, vmax] -> [1, B - 2], so the four bins a voxel touches, base-1 .. base+2 with
// base = clamp(floor(xi), 1, B - 3), always lie in [0, B - 1]. The weight of bin b is beta3(b - xi);
// the four weights sum to 1.
#pragma once
#include <algorithm>
#include <cmath>

namespace ffdp::cpu {

struct BinMapping {
  double vmin = 0, scale = 0;  // xi = 1 + (v - vmin) * scale; scale = 0 for a constant image
  int bins = 0;

  BinMapping(double lo, double hi, int binCount) : vmin(lo), bins(binCount) {
    scale = hi > lo ? double(binCount - 3) / (hi - lo) : 0.0;
  }
  double coordinate(double v) const { return 1.0 + (v - vmin) * scale; }
};

constexpr double kSixth = 1.0 / 6.0;

struct ParzenWeights {
  int first;     // bin of w[0]; the others follow
  double w[4];   // beta3(b - xi)
  double dw[4];  // d w / d xi
};

inline int parzenBase(double xi, int bins) {
  const int t = static_cast<int>(xi);  // floor without a library call; xi >= 1 > 0 here
  return std::clamp(t - (xi < double(t) ? 1 : 0), 1, bins - 3);
}

// beta3 at u+1, u, u-1, u-2 (u in [0, 1]) in a short form: w1 = 2/3 - u^2 (1 - u/2), w2 from the
// partition of unity. Derivatives likewise (they sum to 0).
inline ParzenWeights parzenWeights(double xi, int bins) {
  const int base = parzenBase(xi, bins);
  const double u = xi - base, s = 1.0 - u, uu = u * u;
  ParzenWeights p;
  p.first = base - 1;
  p.w[0] = s * s * s * kSixth;
  p.w[1] = 2.0 / 3.0 - uu * (1.0 - 0.5 * u);
  p.w[3] = uu * u * kSixth;
  p.w[2] = 1.0 - p.w[0] - p.w[1] - p.w[3];
  p.dw[0] = -0.5 * s * s;
  p.dw[1] = u * (1.5 * u - 2.0);
  p.dw[3] = 0.5 * uu;
  p.dw[2] = -(p.dw[0] + p.dw[1] + p.dw[3]);
  return p;
}

// Weights only (the histogram pass).
inline int parzenValues(double xi, int bins, double w[4]) {
  const int base = parzenBase(xi, bins);
  const double u = xi - base, s = 1.0 - u, uu = u * u;
  w[0] = s * s * s * kSixth;
  w[1] = 2.0 / 3.0 - uu * (1.0 - 0.5 * u);
  w[3] = uu * u * kSixth;
  w[2] = 1.0 - w[0] - w[1] - w[3];
  return base - 1;
}

}  // namespace ffdp::cpu
