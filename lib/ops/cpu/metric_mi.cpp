// Mattes-style mutual information with B bins and cubic B-spline Parzen windows for both images
// (parzen_bspline.hpp). Intensities are normalised with the global min/max over ALL voxels of the
// fixed resp. moving volume (not only the valid ones), so the bins do not move with the transform.
//
//   H(a, b) = sum_{valid x} beta(a - xi_f(x)) beta(b - xi_m(w(x))),   p = H / N (sums to 1),
//   pf(a) = sum_b p(a, b), pm(b) = sum_a p(a, b),  MI = sum_{p > 0} p log(p / (pf pm)),  value = -MI.
//
// Gradient: pf does not depend on w, and sum p = 1 for every w, so the "+1" terms of d(p log p)
// vanish and
//   d(-MI)/dw(x) = -(1/N) sum_{a,b} beta(a - xi_f(x)) beta'(b - xi_m(x)) (dxi_m/dw) log(p(a,b) / pm(b)),
// with beta' the derivative w.r.t. xi (dw in ParzenWeights) and dxi_m/dw = the moving bin scale.
// Only the 4x4 bins a voxel touches are visited. Histograms are summed per slice in double and
// added in slice order (no atomics), so the result does not depend on the thread count; a slab's
// owned slices only, then across ranks (slice_reduce.hpp).
// The same code serves w = moving(A(x)) (AffineWarp) and w = moving(A(x + u(x))) (FieldWarp); the
// per-voxel dvalue/dw goes to the affine or the field chain rule (affine_chain_rule.hpp).
#include <cmath>
#include <vector>

#include "ops/cpu/affine_chain_rule.hpp"
#include "ops/cpu/affine_warp.hpp"
#include "ops/cpu/cpu_ops.hpp"
#include "ops/cpu/field_metric.hpp"
#include "ops/cpu/field_metric_chain_rule.hpp"
#include "ops/cpu/intensity_range.hpp"
#include "ops/cpu/parzen_bspline.hpp"
#include "ops/cpu/slice_reduce.hpp"
#include "ops/mutual_information_table.hpp"

