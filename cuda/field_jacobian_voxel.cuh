// det(I + du/dx) at one voxel in float: the CPU reference (lib/ops/cpu/field_jacobian.cpp) works
// in double, with index-space central differences (one-sided on the outer voxels, zero along an axis
// of one voxel) mapped to physical space by du/dx = dU/dq (D diag s)^-1. The GPU takes the same
// differences in float, because the double version spent most of its time converting the 18 loaded
// floats and in the double pipe (Nsight Compute, 370 M voxels: 264 instructions per voxel, 33 % of
// the copy rate). The tests bound the difference (field_ops_test.cpp, field_host_math_test.cpp).
#pragma once
#include <cstdint>

#include "core/host_device.hpp"

namespace ffdp::cuda {

struct JacobianDifference {
  int64_t lo, hi;
  float invStep;  // 1 / (hi - lo): 1 or 1/2, exact; 0 when the axis has one voxel
};
FFDP_HD inline JacobianDifference jacobianDifference(int64_t n, int64_t size) {
  if (size < 2) return {n, n, 0.0f};
  const int64_t lo = n > 0 ? n - 1 : 0, hi = n < size - 1 ? n + 1 : size - 1;
  return {lo, hi, hi - lo == 2 ? 0.5f : 1.0f};
}

// det(I + G) with G[r][c] = sum_a d[r][a] S[a][c], where d[r][a] = u_r(hi_a) - u_r(lo_a) and
// S[a][c] = invStep_a toIndex[a][c] (a power-of-two scaling, so folding it into S is exact).
// Summed as 1 + (tr G + principal 2x2 minors + det G): the one rounding at the scale of 1 is the
// last add, and the small terms keep float precision relative to themselves, so a near-identity
// Jacobian is within an ulp of 1 of the double result.
FFDP_HD inline float jacobianFromDifferences(const float d[3][3], const float S[3][3]) {
  float G[3][3];
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) G[r][c] = d[r][0] * S[0][c] + d[r][1] * S[1][c] + d[r][2] * S[2][c];
  const float m12 = G[1][1] * G[2][2] - G[1][2] * G[2][1];  // minor of G[0][0]
  const float m02 = G[1][0] * G[2][2] - G[1][2] * G[2][0];  // minor of G[0][1]
  const float m01 = G[1][0] * G[2][1] - G[1][1] * G[2][0];  // minor of G[0][2]
  const float trace = G[0][0] + G[1][1] + G[2][2];
  const float minors = (G[0][0] * G[1][1] - G[0][1] * G[1][0]) + (G[0][0] * G[2][2] - G[0][2] * G[2][0]) + m12;
  const float detG = G[0][0] * m12 - G[0][1] * m02 + G[0][2] * m01;
  return 1.0f + ((trace + minors) + detG);
}

// The voxel's S: toIndex = (D diag s)^-1 as floats, row a scaled by axis a's invStep.
FFDP_HD inline void scaledToIndex(const float toIndex[3][3], const float invStep[3], float S[3][3]) {
  for (int a = 0; a < 3; ++a)
    for (int c = 0; c < 3; ++c) S[a][c] = invStep[a] * toIndex[a][c];
}

// One voxel of `u` (3 interleaved floats per voxel of an nx x ny x nz grid), for the host tests.
FFDP_HD inline float jacobianAt(const float* u, int64_t nx, int64_t ny, int64_t nz, const float toIndex[3][3],
                                int64_t i, int64_t j, int64_t k) {
  const JacobianDifference dd[3] = {jacobianDifference(i, nx), jacobianDifference(j, ny), jacobianDifference(k, nz)};
  const int64_t lo[3] = {dd[0].lo + nx * (j + ny * k), i + nx * (dd[1].lo + ny * k), i + nx * (j + ny * dd[2].lo)};
  const int64_t hi[3] = {dd[0].hi + nx * (j + ny * k), i + nx * (dd[1].hi + ny * k), i + nx * (j + ny * dd[2].hi)};
  float d[3][3];
  for (int a = 0; a < 3; ++a)
    for (int r = 0; r < 3; ++r) d[r][a] = u[3 * hi[a] + r] - u[3 * lo[a] + r];
  const float invStep[3] = {dd[0].invStep, dd[1].invStep, dd[2].invStep};
  float S[3][3];
  scaledToIndex(toIndex, invStep, S);
  return jacobianFromDifferences(d, S);
}

}  // namespace ffdp::cuda
