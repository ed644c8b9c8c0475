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
// All sums are in double; box sums are direct window sums (box_sum.hpp), streamed slice by slice
// through a ring of 2r+1 slices per thread. Memory: 3 doubles per fixed voxel (A, B, C) when the
// gradient is wanted, otherwise only the rings.
// The same code serves w = moving(A(x)) (AffineWarp) and w = moving(A(x + u(x))) (FieldWarp); the
// per-voxel dvalue/dw goes to the affine or the field chain rule (affine_chain_rule.hpp).
#include <omp.h>

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

// 2r+1 slices of `quantities` planes each, slice s in slot s mod (2r+1): the k-window of the slice
// being finished. Slices enter in increasing order, so the one a new slice replaces is no longer in
// any remaining window.
class SliceRing {
 public:
  SliceRing(int quantities, int radius, int64_t plane)
      : quantities_(quantities), slots_(2 * radius + 1), plane_(plane),
        data_(size_t(quantities) * size_t(slots_) * size_t(plane)), valid_(size_t(slots_) * size_t(plane)) {}
  double* plane(int64_t slice, int quantity) {
    return data_.data() + (size_t(slice % slots_) * size_t(quantities_) + size_t(quantity)) * size_t(plane_);
  }
  uint8_t* valid(int64_t slice) { return valid_.data() + size_t(slice % slots_) * size_t(plane_); }

 private:
  int quantities_;
  int64_t slots_, plane_;
  std::vector<double> data_;
  std::vector<uint8_t> valid_;
};

// out[n] = sum over the window slices of slice k (increasing order) of ring.plane(s, q)[n].
void windowSumAlongK(SliceRing& ring, int q, int64_t k, int r, int64_t nz, int64_t plane, double* out) {
  const int64_t first = windowFirst(k, r), last = windowLast(k, r, nz);
  const double* p = ring.plane(first, q);
  for (int64_t n = 0; n < plane; ++n) out[n] = p[n];
  for (int64_t s = first + 1; s <= last; ++s) {
    p = ring.plane(s, q);
    for (int64_t n = 0; n < plane; ++n) out[n] += p[n];
  }
}

// This thread's share of the output slices: a contiguous range (static, so the partition and hence
// every result is the same from run to run; the halo slices at its ends are recomputed by both
// neighbours, which costs 2r slices per thread and keeps the threads independent).
void threadSlices(int64_t nz, int64_t& k0, int64_t& k1) {
  const int64_t t = omp_get_thread_num(), threads = omp_get_num_threads();
  k0 = nz * t / threads;
  k1 = nz * (t + 1) / threads;
}

