// Mean squares: value = sum_valid (f - w)^2 / N_valid, dvalue/dw(x) = -2 (f - w) / N.
// One fused pass: sample, accumulate the sum of squares per slice, and hand -2 (f - w) to the
// gradient consumer (the 1/N is applied at the end, once N is known).
#include <vector>

#include "ops/cpu/affine_chain_rule.hpp"
#include "ops/cpu/affine_warp.hpp"
#include "ops/cpu/cpu_ops.hpp"
#include "ops/cpu/field_metric.hpp"
#include "ops/cpu/field_metric_chain_rule.hpp"
#include "ops/cpu/slice_reduce.hpp"

namespace ffdp::cpu {
namespace {

struct MeanSquaresTotals {
  double sumOfSquares = 0, count = 0;
};

template <bool WithGradient, class Warp, class Consumer>
MeanSquaresTotals accumulateSlices(const Warp& warp, Consumer& consumer, Comm& comm) {
  const int64_t nx = warp.fixed().grid.size[0], ny = warp.fixed().grid.size[1], nz = warp.fixed().grid.size[2];
  std::vector<double> partials(2 * static_cast<size_t>(nz));  // per slice: sum of squares, count
#pragma omp parallel
  {
    RowSamples row(nx);
    std::vector<double> g(static_cast<size_t>(nx));
#pragma omp for schedule(dynamic)
    for (int64_t k = 0; k < nz; ++k) {
      MeanSquaresTotals p;
      for (int64_t j = 0; j < ny; ++j) {
        warp.template sampleRow<WithGradient>(j, k, row);
        double sse = 0;
        for (int64_t n = 0; n < row.count; ++n) {
          const double diff = row.f[size_t(n)] - row.w[size_t(n)];
          sse += diff * diff;
          g[size_t(n)] = -2.0 * diff;
        }
        p.sumOfSquares += sse;
        p.count += double(row.count);
        if (WithGradient) consumer.addRow(j, k, row, g.data());
      }
      partials[2 * size_t(k)] = p.sumOfSquares;
      partials[2 * size_t(k) + 1] = p.count;
    }
  }
  const std::vector<double> total = sumSlicesInWholeOrder(warp.fixed().grid, comm, partials.data(), 2);
  return {total[0], total[1]};
}

}  // namespace

AffineMetricEval meanSquaresMetric(const MetricInputs& in, bool withGradient, Comm& comm) {
  const AffineWarp warp(in.fixed, in.moving, in.fixedMask, in.movingMask, in.A, in.settings.samplingFraction);
  AffineMetricEval r;
  if (withGradient) {
    AffineChainRule chain(in.fixed.grid);
    const MeanSquaresTotals t = accumulateSlices<true>(warp, chain, comm);
    r.validVoxels = static_cast<int64_t>(t.count);
    if (r.validVoxels == 0) return r;
    r.value = t.sumOfSquares / t.count;
    r.gradient = chain.finish(1.0 / t.count, in.fixed.grid, in.moving.grid, in.A, comm);
  } else {
    NoGradient none;
    const MeanSquaresTotals t = accumulateSlices<false>(warp, none, comm);
    r.validVoxels = static_cast<int64_t>(t.count);
    if (r.validVoxels > 0) r.value = t.sumOfSquares / t.count;
  }
  return r;
}

FieldMetricEval meanSquaresFieldMetric(const MetricInputs& in, const Field& u, Field* gradient, Comm& comm) {
  const FieldWarp warp(in.fixed, in.moving, in.fixedMask, in.movingMask, in.A, u, in.settings.samplingFraction);
  FieldMetricEval r;
  MeanSquaresTotals t;
  if (gradient) {
    FieldChainRule chain(*gradient, in.fixed.grid, in.moving.grid, in.A);
    t = accumulateSlices<true>(warp, chain, comm);
    chain.finish(t.count > 0 ? 1.0 / t.count : 0.0);
  } else {
    NoGradient none;
    t = accumulateSlices<false>(warp, none, comm);
  }
  r.validVoxels = static_cast<int64_t>(t.count);
  if (r.validVoxels > 0) r.value = t.sumOfSquares / t.count;
  return r;
}

}  // namespace ffdp::cpu
