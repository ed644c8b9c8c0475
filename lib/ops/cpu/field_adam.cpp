#include "ops/cpu/field_adam.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ffdp::cpu {

void adamMoments(Field& m, Field& v, const Field& g, double beta1, double beta2) {
  const int64_t n = g.voxels();
  const float b1 = float(beta1), b2 = float(beta2);
#pragma omp parallel for schedule(static)
  for (int64_t x = 0; x < n; ++x)
    for (int c = 0; c < 3; ++c) {
      const float gc = g.data[size_t(x)][c];
      float& mc = m.data[size_t(x)][c];
      float& vc = v.data[size_t(x)][c];
      mc = b1 * mc + (1 - b1) * gc;
      vc = b2 * vc + (1 - b2) * gc * gc;
    }
}

void adamDirection(const Field& m, const Field& v, double c1, double c2, double epsilon, Field& d) {
  if (!d.grid.sameAs(m.grid, 0.0) || d.voxels() != m.voxels()) d = Field(m.grid);
  const int64_t n = m.voxels();
  const float mScale = float(1 / c1), vScale = float(1 / c2), eps = float(epsilon);
#pragma omp parallel for schedule(static)
  for (int64_t x = 0; x < n; ++x)
    for (int c = 0; c < 3; ++c) {
      const float vHat = std::max(v.data[size_t(x)][c] * vScale, 0.0f);
      d.data[size_t(x)][c] = m.data[size_t(x)][c] * mScale / (std::sqrt(vHat) + eps);
    }
}

void scaleField(Field& u, double a) {
  const int64_t n = u.voxels();
  const float af = float(a);
#pragma omp parallel for schedule(static)
  for (int64_t x = 0; x < n; ++x)
    for (int c = 0; c < 3; ++c) u.data[size_t(x)][c] *= af;
}

}  // namespace ffdp::cpu
