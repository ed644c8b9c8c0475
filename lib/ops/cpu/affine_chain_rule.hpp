// Chain rule from d(value)/d(warped value) to the 12 affine parameters (ITK order: M row-major,
// then t; centre c fixed). With y = M (x - c) + t + c:
//   dvalue/dM[a][b] = sum_x g(x) dI/dy_a(x) (x - c)_b,   dvalue/dt[a] = sum_x g(x) dI/dy_a(x),
// where g = dvalue/dw(x) and dI/dy = Pm^-T dI/dq (Pm = Dm diag(sm)). Both factors are linear, so
// the inner loops only accumulate sums of g dI/dq against the fixed index (12 multiply-adds per
// voxel, no matrix products) and the conversion to physical space happens once per call.
// Since j and k are constant along a row, each row is first summed against 1 and i only.
//
// Gradient consumers. Each metric computes, row by row, g = dvalue/dw at its valid voxels (up to a
// global scale such as 1/N that is known only after a reduction) and hands the row to a consumer:
//   NoGradient       value only;
//   AffineChainRule  the 12 affine parameters (here);
//   FieldChainRule   dvalue/du(x) per fixed voxel (field_metric_chain_rule.hpp).
// A consumer has `kWanted`, `addRow(j, k, row, g)` (called once per row (j, k), from the thread
// that owns slice k), and `expectScale(s)`, a hint given before the rows when the scale is already
// known, so that a consumer writing per-voxel results can apply it while writing.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "core/affine.hpp"
#include "core/grid.hpp"
#include "dist/comm.hpp"
#include "ops/affine_gradient_sums.hpp"
#include "ops/backend.hpp"
#include "ops/cpu/affine_warp.hpp"

namespace ffdp::cpu {

// Layout inside a partial-sum array: s[a][b] = sum g dI/dq_a idx_b at 3a + b, sum g dI/dq_a at 9 + a.
constexpr int kIndexGradientSums = 12;

// The same for the valid voxels of row (j, k), with g[n] for sample n: sums along the row first,
// then one update of the 12 sums per row.
inline void addRowIndexGradient(double* sums, const RowSamples& row, const double* g, int64_t j, int64_t k) {
  double r[3] = {0, 0, 0}, ri[3] = {0, 0, 0};
  for (int64_t n = 0; n < row.count; ++n) {
    const size_t s = size_t(n);
    const double id = double(row.i[s]);
    const double g0 = g[s] * row.dq0[s], g1 = g[s] * row.dq1[s], g2 = g[s] * row.dq2[s];
    r[0] += g0;
    r[1] += g1;
    r[2] += g2;
    ri[0] += g0 * id;
    ri[1] += g1 * id;
    ri[2] += g2 * id;
  }
  for (int a = 0; a < 3; ++a) {
    sums[3 * a + 0] += ri[a];
    sums[3 * a + 1] += r[a] * double(j);
    sums[3 * a + 2] += r[a] * double(k);
    sums[9 + a] += r[a];
  }
}

// affineGradientFromIndexSums (ops/affine_gradient_sums.hpp) turns the sums into the gradient.

struct NoGradient {
  static constexpr bool kWanted = false;
  void expectScale(double) {}
  void addRow(int64_t, int64_t, const RowSamples&, const double*) {}
};

// The 12 index-space sums per slice, against the whole grid's index (a slab's slice k is whole slice
// k + firstSlice), added in whole-slice order over every rank (slice_reduce.hpp) and converted to the
// gradient once: the same bits on any number of ranks.
class AffineChainRule {
 public:
  static constexpr bool kWanted = true;
  explicit AffineChainRule(const Grid& fixed)
      : partials_(size_t(fixed.size[2]) * kIndexGradientSums, 0.0), firstSlice_(fixed.slab.firstSlice) {}
  void expectScale(double) {}
  void addRow(int64_t j, int64_t k, const RowSamples& row, const double* g) {
    addRowIndexGradient(partials_.data() + size_t(k) * kIndexGradientSums, row, g, j, k + firstSlice_);
  }
  AffineGradient finish(double scale, const Grid& fixed, const Grid& moving, const Affine& A, Comm& comm) const;

 private:
  std::vector<double> partials_;  // kIndexGradientSums per local slice
  int64_t firstSlice_;
};

}  // namespace ffdp::cpu
