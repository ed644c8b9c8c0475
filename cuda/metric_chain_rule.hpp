// From d(value)/d(warped value) g(x) to what the caller asked for (the device twin of the CPU's
// gradient consumers, lib/ops/cpu/affine_chain_rule.hpp and field_metric_chain_rule.hpp):
//   field:  dvalue/du(x) = scale g(x) K^T dw/dq(x)  at valid x, 0 elsewhere (LPS, per mm);
//   affine: the 12 index-space sums of g dw/dq_a against (i, j, k, 1), converted once on the host
//           into the ITK-ordered parameter gradient (M row-major, then t).
// Plain FFDP_HD code: g++ can include this header.
#pragma once
#include <array>
#include <cstdint>

#include "core/affine.hpp"
#include "core/grid.hpp"
#include "core/host_device.hpp"
#include "ops/affine_gradient_sums.hpp"

namespace ffdp::cuda {

// Writes scale K^T (g dq) as three floats, in the CPU's order of operations.
struct FieldGradientWriter {
  float* out = nullptr;  // 3 floats per fixed voxel
  double S[3][3] = {};   // scale K^T
  FFDP_HD void write(int64_t n, double g, const double dq[3]) const {
    const double d0 = g * dq[0], d1 = g * dq[1], d2 = g * dq[2];
    out[3 * n + 0] = float(S[0][0] * d0 + S[0][1] * d1 + S[0][2] * d2);
    out[3 * n + 1] = float(S[1][0] * d0 + S[1][1] * d1 + S[1][2] * d2);
    out[3 * n + 2] = float(S[2][0] * d0 + S[2][1] * d1 + S[2][2] * d2);
  }
  FFDP_HD void writeZero(int64_t n) const {
    out[3 * n + 0] = 0.0f;
    out[3 * n + 1] = 0.0f;
    out[3 * n + 2] = 0.0f;
  }
};
FieldGradientWriter makeFieldGradientWriter(float* out, const Grid& moving, const Affine& A, double scale);

// Layout (the CPU's): s[3a + b] = sum g dw/dq_a idx_b (idx = i, j, k), s[9 + a] = sum g dw/dq_a.
constexpr int kAffineIndexSums = 12;
struct AffineIndexSums {
  double s[kAffineIndexSums] = {};
  FFDP_HD void add(int64_t i, int64_t j, int64_t k, double g, const double dq[3]) {
    const double id = double(i), jd = double(j), kd = double(k);
    for (int a = 0; a < 3; ++a) {
      const double ga = g * dq[a];
      s[3 * a + 0] += ga * id;
      s[3 * a + 1] += ga * jd;
      s[3 * a + 2] += ga * kd;
      s[9 + a] += ga;
    }
  }
};

// The 12 summed index-space values -> d(value)/d(affine parameters), times `scale` (e.g. 1/N):
// the backend-neutral ffdp::affineGradientFromIndexSums (lib/ops/affine_gradient_sums.hpp).

}  // namespace ffdp::cuda
