// Chain rule from d(value)/d(warped value) to the displacement field (a gradient consumer, see
// affine_chain_rule.hpp). With q = IndexAffine(x) + K u(x), K = Pm^-1 M (affine_warp.hpp):
//   dvalue/du(x) = g(x) K^T dI/dq(x)   at valid x,   0 elsewhere,
// in LPS per mm. Every row (j, k) of the output is written by the thread that samples it (zeros,
// then the valid voxels), so no separate clearing pass is needed and no two threads share a voxel.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/affine.hpp"
#include "core/field.hpp"
#include "ops/cpu/affine_warp.hpp"

namespace ffdp::cpu {

class FieldChainRule {
 public:
  static constexpr bool kWanted = true;
  // `out` is given the fixed grid (allocated only when its size differs; every voxel is rewritten).
  FieldChainRule(Field& out, const Grid& fixed, const Grid& moving, const Affine& A);

  // Scale applied while writing (default 1); finish() corrects for a different final scale.
  void expectScale(double scale);

  void addRow(int64_t j, int64_t k, const RowSamples& row, const double* g) {
    Vec3f* dst = out_.data.data() + nx_ * (j + ny_ * k);
    std::fill(dst, dst + nx_, Vec3f{0.0f, 0.0f, 0.0f});
    for (int64_t n = 0; n < row.count; ++n) {
      const size_t s = size_t(n);
      const double d0 = g[s] * row.dq0[s], d1 = g[s] * row.dq1[s], d2 = g[s] * row.dq2[s];
      dst[row.i[s]] = {float(S_[0][0] * d0 + S_[0][1] * d1 + S_[0][2] * d2),
                       float(S_[1][0] * d0 + S_[1][1] * d1 + S_[1][2] * d2),
                       float(S_[2][0] * d0 + S_[2][1] * d1 + S_[2][2] * d2)};
    }
  }

  // Makes the output hold `scale` x sum: a no-op when the scale was expected, all zeros when it is
  // 0 (no valid voxel: rows may not have been visited), otherwise one multiplying pass.
  void finish(double scale);

 private:
  Field& out_;
  int64_t nx_, ny_;
  Mat3 Kt_;           // K^T
  Mat3 S_;            // writeScale_ K^T
  double writeScale_ = 1.0;
};

}  // namespace ffdp::cpu
