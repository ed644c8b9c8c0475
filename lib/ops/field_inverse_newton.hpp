// Per-voxel Newton solve for the inverse of x + u, shared by the CPU backend and the CUDA kernels
// (FFDP_HD): at voxel y, find d with d + u(y + d) = 0, so that y + d = x solves x + u(x) = y.
//
// Why: invertField's fixed-point sweeps v <- -u(y + v) contract only where u's local Lipschitz
// constant is below 1; where a registration expands tissue strongly (Jacobian determinants of 10
// and more on real brains) they stall or oscillate, leaving residuals of voxels. Newton's method
// converges wherever I + du/dx is invertible, which a fold-free warp guarantees. It runs only on
// the voxels whose residual after the sweeps is above the tolerance (a few per cent on brains).
//
// u: 3 interleaved floats per voxel (LPS mm), sampled trilinearly with the edge value beyond the
// outer voxel centres (its derivative along a clamped axis is 0), as every field op samples it.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/host_device.hpp"
#include "ops/trilinear_math.hpp"

namespace ffdp::trilinear {

// Newton steps per voxel (each converges quadratically near the solution; 20 is ample).
constexpr int kInverseNewtonSteps = 20;

// u at continuous index q (clamped to the grid; NaN -> 0) and dU/dq (row = component).
FFDP_HD inline void sampleFieldWithGradient(const float* u, int64_t nx, int64_t ny, int64_t nz, const double q[3],
                                            double value[3], double dq[3][3]) {
  const int64_t n[3] = {nx, ny, nz};
  double qc[3];
  bool clamped[3];
  for (int a = 0; a < 3; ++a) {
    const double hi = double(n[a] - 1);
    qc[a] = q[a] >= 0 ? (q[a] <= hi ? q[a] : hi) : 0.0;
    clamped[a] = !(q[a] > 0 && q[a] < hi);  // at or beyond an outer centre (or NaN): constant outside
  }
  const AxisStencil sx = axisStencil(qc[0], nx), sy = axisStencil(qc[1], ny), sz = axisStencil(qc[2], nz);
  const int64_t plane = nx * ny;
  const int64_t base[4] = {sy.lo * nx + sz.lo * plane, sy.hi * nx + sz.lo * plane, sy.lo * nx + sz.hi * plane,
                           sy.hi * nx + sz.hi * plane};
  for (int c = 0; c < 3; ++c) {
    Corners k;
    for (int r = 0; r < 4; ++r) {
      k.v[2 * r] = u[3 * (base[r] + sx.lo) + c];
      k.v[2 * r + 1] = u[3 * (base[r] + sx.hi) + c];
    }
    k.ux = sx.u;
    k.uy = sy.u;
    k.uz = sz.u;
    value[c] = interpolateWithGradient(k, dq[c]);
    for (int a = 0; a < 3; ++a)
      if (clamped[a]) dq[c][a] = 0.0;
  }
}

// Solves d + u(y + d) = 0 at voxel (i, j, k) from the guess in d (mm), with toIndex = (D diag s)^-1.
// At most `maxSteps` Newton steps, each halved (up to 8 times) while it does not reduce the residual;
// stops once |d + u(y + d)| <= tolerance (mm). Returns the final residual.
FFDP_HD inline double newtonInverseAtVoxel(const float* u, int64_t nx, int64_t ny, int64_t nz, int64_t i, int64_t j,
                                           int64_t k, const double toIndex[3][3], int maxSteps, double tolerance,
                                           double d[3]) {
  const double y[3] = {double(i), double(j), double(k)};
  auto residual = [&](const double dd[3], double F[3], double dq[3][3]) {
    double q[3], U[3];
    for (int a = 0; a < 3; ++a) q[a] = y[a] + toIndex[a][0] * dd[0] + toIndex[a][1] * dd[1] + toIndex[a][2] * dd[2];
    sampleFieldWithGradient(u, nx, ny, nz, q, U, dq);
    for (int c = 0; c < 3; ++c) F[c] = dd[c] + U[c];
    return sqrt(F[0] * F[0] + F[1] * F[1] + F[2] * F[2]);
  };
  double F[3], G[3][3];
  double r = residual(d, F, G);
  for (int step = 0; step < maxSteps && r > tolerance; ++step) {
    // J = I + dU/dq toIndex; solve J delta = F by the adjugate.
    double J[3][3];
    for (int c = 0; c < 3; ++c)
      for (int b = 0; b < 3; ++b)
        J[c][b] = (c == b ? 1.0 : 0.0) + G[c][0] * toIndex[0][b] + G[c][1] * toIndex[1][b] + G[c][2] * toIndex[2][b];
    const double a00 = J[1][1] * J[2][2] - J[1][2] * J[2][1], a01 = J[0][2] * J[2][1] - J[0][1] * J[2][2],
                 a02 = J[0][1] * J[1][2] - J[0][2] * J[1][1];
    const double a10 = J[1][2] * J[2][0] - J[1][0] * J[2][2], a11 = J[0][0] * J[2][2] - J[0][2] * J[2][0],
                 a12 = J[0][2] * J[1][0] - J[0][0] * J[1][2];
    const double a20 = J[1][0] * J[2][1] - J[1][1] * J[2][0], a21 = J[0][1] * J[2][0] - J[0][0] * J[2][1],
                 a22 = J[0][0] * J[1][1] - J[0][1] * J[1][0];
    const double det = J[0][0] * a00 + J[0][1] * a10 + J[0][2] * a20;
    if (!(fabs(det) > 1e-12)) break;  // folded or degenerate: leave the sweeps' answer
    const double delta[3] = {(a00 * F[0] + a01 * F[1] + a02 * F[2]) / det,
                             (a10 * F[0] + a11 * F[1] + a12 * F[2]) / det,
                             (a20 * F[0] + a21 * F[1] + a22 * F[2]) / det};
    double t = 1.0, trial[3], Ft[3], Gt[3][3], rt = r;
    for (int halving = 0; halving <= 8; ++halving, t *= 0.5) {
      for (int c = 0; c < 3; ++c) trial[c] = d[c] - t * delta[c];
      rt = residual(trial, Ft, Gt);
      if (rt < r) break;
    }
    if (!(rt < r)) break;  // no step reduced the residual: stop where we are
    for (int c = 0; c < 3; ++c) {
      d[c] = trial[c];
      F[c] = Ft[c];
      for (int b = 0; b < 3; ++b) G[c][b] = Gt[c][b];
    }
    r = rt;
  }
  return r;
}

}  // namespace ffdp::trilinear
