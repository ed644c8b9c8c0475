// Cubic B-spline Parzen windows for the MI joint histogram, on the device and the host: the same
// formulas, in the same order, as the CPU reference (lib/ops/cpu/parzen_bspline.hpp), so a kernel's
// bins and weights equal the CPU's up to floating-point contraction. Plain FFDP_HD code: g++ can
// include this header, and the host tests compare it with the CPU version.
//
// An intensity v maps to xi = 1 + (v - vmin) (B - 3) / (vmax - vmin), i.e. [vmin, vmax] -> [1, B-2];
// the four bins it touches are base-1 .. base+2 with base = clamp(floor(xi), 1, B - 3).
#pragma once
#include "core/host_device.hpp"

namespace ffdp::cuda {

struct ParzenBins {
  double vmin = 0, scale = 0;  // scale = 0 for a constant image (every voxel at xi = 1)
  int bins = 0;
  FFDP_HD double coordinate(double v) const { return 1.0 + (v - vmin) * scale; }
};

inline ParzenBins makeParzenBins(double lo, double hi, int bins) {
  ParzenBins b;
  b.vmin = lo;
  b.bins = bins;
  b.scale = hi > lo ? double(bins - 3) / (hi - lo) : 0.0;
  return b;
}

FFDP_HD inline int parzenBase(double xi, int bins) {
  const int t = static_cast<int>(xi);  // xi >= 1 for every voxel of the image the range came from
  const int f = t - (xi < double(t) ? 1 : 0);
  return f < 1 ? 1 : (f > bins - 3 ? bins - 3 : f);
}

// Weights beta3(b - xi) of bins first .. first+3; returns first.
FFDP_HD inline int parzenValues(double xi, int bins, double w[4]) {
  const int base = parzenBase(xi, bins);
  const double u = xi - base, s = 1.0 - u, uu = u * u;
  const double sixth = 1.0 / 6.0;
  w[0] = s * s * s * sixth;
  w[1] = 2.0 / 3.0 - uu * (1.0 - 0.5 * u);
  w[3] = uu * u * sixth;
  w[2] = 1.0 - w[0] - w[1] - w[3];
  return base - 1;
}

// The derivatives d w / d xi of the same four weights (they sum to 0); returns first.
FFDP_HD inline int parzenDerivatives(double xi, int bins, double dw[4]) {
  const int base = parzenBase(xi, bins);
  const double u = xi - base, s = 1.0 - u, uu = u * u;
  dw[0] = -0.5 * s * s;
  dw[1] = u * (1.5 * u - 2.0);
  dw[3] = 0.5 * uu;
  dw[2] = -(dw[0] + dw[1] + dw[3]);
  return base - 1;
}

}  // namespace ffdp::cuda
