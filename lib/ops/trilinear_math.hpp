// The trilinear sampling rules, written once for the CPU backend (ops/cpu/trilinear.hpp) and the
// CUDA kernels (cuda/trilinear.cuh), which must agree to the bit:
//   inside (linear)   every continuous index in [0, n-1], up to kInsideTolerance, so that points on
//                     the last voxel centre through rounding still count;
//   inside (nearest)  the rounded index exists: q in [-0.5, n - 0.5) per axis;
//   the two voxels bracketing q per axis, clamped to the volume (an axis of one voxel uses it twice,
//   which gives a zero derivative); value and its exact derivative w.r.t. the continuous index.
// All arithmetic in double. Inputs: a float volume of nx*ny*nz values, i fastest.
#pragma once
#include <cstdint>

#include "core/host_device.hpp"
#include "core/index_conversion.hpp"

namespace ffdp::trilinear {

constexpr double kInsideTolerance = 1e-6;  // voxels

FFDP_HD inline int64_t clampIndex(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

FFDP_HD inline bool insideLinear(const double q[3], int64_t nx, int64_t ny, int64_t nz) {
  return q[0] >= -kInsideTolerance && q[0] <= indexToDouble(nx - 1) + kInsideTolerance &&
         q[1] >= -kInsideTolerance && q[1] <= indexToDouble(ny - 1) + kInsideTolerance &&
         q[2] >= -kInsideTolerance && q[2] <= indexToDouble(nz - 1) + kInsideTolerance;
}
// Checked in double before any rounding, so far-away points never overflow an integer.
FFDP_HD inline bool insideNearest(const double q[3], int64_t nx, int64_t ny, int64_t nz) {
  return q[0] >= -0.5 && q[0] < indexToDouble(nx) - 0.5 && q[1] >= -0.5 && q[1] < indexToDouble(ny) - 0.5 &&
         q[2] >= -0.5 && q[2] < indexToDouble(nz) - 0.5;
}
// Linear index of the voxel nearest to an inside point.
FFDP_HD inline int64_t nearestLinear(const double q[3], int64_t nx, int64_t ny, int64_t nz) {
  const int64_t i = clampIndex(floorIndex(q[0] + 0.5), 0, nx - 1);
  const int64_t j = clampIndex(floorIndex(q[1] + 0.5), 0, ny - 1);
  const int64_t k = clampIndex(floorIndex(q[2] + 0.5), 0, nz - 1);
  return i + nx * (j + ny * k);
}

struct AxisStencil {
  int64_t lo, hi;
  double u;  // value = (1 - u) v[lo] + u v[hi]
};
// q must be finite with |q| < 2^51: every caller has tested it inside the volume or clamped it
// (floorIndex, core/index_conversion.hpp).
FFDP_HD inline AxisStencil axisStencil(double q, int64_t n) {
  const int64_t lo = clampIndex(floorIndex(q), 0, n - 2 > 0 ? n - 2 : 0);
  return {lo, lo + 1 < n - 1 ? lo + 1 : n - 1, q - indexToDouble(lo)};
}

struct Corners {
  double v[8];  // v[a + 2b + 4c] at (lo+a, lo+b, lo+c)
  double ux, uy, uz;
};
FFDP_HD inline Corners corners(const float* data, int64_t nx, int64_t ny, int64_t nz, const double q[3]) {
  const AxisStencil sx = axisStencil(q[0], nx), sy = axisStencil(q[1], ny), sz = axisStencil(q[2], nz);
  const int64_t plane = nx * ny;
  const float* p00 = data + sx.lo + nx * sy.lo + plane * sz.lo;
  const float* p10 = data + sx.lo + nx * sy.hi + plane * sz.lo;
  const float* p01 = data + sx.lo + nx * sy.lo + plane * sz.hi;
  const float* p11 = data + sx.lo + nx * sy.hi + plane * sz.hi;
  const int64_t di = sx.hi - sx.lo;
  return {{p00[0], p00[di], p10[0], p10[di], p01[0], p01[di], p11[0], p11[di]}, sx.u, sy.u, sz.u};
}

FFDP_HD inline double interpolate(const Corners& c) {
  const double x00 = c.v[0] + c.ux * (c.v[1] - c.v[0]);
  const double x10 = c.v[2] + c.ux * (c.v[3] - c.v[2]);
  const double x01 = c.v[4] + c.ux * (c.v[5] - c.v[4]);
  const double x11 = c.v[6] + c.ux * (c.v[7] - c.v[6]);
  const double y0 = x00 + c.uy * (x10 - x00);
  const double y1 = x01 + c.uy * (x11 - x01);
  return y0 + c.uz * (y1 - y0);
}

// The value and its exact derivative with respect to the continuous index.
FFDP_HD inline double interpolateWithGradient(const Corners& c, double dq[3]) {
  const double x00 = c.v[0] + c.ux * (c.v[1] - c.v[0]);
  const double x10 = c.v[2] + c.ux * (c.v[3] - c.v[2]);
  const double x01 = c.v[4] + c.ux * (c.v[5] - c.v[4]);
  const double x11 = c.v[6] + c.ux * (c.v[7] - c.v[6]);
  const double y0 = x00 + c.uy * (x10 - x00);
  const double y1 = x01 + c.uy * (x11 - x01);
  // d/dux: the i-differences interpolated along j and k.
  const double d00 = c.v[1] - c.v[0], d10 = c.v[3] - c.v[2], d01 = c.v[5] - c.v[4], d11 = c.v[7] - c.v[6];
  const double dy0 = d00 + c.uy * (d10 - d00);
  const double dy1 = d01 + c.uy * (d11 - d01);
  dq[0] = dy0 + c.uz * (dy1 - dy0);
  dq[1] = (x10 - x00) + c.uz * ((x11 - x01) - (x10 - x00));
  dq[2] = y1 - y0;
  return y0 + c.uz * (y1 - y0);
}

// The up-to-8 voxels around q with their trilinear weights (label interpolation).
FFDP_HD inline void stencil(int64_t nx, int64_t ny, int64_t nz, const double q[3], int64_t linear[8], double weight[8]) {
  const AxisStencil sx = axisStencil(q[0], nx), sy = axisStencil(q[1], ny), sz = axisStencil(q[2], nz);
  const int64_t xs[2] = {sx.lo, sx.hi}, ys[2] = {sy.lo, sy.hi}, zs[2] = {sz.lo, sz.hi};
  const double wx[2] = {1 - sx.u, sx.u}, wy[2] = {1 - sy.u, sy.u}, wz[2] = {1 - sz.u, sz.u};
  for (int c = 0; c < 8; ++c) {
    const int a = c & 1, b = (c >> 1) & 1, d = (c >> 2) & 1;
    linear[c] = xs[a] + nx * (ys[b] + ny * zs[d]);
    weight[c] = wx[a] * wy[b] * wz[d];
  }
}

}  // namespace ffdp::trilinear
