// Local normalised cross-correlation (ANTs' CC with radius r: a (2r+1)^3 box window, truncated
// at the fixed image's border), squared as in ANTs.
//
// Exact definition. Let v(x) = valid(x) (affine_warp.hpp) and, on the fixed grid,
//   F(x) = v(x) f(x),  W(x) = v(x) moving(T(x))   (0 where invalid: such voxels add zeros),
// with T(x) = A(x) for the affine metric and A(x + u(x)) for the field metric (affine_warp.hpp).
// For each centre x, with n_x = number of window voxels inside the image (valid or not),
//   Sf, Sw, Sff, Sww, Sfw = box sums of F, W, F^2, W^2, F W over the window,
//   cross = Sfw - Sf Sw / n,  vf = Sff - Sf^2 / n,  vw = Sww - Sw^2 / n,
//   cc(x) = cross^2 / (vf vw) when the window has variance in both images, else 0, where
//   "has variance" means vf > n kFlatWindow Rf^2 and vw > n kFlatWindow Rm^2 (and both exceed
//   kRoundingFloor times Sff resp. Sww), Rf, Rm = global intensity range (max - min over all voxels)
//   of the fixed resp. moving image. So a window counts when its local standard deviation exceeds
//   sqrt(kFlatWindow) ~ 0.3% of the image's range: a scale-free test that drops the near-flat
//   windows (e.g. the faint smoothing tails around a skull-stripped brain) whose exact gradient
//   ~ 1/sqrt(vf vw) would otherwise swamp every other window.
//   value = -(1/N) sum_{valid x} cc(x).
// Gradient w.r.t. W(y) (the variance test is treated as locally constant):
//   dcc_x/dW(y) = A_x (F(y) - Sf_x/n_x) - B_x (W(y) - Sw_x/n_x),  A = 2 cross/(vf vw),
//   B = 2 cross^2/(vf vw^2)  (both 0 where cc is 0 or x is invalid), so with box sums over y's window
//   dvalue/dw(y) = -(1/N) v(y) [ f(y) box(A) - w(y) box(B) - box(C) ],  C = A Sf/n - B Sw/n.
// All sums are in double; box sums are direct window sums (box_sum.hpp). Memory: 5 doubles and a
// byte per fixed voxel (the five box-sum images, reused for A, B, C, and the valid flags).
// The same code serves w = moving(A(x)) (AffineWarp) and w = moving(A(x + u(x))) (FieldWarp); the
// per-voxel dvalue/dw goes to the affine or the field chain rule (affine_chain_rule.hpp).
#include <algorithm>
#include <vector>

#include "ops/cpu/affine_chain_rule.hpp"
#include "ops/cpu/affine_warp.hpp"
#include "ops/cpu/box_sum.hpp"
#include "ops/cpu/cpu_ops.hpp"
#include "ops/cpu/field_metric.hpp"
#include "ops/cpu/field_metric_chain_rule.hpp"
#include "ops/cpu/intensity_range.hpp"
#include "ops/cpu/slice_reduce.hpp"

