// Mean squares: value = sum_valid (f - w)^2 / N_valid, dvalue/dw(x) = -2 (f - w) / N.
// One fused pass: sample, accumulate the sum of squares and the chain-rule sums per slice.
#include <vector>

#include "ops/cpu/affine_chain_rule.hpp"
#include "ops/cpu/affine_warp.hpp"
#include "ops/cpu/cpu_ops.hpp"
#include "ops/cpu/slice_reduce.hpp"

namespace ffdp::cpu {
namespace {

constexpr int kSumOfSquares = kIndexGradientSums;  // partial layout: 12 gradient sums, SSE, N
constexpr int kCount = kIndexGradientSums + 1;
using Partial = std::array<double, kIndexGradientSums + 2>;

template <bool WithGradient>
void accumulateSlices(const AffineWarp& warp, std::vector<Partial>& partials) {
  const int64_t nx = warp.fixed().grid.size[0], ny = warp.fixed().grid.size[1], nz = warp.fixed().grid.size[2];
#pragma omp parallel
  {
    RowSamples row(nx);
    std::vector<double> g(static_cast<size_t>(nx));
#pragma omp for schedule(dynamic)
    for (int64_t k = 0; k < nz; ++k) {
      Partial p{};
      for (int64_t j = 0; j < ny; ++j) {
        warp.sampleRow<WithGradient>(j, k, row);
        double sse = 0;
        for (int64_t n = 0; n < row.count; ++n) {
          const double diff = row.f[size_t(n)] - row.w[size_t(n)];
          sse += diff * diff;
          g[size_t(n)] = -2.0 * diff;
        }
        p[kSumOfSquares] += sse;
        p[kCount] += double(row.count);
        if (WithGradient) addRowIndexGradient(p.data(), row, g.data(), j, k);
      }
      partials[size_t(k)] = p;
    }
  }
}

}  // namespace

AffineMetricEval meanSquaresMetric(const MetricInputs& in, bool withGradient, Comm& comm) {
  const AffineWarp warp(in.fixed, in.moving, in.fixedMask, in.movingMask, in.A, in.settings.samplingFraction);
  std::vector<Partial> partials(size_t(in.fixed.grid.size[2]));
  if (withGradient)
    accumulateSlices<true>(warp, partials);
  else
    accumulateSlices<false>(warp, partials);
  Partial total = sumInSliceOrder(partials);
  comm.allreduceSum(total.data(), total.size());

  AffineMetricEval r;
  r.validVoxels = static_cast<int64_t>(total[kCount]);
  if (r.validVoxels == 0) return r;
  const double invN = 1.0 / total[kCount];
  r.value = total[kSumOfSquares] * invN;
  if (withGradient) r.gradient = affineGradientFromIndexSums(total.data(), in.fixed.grid, in.moving.grid, in.A, invN);
  return r;
}

}  // namespace ffdp::cpu
