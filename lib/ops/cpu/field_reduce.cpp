// Global reductions over a field. Maxima are taken per z-slice and then over the owned slices, and
// across ranks through the Comm when the field is a slab (slice_reduce.hpp), so every rank sees the same value for any thread count.
//
// Squared norms are x*x + y*y + z*z in double, each operation rounded as written: contraction
// into fused multiply-adds is off in this file, as in the CUDA reference (field_exact_math.cuh).
#pragma GCC optimize("fp-contract=off")
#include <cmath>
#include <limits>
#include <vector>

#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/slice_reduce.hpp"

namespace ffdp::cpu {

double largestSquaredNorm(const Vec3f* p, int64_t count) {
  double largest = 0;
  bool sawNaN = false;
  for (int64_t n = 0; n < count; ++n) {
    const double x = p[n][0], y = p[n][1], z = p[n][2];
    const double squared = x * x + y * y + z * z;
    largest = squared > largest ? squared : largest;
    sawNaN |= squared != squared;
  }
  return sawNaN ? std::numeric_limits<double>::quiet_NaN() : largest;
}

double finishMaxNorm(const Grid& grid, const std::vector<double>& sliceLargestSquared, Comm& comm) {
  double result = std::sqrt(maxOwnedSlices(grid, sliceLargestSquared, 0.0));
  acrossRanksMax(grid, comm, &result, 1);
  return result;
}

// Largest |u(x)|; NaN when any component is NaN, so that the engine's numerical checks see a
// corrupt field instead of a maximum that silently skipped it.
double maxNorm(const Field& u, Comm& comm) {
  const int64_t nz = u.grid.size[2], plane = u.grid.size[0] * u.grid.size[1];
  std::vector<double> sliceMax(size_t(nz), 0.0);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k) sliceMax[size_t(k)] = largestSquaredNorm(u.data.data() + k * plane, plane);
  return finishMaxNorm(u.grid, sliceMax, comm);
}

}  // namespace ffdp::cpu