namespace ffdp::cpu {
namespace {

constexpr double kFlatWindow = 1e-5;
constexpr double kRoundingFloor = 1e-10;

// Number of window positions inside [0, n) for each index along one axis.
std::vector<double> windowCounts(int64_t n, int r) {
  std::vector<double> c(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    c[size_t(i)] = double(std::min<int64_t>(n - 1, i + r) - std::max<int64_t>(0, i - r) + 1);
  return c;
}

struct LocalCorrelationTotals {
  double value = 0;  // -(1/N) sum cc
  double count = 0;  // N
};

// Value, and (when the consumer wants it) the rows of dvalue/dw up to the factor -1/N, which is
// announced to the consumer with expectScale before the rows.
template <class Warp, class Consumer>
LocalCorrelationTotals localCorrelation(const Warp& warp, const MetricInputs& in, Consumer& consumer, Comm& comm) {
  constexpr bool withGradient = Consumer::kWanted;
  const IntensityRange fr = intensityRange(in.fixed, comm), mr = intensityRange(in.moving, comm);
  const double flatF = kFlatWindow * (fr.max - fr.min) * (fr.max - fr.min);
  const double flatM = kFlatWindow * (mr.max - mr.min) * (mr.max - mr.min);
  const Grid& g = in.fixed.grid;
  const int64_t nx = g.size[0], ny = g.size[1], nz = g.size[2], plane = nx * ny;
  const int r = in.settings.radius;
  const size_t nvox = size_t(g.voxels());

  // sums[0..4] hold F, W, F^2, W^2, FW and then their box sums; [2..4] are reused for A, B, C.
  std::vector<double> sums[5];
  for (auto& s : sums) s.assign(nvox, 0.0);
  std::vector<uint8_t> valid(nvox, 0);
  std::vector<double> countPerSlice(size_t(nz), 0.0);
#pragma omp parallel
  {
    RowSamples row(nx);
#pragma omp for schedule(dynamic)
    for (int64_t k = 0; k < nz; ++k) {
      double count = 0;
      for (int64_t j = 0; j < ny; ++j) {
        warp.template sampleRow<false>(j, k, row);
        const size_t rowStart = size_t(k * plane + j * nx);
        for (int64_t n = 0; n < row.count; ++n) {
          const size_t v = rowStart + size_t(row.i[size_t(n)]);
          const double f = row.f[size_t(n)], w = row.w[size_t(n)];
          valid[v] = 1;
          sums[0][v] = f;
          sums[1][v] = w;
          sums[2][v] = f * f;
          sums[3][v] = w * w;
          sums[4][v] = f * w;
        }
        count += double(row.count);
      }
      countPerSlice[size_t(k)] = count;
    }
  }
  for (auto& s : sums) boxSumInPlace(s, g.size, r);

  // Per centre: cc for the value, and the coefficients A, B, C for the gradient.
  const std::vector<double> cx = windowCounts(nx, r), cy = windowCounts(ny, r), cz = windowCounts(nz, r);
  std::vector<double> ccPerSlice(size_t(nz), 0.0);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k) {
    double ccSum = 0;
    for (int64_t j = 0; j < ny; ++j)
      for (int64_t i = 0; i < nx; ++i) {
        const size_t n = size_t(k * plane + j * nx + i);
        double A = 0, B = 0, C = 0;
        if (valid[n]) {
          const double count = cx[size_t(i)] * cy[size_t(j)] * cz[size_t(k)];
          const double sf = sums[0][n], sw = sums[1][n], sff = sums[2][n], sww = sums[3][n], sfw = sums[4][n];
          const double cross = sfw - sf * sw / count;
          const double vf = sff - sf * sf / count, vw = sww - sw * sw / count;
          if (vf > std::max(count * flatF, kRoundingFloor * sff) &&
              vw > std::max(count * flatM, kRoundingFloor * sww)) {
            const double denom = vf * vw;
            ccSum += cross * cross / denom;
            A = 2.0 * cross / denom;
            B = 2.0 * cross * cross / (denom * vw);
            C = (A * sf - B * sw) / count;
          }
        }
        if (withGradient) {
          sums[2][n] = A;
          sums[3][n] = B;
          sums[4][n] = C;
        }
      }
    ccPerSlice[size_t(k)] = ccSum;
  }
  double totals[2] = {0, 0};  // cc sum, N (slice order)
  for (int64_t k = 0; k < nz; ++k) {
    totals[0] += ccPerSlice[size_t(k)];
    totals[1] += countPerSlice[size_t(k)];
  }
  comm.allreduceSum(totals, 2);

  LocalCorrelationTotals result;
  result.count = totals[1];
  if (result.count == 0) return result;
  const double N = totals[1];
  result.value = -totals[0] / N;
  if (!withGradient) return result;

  for (int s = 2; s < 5; ++s) boxSumInPlace(sums[s], g.size, r);
  consumer.expectScale(-1.0 / N);
#pragma omp parallel
  {
    RowSamples row(nx);
    std::vector<double> G(static_cast<size_t>(nx));
#pragma omp for schedule(dynamic)
    for (int64_t k = 0; k < nz; ++k) {
      for (int64_t j = 0; j < ny; ++j) {
        warp.template sampleRow<true>(j, k, row);
        const size_t rowStart = size_t(k * plane + j * nx);
        for (int64_t n = 0; n < row.count; ++n) {
          const size_t v = rowStart + size_t(row.i[size_t(n)]);
          G[size_t(n)] = row.f[size_t(n)] * sums[2][v] - row.w[size_t(n)] * sums[3][v] - sums[4][v];
        }
        consumer.addRow(j, k, row, G.data());
      }
    }
  }
  return result;
}

}  // namespace

AffineMetricEval localCorrelationMetric(const MetricInputs& in, bool withGradient, Comm& comm) {
  const AffineWarp warp(in.fixed, in.moving, in.fixedMask, in.movingMask, in.A, in.settings.samplingFraction);
  AffineMetricEval r;
  if (withGradient) {
    AffineChainRule chain(in.fixed.grid.size[2]);
    const LocalCorrelationTotals t = localCorrelation(warp, in, chain, comm);
    r.validVoxels = static_cast<int64_t>(t.count);
    if (r.validVoxels == 0) return r;
    r.value = t.value;
    r.gradient = chain.finish(-1.0 / t.count, in.fixed.grid, in.moving.grid, in.A, comm);
  } else {
    NoGradient none;
    const LocalCorrelationTotals t = localCorrelation(warp, in, none, comm);
    r.validVoxels = static_cast<int64_t>(t.count);
    r.value = t.value;
  }
  return r;
}

FieldMetricEval localCorrelationFieldMetric(const MetricInputs& in, const Field& u, Field* gradient, Comm& comm) {
  const FieldWarp warp(in.fixed, in.moving, in.fixedMask, in.movingMask, in.A, u, in.settings.samplingFraction);
  LocalCorrelationTotals t;
  if (gradient) {
    FieldChainRule chain(*gradient, in.fixed.grid, in.moving.grid, in.A);
    t = localCorrelation(warp, in, chain, comm);
    chain.finish(t.count > 0 ? -1.0 / t.count : 0.0);
  } else {
    NoGradient none;
    t = localCorrelation(warp, in, none, comm);
  }
  FieldMetricEval r;
  r.validVoxels = static_cast<int64_t>(t.count);
  r.value = t.value;
  return r;
}

}  // namespace ffdp::cpu
