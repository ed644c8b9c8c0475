#include "ops/cpu/field_adam_step.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "ops/cpu/field_sampling.hpp"

namespace ffdp::cpu {
namespace {

// The Adam direction of one voxel (float arithmetic, as the unfused direction was computed).
struct AdamDirection {
  float mScale, vScale, eps;
  void at(const Vec3f& m, const Vec3f& v, float d[3]) const {
    for (int c = 0; c < 3; ++c) {
      const float vHat = std::max(v[c] * vScale, 0.0f);
      d[c] = m[c] * mScale / (std::sqrt(vHat) + eps);
    }
  }
};

// Largest squared norm per slice (NaN if any voxel is NaN), then the root of the largest, reduced
// across ranks: the same rule as maxNorm (field_reduce.cpp).
double finishMax(const std::vector<double>& sliceMaxSquared, Comm& comm) {
  double result = 0;
  for (const double s : sliceMaxSquared)
    if (s > result || std::isnan(s)) result = s;
  result = std::sqrt(result);
  comm.allreduceMax(&result, 1);
  return result;
}

double squaredOrNaN(double x, double y, double z, double largest, bool& sawNaN) {
  const double s = x * x + y * y + z * z;
  sawNaN |= s != s;
  return s > largest ? s : largest;
}

}  // namespace

double adamMomentsMax(Field& m, Field& v, const Field& g, double gScale, double beta1, double beta2, Comm& comm) {
  if (!m.grid.sameAs(g.grid) || !v.grid.sameAs(g.grid))
    fail(ExitCode::Internal, "adamMoments: the moments and the gradient are on different grids");
  const int64_t nz = g.grid.size[2], plane = g.grid.size[0] * g.grid.size[1];
  const float b1 = float(beta1), b2 = float(beta2), s = float(gScale);
  std::vector<double> sliceMax(size_t(nz), 0.0);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k) {
    Vec3f* mp = m.data.data() + k * plane;
    Vec3f* vp = v.data.data() + k * plane;
    const Vec3f* gp = g.data.data() + k * plane;
    double largest = 0;
    bool sawNaN = false;
    for (int64_t n = 0; n < plane; ++n) {
      for (int c = 0; c < 3; ++c) {
        const float gc = s * gp[n][c];
        mp[n][c] = b1 * mp[n][c] + (1 - b1) * gc;
        vp[n][c] = b2 * vp[n][c] + (1 - b2) * gc * gc;
      }
      largest = squaredOrNaN(vp[n][0], vp[n][1], vp[n][2], largest, sawNaN);
    }
    sliceMax[size_t(k)] = sawNaN ? std::numeric_limits<double>::quiet_NaN() : largest;
  }
  return finishMax(sliceMax, comm);
}

double adamDirectionMaxNorm(const Field& m, const Field& v, double c1, double c2, double epsilon, Comm& comm) {
  if (!m.grid.sameAs(v.grid)) fail(ExitCode::Internal, "adamDirection: the moments are on different grids");
  const int64_t nz = m.grid.size[2], plane = m.grid.size[0] * m.grid.size[1];
  const AdamDirection dir{float(1 / c1), float(1 / c2), float(epsilon)};
  std::vector<double> sliceMax(size_t(nz), 0.0);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k) {
    const Vec3f* mp = m.data.data() + k * plane;
    const Vec3f* vp = v.data.data() + k * plane;
    double largest = 0;
    bool sawNaN = false;
    for (int64_t n = 0; n < plane; ++n) {
      float d[3];
      dir.at(mp[n], vp[n], d);
      largest = squaredOrNaN(d[0], d[1], d[2], largest, sawNaN);
    }
    sliceMax[size_t(k)] = sawNaN ? std::numeric_limits<double>::quiet_NaN() : largest;
  }
  return finishMax(sliceMax, comm);
}

void composeAdamStep(const Field& u, const Field& m, const Field& v, double c1, double c2, double epsilon,
                     double stepScale, Field& out) {
  if (!u.grid.sameAs(m.grid) || !u.grid.sameAs(v.grid))
    fail(ExitCode::Internal, "composeAdamStep: the field and the moments are on different grids");
  if (&out == &u) fail(ExitCode::Internal, "composeAdamStep: the output must not be the input field");
  if (!out.grid.sameAs(u.grid, 0.0) || out.voxels() != u.voxels()) out = Field(u.grid);
  const AdamDirection dir{float(1 / c1), float(1 / c2), float(epsilon)};
  const float s = float(stepScale);
  const Mat3 toIndex = u.grid.indexToPhysicalMatrix().inverse();
  const FieldSampler sampleU(u);
  const int64_t nx = u.grid.size[0], ny = u.grid.size[1], nz = u.grid.size[2];
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k)
    for (int64_t j = 0; j < ny; ++j) {
      const int64_t row = u.grid.linear(0, j, k);
      for (int64_t i = 0; i < nx; ++i) {
        float d[3];
        dir.at(m.data[size_t(row + i)], v.data[size_t(row + i)], d);
        // The step is rounded to float first, as the unfused version stored it.
        const Vec3 g = {double(s * d[0]), double(s * d[1]), double(s * d[2])};
        const Vec3 step = toIndex * g;
        const Vec3 ug = sampleU.value({double(i) + step[0], double(j) + step[1], double(k) + step[2]});
        out.data[size_t(row + i)] = toVec3f(g + ug);
      }
    }
}

}  // namespace ffdp::cpu
