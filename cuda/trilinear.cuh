// Trilinear sampling on the GPU with exactly the CPU reference's rules (lib/ops/cpu/trilinear.hpp):
// inside = every continuous index in [0, n-1] up to kInsideTolerance; the two bracketing voxels
// clamped to the volume; value and its exact derivative w.r.t. the continuous index; nearest
// voxel; the 8-voxel stencil for label interpolation. All arithmetic in double, as on the CPU,
// so a kernel and the reference agree to rounding of the final float.
#pragma once
#include <cstdint>

#include "core/affine.hpp"
#include "core/grid.hpp"
#include "host_device.hpp"

namespace ffdp::cuda {

constexpr double kInsideTolerance = 1e-6;  // voxels; the CPU's value

// A read-only image (or one component-interleaved volume with stride 1) in device memory.
struct ImageView {
  const float* data = nullptr;
  int64_t nx = 0, ny = 0, nz = 0;
};

// q(i, j, k) = base + i di + j dj + k dk: the continuous index in the target image of voxel
// (i, j, k) of the source grid; computed per voxel (never accumulated), as on the CPU.
struct IndexAffineView {
  double base[3], di[3], dj[3], dk[3];
  FFDP_HD void at(int64_t i, int64_t j, int64_t k, double q[3]) const {
    const double id = double(i), jd = double(j), kd = double(k);
    for (int a = 0; a < 3; ++a) q[a] = (base[a] + jd * dj[a] + kd * dk[a]) + id * di[a];
  }
};

// Same numbers as cpu::indexAffine(from, to, A).
inline IndexAffineView makeIndexAffine(const Grid& from, const Grid& to, const Affine& A) {
  const Mat3 toInv = to.indexToPhysicalMatrix().inverse();
  const Mat3 Q = toInv * A.M * from.indexToPhysicalMatrix();
  const Vec3 base = toInv * (A.apply(from.origin) - to.origin);
  IndexAffineView r;
  for (int a = 0; a < 3; ++a) {
    r.base[a] = base[a];
    r.di[a] = Q.m[a][0];
    r.dj[a] = Q.m[a][1];
    r.dk[a] = Q.m[a][2];
  }
  return r;
}

FFDP_HD inline int64_t floorToInt(double x) {
  const int64_t t = static_cast<int64_t>(x);
  return t - (x < static_cast<double>(t) ? 1 : 0);
}
FFDP_HD inline int64_t clampIndex(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

FFDP_HD inline bool insideLinear(const ImageView& im, const double q[3]) {
  return q[0] >= -kInsideTolerance && q[0] <= double(im.nx - 1) + kInsideTolerance && q[1] >= -kInsideTolerance &&
         q[1] <= double(im.ny - 1) + kInsideTolerance && q[2] >= -kInsideTolerance &&
         q[2] <= double(im.nz - 1) + kInsideTolerance;
}
// Nearest-neighbour inside test: the rounded index exists (q in [-0.5, n - 0.5) per axis).
FFDP_HD inline bool insideNearest(const ImageView& im, const double q[3]) {
  return q[0] >= -0.5 && q[0] < double(im.nx) - 0.5 && q[1] >= -0.5 && q[1] < double(im.ny) - 0.5 && q[2] >= -0.5 &&
         q[2] < double(im.nz) - 0.5;
}
FFDP_HD inline int64_t nearestLinear(const ImageView& im, const double q[3]) {
  const int64_t i = clampIndex(floorToInt(q[0] + 0.5), 0, im.nx - 1);
  const int64_t j = clampIndex(floorToInt(q[1] + 0.5), 0, im.ny - 1);
  const int64_t k = clampIndex(floorToInt(q[2] + 0.5), 0, im.nz - 1);
  return i + im.nx * (j + im.ny * k);
}

struct AxisStencil {
  int64_t lo, hi;
  double u;  // value = (1 - u) v[lo] + u v[hi]
};
FFDP_HD inline AxisStencil axisStencil(double q, int64_t n) {
  int64_t lo = clampIndex(floorToInt(q), 0, n - 2 > 0 ? n - 2 : 0);
  return {lo, lo + 1 < n - 1 ? lo + 1 : n - 1, q - double(lo)};
}

struct Corners {
  double v[8];  // v[a + 2b + 4c] at (lo+a, lo+b, lo+c)
  double ux, uy, uz;
};
FFDP_HD inline Corners corners(const ImageView& im, const double q[3]) {
  const AxisStencil sx = axisStencil(q[0], im.nx), sy = axisStencil(q[1], im.ny), sz = axisStencil(q[2], im.nz);
  const int64_t plane = im.nx * im.ny;
  const float* p00 = im.data + sx.lo + im.nx * sy.lo + plane * sz.lo;
  const float* p10 = im.data + sx.lo + im.nx * sy.hi + plane * sz.lo;
  const float* p01 = im.data + sx.lo + im.nx * sy.lo + plane * sz.hi;
  const float* p11 = im.data + sx.lo + im.nx * sy.hi + plane * sz.hi;
  const int64_t di = sx.hi - sx.lo;
  return {{p00[0], p00[di], p10[0], p10[di], p01[0], p01[di], p11[0], p11[di]}, sx.u, sy.u, sz.u};
}

FFDP_HD inline double sampleLinear(const ImageView& im, const double q[3]) {
  const Corners c = corners(im, q);
  const double x00 = c.v[0] + c.ux * (c.v[1] - c.v[0]);
  const double x10 = c.v[2] + c.ux * (c.v[3] - c.v[2]);
  const double x01 = c.v[4] + c.ux * (c.v[5] - c.v[4]);
  const double x11 = c.v[6] + c.ux * (c.v[7] - c.v[6]);
  const double y0 = x00 + c.uy * (x10 - x00);
  const double y1 = x01 + c.uy * (x11 - x01);
  return y0 + c.uz * (y1 - y0);
}

// Value and its exact derivative with respect to the continuous index q.
FFDP_HD inline double sampleLinearWithGradient(const ImageView& im, const double q[3], double dq[3]) {
  const Corners c = corners(im, q);
  const double x00 = c.v[0] + c.ux * (c.v[1] - c.v[0]);
  const double x10 = c.v[2] + c.ux * (c.v[3] - c.v[2]);
  const double x01 = c.v[4] + c.ux * (c.v[5] - c.v[4]);
  const double x11 = c.v[6] + c.ux * (c.v[7] - c.v[6]);
  const double y0 = x00 + c.uy * (x10 - x00);
  const double y1 = x01 + c.uy * (x11 - x01);
  const double d00 = c.v[1] - c.v[0], d10 = c.v[3] - c.v[2], d01 = c.v[5] - c.v[4], d11 = c.v[7] - c.v[6];
  const double dy0 = d00 + c.uy * (d10 - d00);
  const double dy1 = d01 + c.uy * (d11 - d01);
  dq[0] = dy0 + c.uz * (dy1 - dy0);
  dq[1] = (x10 - x00) + c.uz * ((x11 - x01) - (x10 - x00));
  dq[2] = y1 - y0;
  return y0 + c.uz * (y1 - y0);
}

// The 8 voxels around q with their trilinear weights (label interpolation).
FFDP_HD inline void stencil(const ImageView& im, const double q[3], int64_t linear[8], double weight[8]) {
  const AxisStencil sx = axisStencil(q[0], im.nx), sy = axisStencil(q[1], im.ny), sz = axisStencil(q[2], im.nz);
  const int64_t xs[2] = {sx.lo, sx.hi}, ys[2] = {sy.lo, sy.hi}, zs[2] = {sz.lo, sz.hi};
  const double wx[2] = {1 - sx.u, sx.u}, wy[2] = {1 - sy.u, sy.u}, wz[2] = {1 - sz.u, sz.u};
  for (int c = 0; c < 8; ++c) {
    const int a = c & 1, b = (c >> 1) & 1, d = (c >> 2) & 1;
    linear[c] = xs[a] + im.nx * (ys[b] + im.ny * zs[d]);
    weight[c] = wx[a] * wy[b] * wz[d];
  }
}

}  // namespace ffdp::cuda
