#include "ops/cpu/box_sum.hpp"

#include <algorithm>

namespace ffdp::cpu {

void boxSumSliceInPlace(double* slice, int64_t nx, int64_t ny, int radius, std::vector<double>& scratch) {
  if (radius <= 0) return;
  const int64_t plane = nx * ny;
  scratch.resize(size_t(plane));
  double* tmp = scratch.data();
  // Along i, row by row, into the scratch slice. Interior voxels add their 2r+1 inputs in index
  // order one tap at a time over the whole row (a vector loop); the r voxels at each end, whose
  // windows are cut by the border, are summed directly. Same order, hence same rounding, for both.
  const int64_t interiorEnd = nx - radius;  // interior: radius <= i < nx - radius
  for (int64_t j = 0; j < ny; ++j) {
    const double* in = slice + j * nx;
    double* out = tmp + j * nx;
    for (int64_t i = 0; i < nx; ++i) {
      if (i == radius && interiorEnd > radius) {
        i = interiorEnd - 1;  // the interior is done below
        continue;
      }
      const int64_t lo = std::max<int64_t>(0, i - radius), hi = std::min<int64_t>(nx - 1, i + radius);
      double acc = in[lo];
      for (int64_t m = lo + 1; m <= hi; ++m) acc += in[m];
      out[i] = acc;
    }
    if (interiorEnd > radius) {
      for (int64_t i = radius; i < interiorEnd; ++i) out[i] = in[i - radius];
      for (int m = -radius + 1; m <= radius; ++m)
        for (int64_t i = radius; i < interiorEnd; ++i) out[i] += in[i + m];
    }
  }
  // Along j back into the slice: whole rows at a time, so the inner loop runs over contiguous i.
  for (int64_t j = 0; j < ny; ++j) {
    const int64_t lo = std::max<int64_t>(0, j - radius), hi = std::min<int64_t>(ny - 1, j + radius);
    double* out = slice + j * nx;
    const double* first = tmp + lo * nx;
    for (int64_t i = 0; i < nx; ++i) out[i] = first[i];
    for (int64_t m = lo + 1; m <= hi; ++m) {
      const double* src = tmp + m * nx;
      for (int64_t i = 0; i < nx; ++i) out[i] += src[i];
    }
  }
}

}  // namespace ffdp::cpu
