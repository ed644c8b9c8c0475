// The deformable optimiser's Adam arithmetic (field_adam.hpp).
//
// Arithmetic, per component, in float and rounded as written (contraction into fused
// multiply-adds is off in this file, as in the CUDA reference, cuda/field_adam_element.cuh):
//   gs = s g;  m <- b1 m + (1 - b1) gs;  v <- b2 v + ((1 - b2) gs) gs
//   vHat = v vScale, 0 where negative (NaN stays NaN);  d = (m mScale) / (sqrt(vHat) + eps)
// with mScale = float(1/c1), vScale = float(1/c2). The passes run row by row, so that a row of
// each field stays in the L1 cache between the element-wise loop (8 lanes) and its norms.
#pragma GCC optimize("fp-contract=off")
#include "ops/cpu/field_adam.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/field_sampling.hpp"
#include "ops/cpu/float_lanes.hpp"

namespace ffdp::cpu {
namespace {

struct AdamScales {
  float mScale, vScale, eps;
  AdamScales(double c1, double c2, double epsilon) : mScale(float(1 / c1)), vScale(float(1 / c2)), eps(float(epsilon)) {}

  template <class T>
  T direction(T m, T v) const {
    T vHat = v * vScale;
    vHat = vHat < T{} ? T{} : vHat;  // NaN fails the test and stays
    return (m * mScale) / (squareRoot(vHat) + eps);
  }
  // d for `count` floats (whole voxels) into `out`.
  void directions(const float* m, const float* v, float* out, int64_t count) const {
    int64_t f = 0;
    for (; f + 8 <= count; f += 8) store8(out + f, direction(load8(m + f), load8(v + f)));
    for (; f < count; ++f) out[f] = direction(m[f], v[f]);
  }
};

// The larger of two row maxima, NaN when either is (maxNorm's rule).
double largerOrNaN(double a, double b) { return std::isnan(a) || std::isnan(b) ? std::nan("") : std::max(a, b); }

// One z-slice's partial maxima, for finishMaxNorm.
std::vector<double> perSlice(const Grid& grid) { return std::vector<double>(size_t(grid.size[2]), 0.0); }

}  // namespace

double updateAdamMoments(Field& m, Field& v, const Field& g, double gScale, double beta1, double beta2, Comm& comm) {
  if (!m.grid.sameAs(g.grid) || !v.grid.sameAs(g.grid))
    fail(ExitCode::Internal, "adamMoments: the moments and the gradient are on different grids");
  const int64_t nx = g.grid.size[0], ny = g.grid.size[1], nz = g.grid.size[2];
  const float b1 = float(beta1), b2 = float(beta2), s = float(gScale), a1 = 1.0f - b1, a2 = 1.0f - b2;
  float* mData = reinterpret_cast<float*>(m.data.data());
  float* vData = reinterpret_cast<float*>(v.data.data());
  const float* gData = reinterpret_cast<const float*>(g.data.data());
  std::vector<double> sliceMax = perSlice(g.grid);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k) {
    double largest = 0;
    for (int64_t j = 0; j < ny; ++j) {
      const int64_t row = 3 * nx * (j + ny * k);
      float* __restrict mr = mData + row;
      float* __restrict vr = vData + row;
      const float* __restrict gr = gData + row;
      for (int64_t f = 0; f < 3 * nx; ++f) {
        const float gs = s * gr[f];
        mr[f] = b1 * mr[f] + a1 * gs;
        vr[f] = b2 * vr[f] + (a2 * gs) * gs;
      }
      largest = largerOrNaN(largest, largestSquaredNorm(v.data.data() + nx * (j + ny * k), nx));
    }
    sliceMax[size_t(k)] = largest;
  }
  return finishMaxNorm(g.grid, sliceMax, comm);
}

double largestAdamDirection(const Field& m, const Field& v, double c1, double c2, double epsilon, Comm& comm) {
  if (!m.grid.sameAs(v.grid)) fail(ExitCode::Internal, "adamDirection: the moments are on different grids");
  const int64_t nx = m.grid.size[0], ny = m.grid.size[1], nz = m.grid.size[2];
  const AdamScales scales(c1, c2, epsilon);
  const float* mData = reinterpret_cast<const float*>(m.data.data());
  const float* vData = reinterpret_cast<const float*>(v.data.data());
  std::vector<double> sliceMax = perSlice(m.grid);
#pragma omp parallel
  {
    std::vector<Vec3f> d(static_cast<size_t>(nx));  // one row of the direction
#pragma omp for schedule(static)
    for (int64_t k = 0; k < nz; ++k) {
      double largest = 0;
      for (int64_t j = 0; j < ny; ++j) {
        const int64_t row = 3 * nx * (j + ny * k);
        scales.directions(mData + row, vData + row, reinterpret_cast<float*>(d.data()), 3 * nx);
        largest = largerOrNaN(largest, largestSquaredNorm(d.data(), nx));
      }
      sliceMax[size_t(k)] = largest;
    }
  }
  return finishMaxNorm(m.grid, sliceMax, comm);
}

void composeAdamDirection(const Field& u, const Field& m, const Field& v, double c1, double c2, double epsilon,
                          double stepScale, Field& out) {
  if (!u.grid.sameAs(m.grid) || !u.grid.sameAs(v.grid))
    fail(ExitCode::Internal, "composeAdamStep: the field and the moments are on different grids");
  if (&out == &u || &out == &m || &out == &v)
    fail(ExitCode::Internal, "composeAdamStep: the output must not be one of the inputs");
  if (!out.grid.sameAs(u.grid, 0.0) || out.voxels() != u.voxels()) out = allocateField(u.grid);
  const AdamScales scales(c1, c2, epsilon);
  const float* mData = reinterpret_cast<const float*>(m.data.data());
  const float* vData = reinterpret_cast<const float*>(v.data.data());
  const Lanes4 a{float(stepScale), float(stepScale), float(stepScale), float(stepScale)};
  // The step a d(x), rounded to float as a stored direction would be, then composed.
  composeSteps(
      u,
      [=](int64_t n, bool lastInRow) {
        const float *mp = mData + 3 * n, *vp = vData + 3 * n;
        return a * (lastInRow ? scales.direction(load3(mp), load3(vp)) : scales.direction(load4(mp), load4(vp)));
      },
      reinterpret_cast<float*>(out.data.data()));
}

}  // namespace ffdp::cpu
