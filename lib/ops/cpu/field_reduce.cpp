// Global reductions over a field. Maxima are taken per z-slice and then over the slices, and
// across ranks through the Comm, so every rank sees the same value for any thread count.
#include <cmath>
#include <limits>
#include <vector>

#include "ops/cpu/field_ops.hpp"

namespace ffdp::cpu {

// Largest |u(x)|; NaN when any component is NaN, so that the engine's numerical checks see a
// corrupt field instead of a maximum that silently skipped it.
double maxNorm(const Field& u, Comm& comm) {
  const int64_t nz = u.grid.size[2], plane = u.grid.size[0] * u.grid.size[1];
  std::vector<double> sliceMax(size_t(nz), 0.0);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k) {
    double largest = 0;
    bool sawNaN = false;
    const Vec3f* p = u.data.data() + k * plane;
    for (int64_t n = 0; n < plane; ++n) {
      const double x = p[n][0], y = p[n][1], z = p[n][2];
      const double squared = x * x + y * y + z * z;
      largest = squared > largest ? squared : largest;
      sawNaN |= squared != squared;
    }
    sliceMax[size_t(k)] = sawNaN ? std::numeric_limits<double>::quiet_NaN() : largest;
  }
  double result = 0;
  for (const double s : sliceMax)
    if (s > result || std::isnan(s)) result = s;
  result = std::sqrt(result);
  comm.allreduceMax(&result, 1);
  return result;
}

}  // namespace ffdp::cpu