// Value, and (when the consumer wants it) the rows of dvalue/dw up to the factor -1/N, which is
// announced to the consumer with expectScale before the rows.
//
// One streaming pass per half: each thread walks its slices with a ring of 2r+1 slices whose
// i/j box sums are done as each slice enters (in cache), and sums along k as each output slice
// completes. Pass 1 samples W and keeps, per voxel, only the gradient coefficients A, B, C;
// pass 2 box-sums those the same way and re-samples W with its derivative (cheaper than storing
// it), so the volume-sized memory is 3 doubles per voxel and only when a gradient is wanted.
template <class Warp, class Consumer>
LocalCorrelationTotals localCorrelation(const Warp& warp, const MetricInputs& in, Consumer& consumer, Comm& comm) {
  constexpr bool withGradient = Consumer::kWanted;
  const IntensityRange fr = intensityRange(in.fixed, comm), mr = intensityRange(in.moving, comm);
  const double flatF = kFlatWindow * (fr.max - fr.min) * (fr.max - fr.min);
  const double flatM = kFlatWindow * (mr.max - mr.min) * (mr.max - mr.min);
  const Grid& g = in.fixed.grid;
  const int64_t nx = g.size[0], ny = g.size[1], nz = g.size[2], plane = nx * ny;
  const int r = in.settings.radius;

  // coefficients[0..2]: A, B, C per voxel (gradient only).
  std::vector<double> coefficients[3];
  if (withGradient)
    for (auto& c : coefficients) c.assign(size_t(g.voxels()), 0.0);
  std::vector<double> countPerSlice(size_t(nz), 0.0), ccPerSlice(size_t(nz), 0.0);
  const std::vector<double> cx = windowCounts(nx, r), cy = windowCounts(ny, r), cz = windowCounts(nz, r);
  double totals[2] = {0, 0};  // cc sum, N (slice order)

#pragma omp parallel
  {
    int64_t k0 = 0, k1 = 0;
    threadSlices(nz, k0, k1);
    RowSamples row(nx);
    std::vector<double> scratch, box[5];
    for (auto& b : box) b.resize(size_t(plane));

    // ---- Pass 1: F, W, F^2, W^2, FW -> box sums -> cc and A, B, C per centre.
    {
      SliceRing ring(5, r, plane);
      int64_t loaded = k0 > r ? k0 - r : 0;  // next slice to enter the ring
      for (int64_t k = k0; k < k1; ++k) {
        for (; loaded <= windowLast(k, r, nz); ++loaded) {
          const int64_t s = loaded;
          double* q[5];
          for (int a = 0; a < 5; ++a) {
            q[a] = ring.plane(s, a);
            std::fill(q[a], q[a] + plane, 0.0);
          }
          uint8_t* valid = ring.valid(s);
          std::fill(valid, valid + plane, uint8_t(0));
          double count = 0;
          for (int64_t j = 0; j < ny; ++j) {
            warp.template sampleRow<false>(j, s, row);
            const int64_t rowStart = j * nx;
            for (int64_t n = 0; n < row.count; ++n) {
              const int64_t v = rowStart + row.i[size_t(n)];
              const double f = row.f[size_t(n)], w = row.w[size_t(n)];
              valid[v] = 1;
              q[0][v] = f;
              q[1][v] = w;
              q[2][v] = f * f;
              q[3][v] = w * w;
              q[4][v] = f * w;
            }
            count += double(row.count);
          }
          if (s >= k0 && s < k1) countPerSlice[size_t(s)] = count;
          for (int a = 0; a < 5; ++a) boxSumSliceInPlace(q[a], nx, ny, r, scratch);
        }
        for (int a = 0; a < 5; ++a) windowSumAlongK(ring, a, k, r, nz, plane, box[a].data());
        const uint8_t* valid = ring.valid(k);
        double ccSum = 0;
        for (int64_t j = 0; j < ny; ++j) {
          // Branch-free per row so that the loop vectorises (one division per voxel); the row's cc
          // values are summed afterwards in index order (a vectorised sum would reorder them).
          const int64_t rowStart = j * nx;
          const double countJK = cy[size_t(j)] * cz[size_t(k)];
          double* A = box[0].data() + rowStart;  // reuses the box-sum rows after reading them
          double* B = box[1].data() + rowStart;
          double* C = box[2].data() + rowStart;
          double* cc = box[3].data() + rowStart;
          const double* Sfw = box[4].data() + rowStart;
          for (int64_t i = 0; i < nx; ++i) {
            const double count = cx[size_t(i)] * countJK;
            const double sf = A[i], sw = B[i], sff = C[i], sww = cc[i], sfw = Sfw[i];
            const double cross = sfw - sf * sw / count;
            const double vf = sff - sf * sf / count, vw = sww - sw * sw / count;
            const bool counts = valid[rowStart + i] && vf > std::max(count * flatF, kRoundingFloor * sff) &&
                                vw > std::max(count * flatM, kRoundingFloor * sww);
            const double invDenom = 1.0 / (counts ? vf * vw : 1.0);
            const double a = counts ? 2.0 * cross * invDenom : 0.0;
            const double b = counts ? 2.0 * cross * cross * invDenom / vw : 0.0;
            cc[i] = counts ? cross * cross * invDenom : 0.0;
            A[i] = a;
            B[i] = b;
            C[i] = (a * sf - b * sw) / count;
          }
          for (int64_t i = 0; i < nx; ++i) ccSum += cc[i];
          if (withGradient) {
            const size_t v = size_t(k * plane + rowStart);
            std::copy(A, A + nx, coefficients[0].data() + v);
            std::copy(B, B + nx, coefficients[1].data() + v);
            std::copy(C, C + nx, coefficients[2].data() + v);
          }
        }
        ccPerSlice[size_t(k)] = ccSum;
      }
    }

#pragma omp barrier
#pragma omp single
    {
      // slice_reduce.hpp: the slices of every rank, in whole-slice order.
      std::vector<double> perSlice(2 * ccPerSlice.size());
      for (size_t k = 0; k < ccPerSlice.size(); ++k) {
        perSlice[2 * k] = ccPerSlice[k];
        perSlice[2 * k + 1] = countPerSlice[k];
      }
      const std::vector<double> sums = sumSlicesInWholeOrder(g, comm, perSlice.data(), 2);
      totals[0] = sums[0];
      totals[1] = sums[1];
      if (withGradient && totals[1] > 0) consumer.expectScale(-1.0 / totals[1]);
    }  // implicit barrier: every thread sees the totals and all of A, B, C

    // ---- Pass 2: box sums of A, B, C -> dvalue/dw = f box(A) - w box(B) - box(C) (times -1/N).
    if (withGradient && totals[1] > 0) {
      SliceRing ring(3, r, plane);
      std::vector<double> G(static_cast<size_t>(nx));
      int64_t loaded = k0 > r ? k0 - r : 0;
      for (int64_t k = k0; k < k1; ++k) {
        for (; loaded <= windowLast(k, r, nz); ++loaded)
          for (int a = 0; a < 3; ++a) {
            double* p = ring.plane(loaded, a);
            const double* src = coefficients[a].data() + loaded * plane;
            std::copy(src, src + plane, p);
            boxSumSliceInPlace(p, nx, ny, r, scratch);
          }
        for (int a = 0; a < 3; ++a) windowSumAlongK(ring, a, k, r, nz, plane, box[a].data());
        for (int64_t j = 0; j < ny; ++j) {
          warp.template sampleRow<true>(j, k, row);
          const size_t rowStart = size_t(j * nx);
          for (int64_t n = 0; n < row.count; ++n) {
            const size_t v = rowStart + size_t(row.i[size_t(n)]);
            G[size_t(n)] = row.f[size_t(n)] * box[0][v] - row.w[size_t(n)] * box[1][v] - box[2][v];
          }
          consumer.addRow(j, k, row, G.data());
        }
      }
    }
  }

  LocalCorrelationTotals result;
  result.count = totals[1];
  if (result.count > 0) result.value = -totals[0] / totals[1];
  return result;
}

}  // namespace

AffineMetricEval localCorrelationMetric(const MetricInputs& in, bool withGradient, Comm& comm) {
  const AffineWarp warp(in.fixed, in.moving, in.fixedMask, in.movingMask, in.A, in.settings.samplingFraction);
  AffineMetricEval r;
  if (withGradient) {
    AffineChainRule chain(in.fixed.grid);
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