namespace ffdp::cpu {
namespace {

// Joint histogram (B*B, fixed bin major) followed by the valid-voxel count.
template <class Warp>
std::vector<double> jointHistogram(const Warp& warp, const BinMapping& fb, const BinMapping& mb, Comm& comm) {
  const int B = fb.bins;
  const size_t width = size_t(B) * size_t(B) + 1;
  const int64_t nz = warp.fixed().grid.size[2];
  const int64_t nx = warp.fixed().grid.size[0], ny = warp.fixed().grid.size[1];
  std::vector<double> partials(size_t(nz) * width, 0.0);
#pragma omp parallel
  {
    RowSamples row(nx);
    // Parzen weights of the row's samples, then the scatter into the histogram: two loops of
    // independent iterations rather than one long dependency chain per voxel.
    std::vector<int> first(size_t(2 * nx));
    std::vector<double> weights(size_t(8 * nx));
#pragma omp for schedule(dynamic)
    for (int64_t k = 0; k < nz; ++k) {
      double* h = partials.data() + size_t(k) * width;
      for (int64_t j = 0; j < ny; ++j) {
        warp.template sampleRow<false>(j, k, row);
        for (int64_t n = 0; n < row.count; ++n) {
          first[size_t(2 * n)] = parzenValues(fb.coordinate(row.f[size_t(n)]), B, &weights[size_t(8 * n)]);
          first[size_t(2 * n + 1)] = parzenValues(mb.coordinate(row.w[size_t(n)]), B, &weights[size_t(8 * n + 4)]);
        }
        for (int64_t n = 0; n < row.count; ++n) {
          const double* wf = &weights[size_t(8 * n)];
          const double* wm = wf + 4;
          double* cell = h + size_t(first[size_t(2 * n)]) * size_t(B) + size_t(first[size_t(2 * n + 1)]);
          for (int a = 0; a < 4; ++a, cell += B)
            for (int b = 0; b < 4; ++b) cell[b] += wf[a] * wm[b];
        }
        h[width - 1] += double(row.count);
      }
    }
  }
  return sumSlicesInWholeOrder(warp.fixed().grid, comm, partials.data(), width);
}

struct MutualInformationTotals {
  double value = 0;  // -MI
  double count = 0;  // N
};

// Value, and (when the consumer wants it) the rows of dvalue/dw up to the factor -(dxi/dw)/N,
// which is announced to the consumer with expectScale before the rows and returned in `scale`.
template <class Warp, class Consumer>
MutualInformationTotals mutualInformation(const Warp& warp, const MetricInputs& in, Consumer& consumer,
                                          double& scale, Comm& comm) {
  const int B = in.settings.bins;
  const IntensityRange fr = intensityRange(in.fixed, comm), mr = intensityRange(in.moving, comm);
  const BinMapping fb(fr.min, fr.max, B), mb(mr.min, mr.max, B);

  const std::vector<double> H = jointHistogram(warp, fb, mb, comm);
  MutualInformationTotals r;
  const double N = H.back();
  r.count = N;
  if (N == 0) return r;

  // MI and the table log(p / pm) the gradient needs.
  const MutualInformationTable table = mutualInformationTable(H.data(), B, N);
  const std::vector<double>& logRatio = table.logRatio;
  r.value = table.value;
  if (!Consumer::kWanted) return r;

  scale = -mb.scale / N;
  consumer.expectScale(scale);
  const int64_t nz = in.fixed.grid.size[2];
  const double* L = logRatio.data();
  const int64_t nx = in.fixed.grid.size[0], ny = in.fixed.grid.size[1];
#pragma omp parallel
  {
    RowSamples row(nx);
    std::vector<double> g(static_cast<size_t>(nx));
#pragma omp for schedule(dynamic)
    for (int64_t k = 0; k < nz; ++k) {
      for (int64_t j = 0; j < ny; ++j) {
        warp.template sampleRow<true>(j, k, row);
        // g = sum_{a,b} beta_f beta_m' log(p/pm); the factor -dxi/dw / N is the consumer's scale.
        for (int64_t n = 0; n < row.count; ++n) {
          double wf[4];
          const int af = parzenValues(fb.coordinate(row.f[size_t(n)]), B, wf);
          const ParzenWeights pw = parzenWeights(mb.coordinate(row.w[size_t(n)]), B);
          double sum = 0;
          for (int a = 0; a < 4; ++a) {
            const double* cell = L + size_t(af + a) * size_t(B) + size_t(pw.first);
            sum += wf[a] * (pw.dw[0] * cell[0] + pw.dw[1] * cell[1] + pw.dw[2] * cell[2] + pw.dw[3] * cell[3]);
          }
          g[size_t(n)] = sum;
        }
        consumer.addRow(j, k, row, g.data());
      }
    }
  }
  return r;
}

}  // namespace

AffineMetricEval mutualInformationMetric(const MetricInputs& in, bool withGradient, Comm& comm) {
  const AffineWarp warp(in.fixed, in.moving, in.fixedMask, in.movingMask, in.A, in.settings.samplingFraction);
  AffineMetricEval r;
  double scale = 0;
  if (withGradient) {
    AffineChainRule chain(in.fixed.grid);
    const MutualInformationTotals t = mutualInformation(warp, in, chain, scale, comm);
    r.validVoxels = static_cast<int64_t>(t.count);
    if (r.validVoxels == 0) return r;
    r.value = t.value;
    r.gradient = chain.finish(scale, in.fixed.grid, in.moving.grid, in.A, comm);
  } else {
    NoGradient none;
    const MutualInformationTotals t = mutualInformation(warp, in, none, scale, comm);
    r.validVoxels = static_cast<int64_t>(t.count);
    r.value = t.value;
  }
  return r;
}

FieldMetricEval mutualInformationFieldMetric(const MetricInputs& in, const Field& u, Field* gradient, Comm& comm) {
  const FieldWarp warp(in.fixed, in.moving, in.fixedMask, in.movingMask, in.A, u, in.settings.samplingFraction);
  MutualInformationTotals t;
  double scale = 0;
  if (gradient) {
    FieldChainRule chain(*gradient, in.fixed.grid, in.moving.grid, in.A);
    t = mutualInformation(warp, in, chain, scale, comm);
    chain.finish(t.count > 0 ? scale : 0.0);
  } else {
    NoGradient none;
    t = mutualInformation(warp, in, none, scale, comm);
  }
  FieldMetricEval r;
  r.validVoxels = static_cast<int64_t>(t.count);
  r.value = t.value;
  return r;
}

}  // namespace ffdp::cpu
