#include "ops/cpu/field_metric_chain_rule.hpp"

#include <algorithm>

namespace ffdp::cpu {

FieldChainRule::FieldChainRule(Field& out, const Grid& fixed, const Grid& moving, const Affine& A)
    : out_(out), nx_(fixed.size[0]), ny_(fixed.size[1]) {
  if (out_.data.size() != size_t(fixed.voxels())) out_ = Field(fixed);
  out_.grid = fixed;
  Kt_ = displacementToMovingIndex(moving, A).transposed();
  expectScale(1.0);
}

void FieldChainRule::expectScale(double scale) {
  writeScale_ = scale;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) S_.m[a][b] = scale * Kt_.m[a][b];
}

void FieldChainRule::finish(double scale) {
  Vec3f* d = out_.data.data();
  const int64_t n = int64_t(out_.data.size());
  if (scale == 0.0) {
    std::fill(d, d + n, Vec3f{0.0f, 0.0f, 0.0f});
    return;
  }
  if (scale == writeScale_) return;
  const double factor = scale / writeScale_;
#pragma omp parallel for schedule(static)
  for (int64_t v = 0; v < n; ++v)
    for (int a = 0; a < 3; ++a) d[v][a] = float(double(d[v][a]) * factor);
}

}  // namespace ffdp::cpu
