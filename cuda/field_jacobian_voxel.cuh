// det(I + du/dx) at one voxel with the CPU reference's differences and rounding
// (lib/ops/cpu/field_jacobian.cpp): index-space central differences (one-sided on the outer voxels,
// zero along an axis of one voxel), mapped to physical space by du/dx = dU/dq (D diag s)^-1.
#pragma once
#include <cstdint>

#include "field_exact_math.cuh"
#include "core/host_device.hpp"

namespace ffdp::cuda {

struct JacobianDifference {
  int64_t lo, hi;
  double invStep;  // 1 / (hi - lo), 0 when the axis has one voxel
};
FFDP_HD inline JacobianDifference jacobianDifference(int64_t n, int64_t size) {
  if (size < 2) return {n, n, 0.0};
  const int64_t lo = n > 0 ? n - 1 : 0, hi = n < size - 1 ? n + 1 : size - 1;
  // hi - lo is 1 or 2, whose reciprocals are exact: chosen, not divided (a double division is a
  // long instruction sequence on the GPU).
  return {lo, hi, hi - lo == 2 ? 0.5 : 1.0};
}

// det(I + du/dx) from the samples bracketing the voxel along each axis a: lo[a] and hi[a] point at
// u's 3 floats there, invStep[a] = 1 / (hi - lo) in index units (0 along an axis of one voxel).
FFDP_HD inline float jacobianFromSamples(const float* const lo[3], const float* const hi[3], const double invStep[3],
                                         const double toIndex[3][3]) {
  double dUdq[3][3];  // dUdq[c][a] = d u_c / d q_a
  for (int a = 0; a < 3; ++a)
    for (int c = 0; c < 3; ++c) dUdq[c][a] = exact::mul(exact::sub(hi[a][c], lo[a][c]), invStep[a]);
  double F[3][3];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c)
      F[r][c] = exact::add(exact::add(exact::mul(dUdq[r][0], toIndex[0][c]), exact::mul(dUdq[r][1], toIndex[1][c])),
                           exact::mul(dUdq[r][2], toIndex[2][c]));
  for (int c = 0; c < 3; ++c) F[c][c] = exact::add(F[c][c], 1.0);
  using exact::mul;
  using exact::sub;
  const double det =
      exact::add(sub(mul(F[0][0], sub(mul(F[1][1], F[2][2]), mul(F[1][2], F[2][1]))),
                     mul(F[0][1], sub(mul(F[1][0], F[2][2]), mul(F[1][2], F[2][0])))),
                 mul(F[0][2], sub(mul(F[1][0], F[2][1]), mul(F[1][1], F[2][0]))));
  return static_cast<float>(det);
}

// `u`: 3 interleaved floats per voxel of an nx x ny x nz grid; toIndex = (D diag s)^-1.
FFDP_HD inline float jacobianAt(const float* u, int64_t nx, int64_t ny, int64_t nz, const double toIndex[3][3],
                                int64_t i, int64_t j, int64_t k) {
  const JacobianDifference d[3] = {jacobianDifference(i, nx), jacobianDifference(j, ny), jacobianDifference(k, nz)};
  const float* const lo[3] = {u + 3 * (d[0].lo + nx * (j + ny * k)), u + 3 * (i + nx * (d[1].lo + ny * k)),
                              u + 3 * (i + nx * (j + ny * d[2].lo))};
  const float* const hi[3] = {u + 3 * (d[0].hi + nx * (j + ny * k)), u + 3 * (i + nx * (d[1].hi + ny * k)),
                              u + 3 * (i + nx * (j + ny * d[2].hi))};
  const double invStep[3] = {d[0].invStep, d[1].invStep, d[2].invStep};
  return jacobianFromSamples(lo, hi, invStep, toIndex);
}

}  // namespace ffdp::cuda
