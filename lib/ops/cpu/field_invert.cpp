// The inverse v of x + u on u's grid: y + v(y) = x exactly when x + u(x) = y, i.e.
// v(y) = -u(y + v(y)). Solved by the fixed-point iteration v <- -u(y + v) from v = -u, which
// contracts when u's Lipschitz constant is below 1 (a diffeomorphic field).
//
// Each voxel's iteration reads only its own v (u does not change), so a sweep can overwrite v in
// place: that is exactly the Jacobi iteration, and the result does not depend on the thread
// count or on how the slices are split. The first sweep reads -u straight from u.
//
// Float arithmetic (field_sampling.hpp): v(y) = -u(...) sampled in float at the voxel plus the
// step v(y); the update's squared length is mulAdd(d2, d2, mulAdd(d1, d1, d0 d0)) in float,
// d = next - v (float_lanes.hpp). The largest update over the whole
// field (per-slice maxima over the owned slices, then across ranks) stops the iteration; NaN updates are skipped, so a
// corrupt voxel cannot keep the others iterating. The inversion tests bound the residual
// |u(y + v) + v| at 1e-3 mm for a 1e-5 mm tolerance.
//
// Where the sweeps do not contract (strong local expansion), the voxels whose residual is still
// above the tolerance are then solved one by one by Newton's method (ops/field_inverse_newton.hpp,
// in double, shared with the CUDA kernels); each voxel reads only u, so this too is thread-free.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/field_sampling.hpp"
#include "ops/cpu/slice_reduce.hpp"
#include "ops/field_inverse_newton.hpp"

namespace ffdp::cpu {
namespace {

// One sweep v <- -u(y + v) over every voxel (v read from `from`: u, negated, on the first sweep,
// v itself later); returns the largest squared update over the owned slices (slice_reduce.hpp).
// Halo slices of a slab are swept too (they are overwritten later) but do not steer the stopping.
float sweep(const Field& u, const float* from, bool fromIsU, float* v) {
  const FieldStepSampler sampleUShared(u);
  const int64_t nx = u.grid.size[0], ny = u.grid.size[1], nz = u.grid.size[2];
  std::vector<float> sliceLargest(size_t(nz), 0.0f);
  const Lanes4 sign = fromIsU ? Lanes4{-1.0f, -1.0f, -1.0f, 0.0f} : Lanes4{1.0f, 1.0f, 1.0f, 0.0f};
#pragma omp parallel
  {
    const FieldStepSampler sampleU = sampleUShared;  // a per-thread copy stays in registers
#pragma omp for schedule(static)
    for (int64_t k = 0; k < nz; ++k) {
      float largest = 0.0f;
      for (int64_t j = 0; j < ny; ++j) {
        const int64_t row = nx * (j + ny * k);
        const float* fromRow = from + 3 * row;
        float* vRow = v + 3 * row;
        auto current = [&](int64_t i, bool lastInRow) {
          return sign * (lastInRow ? load3(fromRow + 3 * i) : load4(fromRow + 3 * i));
        };
        auto update = [&](int64_t i, Lanes4 vy, Lanes4 sampled) {
          const Lanes4 next = -sampled;
          store3(vRow + 3 * i, next);
          const Lanes4 d = next - vy;
          const float change = mulAdd(d[2], d[2], mulAdd(d[1], d[1], d[0] * d[0]));
          largest = change > largest ? change : largest;  // NaN is skipped
        };
        sampleU.row(j, k, current, update);
      }
      sliceLargest[size_t(k)] = largest;
    }
  }
  const auto first = sliceLargest.begin() + u.grid.ownedBegin(), last = sliceLargest.begin() + u.grid.ownedEnd();
  return first < last ? *std::max_element(first, last) : 0.0f;
}

}  // namespace

void polishInverse(const Field& u, double tolerance, Field& v) {
  if (!(tolerance > 0)) return;
  const Mat3 P = u.grid.indexToPhysicalMatrix().inverse();
  double toIndex[3][3];
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) toIndex[a][b] = P.m[a][b];
  const float* uData = reinterpret_cast<const float*>(u.data.data());
  const int64_t nx = u.grid.size[0], ny = u.grid.size[1], nz = u.grid.size[2];
#pragma omp parallel for schedule(dynamic)
  for (int64_t k = 0; k < nz; ++k)
    for (int64_t j = 0; j < ny; ++j)
      for (int64_t i = 0; i < nx; ++i) {
        Vec3f& vy = v.data[size_t(i + nx * (j + ny * k))];
        double d[3] = {vy[0], vy[1], vy[2]};
        if (!std::isfinite(d[0] + d[1] + d[2])) continue;
        trilinear::newtonInverseAtVoxel(uData, nx, ny, nz, i, j, k, toIndex, trilinear::kInverseNewtonSteps, tolerance, d);
        vy = {float(d[0]), float(d[1]), float(d[2])};
      }
}

Field invertField(const Field& u, int iterations, double tolerance, Comm& comm) {
  Field v = invertFieldSweeps(u, iterations, tolerance, comm);
  if (iterations > 0) polishInverse(u, tolerance, v);
  return v;
}

Field invertFieldSweeps(const Field& u, int iterations, double tolerance, Comm& comm) {
  if (u.voxels() == 0) fail(ExitCode::Internal, "invertField: the field is empty");
  Field v = allocateField(u.grid);
  float* vData = reinterpret_cast<float*>(v.data.data());
  const float* uData = reinterpret_cast<const float*>(u.data.data());
  if (iterations <= 0) {
    for (size_t n = 0; n < 3 * u.data.size(); ++n) vData[n] = -uData[n];
    return v;
  }
  for (int it = 0; it < iterations; ++it) {
    double largest = std::sqrt(double(sweep(u, it == 0 ? uData : vData, it == 0, vData)));
    acrossRanksMax(u.grid, comm, &largest, 1);
    if (largest < tolerance) break;
  }
  return v;
}

}  // namespace ffdp::cpu
