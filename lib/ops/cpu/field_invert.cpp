// The inverse v of x + u on u's grid: y + v(y) = x exactly when x + u(x) = y, i.e.
// v(y) = -u(y + v(y)). Solved by the fixed-point iteration v <- -u(y + v) from v = -u, which
// contracts when u's Lipschitz constant is below 1 (a diffeomorphic field). Each sweep reads only
// the previous iterate (Jacobi, not Gauss-Seidel), so the result does not depend on the thread
// count or on how the slices are split.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/field_sampling.hpp"

namespace ffdp::cpu {

Field invertField(const Field& u, int iterations, double tolerance, Comm& comm) {
  if (u.voxels() == 0) fail(ExitCode::Internal, "invertField: the field is empty");
  const Grid& grid = u.grid;
  const Mat3 toIndex = grid.indexToPhysicalMatrix().inverse();
  const FieldSampler sampleU(u);
  const int64_t nx = grid.size[0], ny = grid.size[1], nz = grid.size[2];

  Field v(grid), next(grid);
  for (size_t n = 0; n < u.data.size(); ++n) v.data[n] = {-u.data[n][0], -u.data[n][1], -u.data[n][2]};

  std::vector<double> sliceMaxChange(size_t(nz), 0.0);
  for (int it = 0; it < iterations; ++it) {
#pragma omp parallel for schedule(static)
    for (int64_t k = 0; k < nz; ++k) {
      double largest = 0;
      for (int64_t j = 0; j < ny; ++j) {
        const int64_t row = grid.linear(0, j, k);
        for (int64_t i = 0; i < nx; ++i) {
          const Vec3 vy = toVec3(v.data[size_t(row + i)]);
          const Vec3 step = toIndex * vy;
          const Vec3 uy = sampleU.value({double(i) + step[0], double(j) + step[1], double(k) + step[2]});
          const Vec3f updated{float(-uy[0]), float(-uy[1]), float(-uy[2])};
          next.data[size_t(row + i)] = updated;
          const Vec3 change = toVec3(updated) - vy;
          largest = std::max(largest, dot(change, change));
        }
      }
      sliceMaxChange[size_t(k)] = largest;
    }
    std::swap(v.data, next.data);
    double largest = std::sqrt(*std::max_element(sliceMaxChange.begin(), sliceMaxChange.end()));
    comm.allreduceMax(&largest, 1);
    if (largest < tolerance) break;
  }
  return v;
}

}  // namespace ffdp::cpu
