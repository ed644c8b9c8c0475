// Trilinear sampling of an image at continuous indices, and the fixed-index -> moving-index
// affine that keeps the per-voxel cost of a warp at a few multiply-adds.
//
// Conventions (ARCHITECTURE.md): p = origin + D diag(s) index. A point is inside an image when
// every continuous index lies in [0, n-1] (up to kInsideTolerance, so that points which land on
// the last voxel centre through rounding still count). The gradient returned with a value is the
// exact derivative of the trilinear interpolant with respect to the continuous index.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/affine.hpp"
#include "core/volume.hpp"

namespace ffdp::cpu {

constexpr double kInsideTolerance = 1e-6;  // voxels

// floor() as an integer without a library call (the default x86-64 target has no SSE4.1 round).
inline int64_t floorToInt(double x) {
  const int64_t t = static_cast<int64_t>(x);
  return t - (x < static_cast<double>(t) ? 1 : 0);
}

// Nearest-neighbour inside test: the rounded index exists, i.e. q in [-0.5, n - 0.5) per axis.
// Checked in double before any rounding, so far-away points never overflow an integer.
inline bool nearestInside(const Vec3& q, int64_t nx, int64_t ny, int64_t nz) {
  return q[0] >= -0.5 && q[0] < double(nx) - 0.5 && q[1] >= -0.5 && q[1] < double(ny) - 0.5 && q[2] >= -0.5 &&
         q[2] < double(nz) - 0.5;
}

// q(i, j, k) = base + i di + j dj + k dk: the continuous index in the target image of the
// voxel (i, j, k) of the source grid.
struct IndexAffine {
  Vec3 base{0, 0, 0}, di{0, 0, 0}, dj{0, 0, 0}, dk{0, 0, 0};

  // Start of row (j, k); q at voxel i is rowStart + i * di (computed per voxel, not accumulated,
  // so the result does not depend on where a loop starts).
  Vec3 rowStart(int64_t j, int64_t k) const {
    const double jd = double(j), kd = double(k);
    return {base[0] + jd * dj[0] + kd * dk[0], base[1] + jd * dj[1] + kd * dk[1], base[2] + jd * dj[2] + kd * dk[2]};
  }
  Vec3 at(const Vec3& rowStart, int64_t i) const {
    const double id = double(i);
    return {rowStart[0] + id * di[0], rowStart[1] + id * di[1], rowStart[2] + id * di[2]};
  }
};

// Maps an index of `from` to the continuous index of `to` at the physical point A(x):
// q = Pto^-1 (A(of + Pf idx) - oto), with P = D diag(s).
inline IndexAffine indexAffine(const Grid& from, const Grid& to, const Affine& A) {
  const Mat3 toInv = to.indexToPhysicalMatrix().inverse();
  const Mat3 Q = toInv * A.M * from.indexToPhysicalMatrix();
  IndexAffine r;
  r.base = toInv * (A.apply(from.origin) - to.origin);
  for (int a = 0; a < 3; ++a) {
    r.di[a] = Q[a][0];
    r.dj[a] = Q[a][1];
    r.dk[a] = Q[a][2];
  }
  return r;
}

// The two voxels along one axis that bracket q and the interpolation weight of the upper one.
// Clamped so that points on the last voxel centre (or a tolerance beyond) still use valid voxels;
// an axis with a single voxel uses it twice, which gives a zero derivative.
struct AxisStencil {
  int64_t lo, hi;
  double u;  // value = (1 - u) v[lo] + u v[hi]
};
inline AxisStencil axisStencil(double q, int64_t n) {
  int64_t lo = floorToInt(q);
  lo = std::clamp<int64_t>(lo, 0, std::max<int64_t>(n - 2, 0));
  return {lo, std::min<int64_t>(lo + 1, n - 1), q - double(lo)};
}

class TrilinearSampler {
 public:
  explicit TrilinearSampler(const Image& image)
      : data_(image.data.data()), nx_(image.grid.size[0]), ny_(image.grid.size[1]), nz_(image.grid.size[2]) {}

  bool inside(const Vec3& q) const {
    return q[0] >= -kInsideTolerance && q[0] <= double(nx_ - 1) + kInsideTolerance && q[1] >= -kInsideTolerance &&
           q[1] <= double(ny_ - 1) + kInsideTolerance && q[2] >= -kInsideTolerance &&
           q[2] <= double(nz_ - 1) + kInsideTolerance;
  }
  // Linear index of the voxel nearest to an inside point (for mask look-ups).
  int64_t nearestLinear(const Vec3& q) const {
    const int64_t i = std::clamp<int64_t>(floorToInt(q[0] + 0.5), 0, nx_ - 1);
    const int64_t j = std::clamp<int64_t>(floorToInt(q[1] + 0.5), 0, ny_ - 1);
    const int64_t k = std::clamp<int64_t>(floorToInt(q[2] + 0.5), 0, nz_ - 1);
    return i + nx_ * (j + ny_ * k);
  }

  double value(const Vec3& q) const {
    const Corners c = corners(q);
    const double x00 = c.v[0] + c.ux * (c.v[1] - c.v[0]);
    const double x10 = c.v[2] + c.ux * (c.v[3] - c.v[2]);
    const double x01 = c.v[4] + c.ux * (c.v[5] - c.v[4]);
    const double x11 = c.v[6] + c.ux * (c.v[7] - c.v[6]);
    const double y0 = x00 + c.uy * (x10 - x00);
    const double y1 = x01 + c.uy * (x11 - x01);
    return y0 + c.uz * (y1 - y0);
  }

  // Value and its exact derivative with respect to the continuous index q.
  double valueAndGradient(const Vec3& q, double dq[3]) const {
    const Corners c = corners(q);
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

  // The up-to-8 voxels around q with their trilinear weights (for label interpolation).
  void stencil(const Vec3& q, int64_t linear[8], double weight[8]) const {
    const AxisStencil sx = axisStencil(q[0], nx_), sy = axisStencil(q[1], ny_), sz = axisStencil(q[2], nz_);
    const int64_t xs[2] = {sx.lo, sx.hi}, ys[2] = {sy.lo, sy.hi}, zs[2] = {sz.lo, sz.hi};
    const double wx[2] = {1 - sx.u, sx.u}, wy[2] = {1 - sy.u, sy.u}, wz[2] = {1 - sz.u, sz.u};
    for (int c = 0; c < 8; ++c) {
      const int a = c & 1, b = (c >> 1) & 1, d = (c >> 2) & 1;
      linear[c] = xs[a] + nx_ * (ys[b] + ny_ * zs[d]);
      weight[c] = wx[a] * wy[b] * wz[d];
    }
  }

 private:
  struct Corners {
    double v[8];  // v[a + 2b + 4c] at (lo+a, lo+b, lo+c)
    double ux, uy, uz;
  };
  Corners corners(const Vec3& q) const {
    const AxisStencil sx = axisStencil(q[0], nx_), sy = axisStencil(q[1], ny_), sz = axisStencil(q[2], nz_);
    const int64_t plane = nx_ * ny_;
    const float* p00 = data_ + sx.lo + nx_ * sy.lo + plane * sz.lo;
    const float* p10 = data_ + sx.lo + nx_ * sy.hi + plane * sz.lo;
    const float* p01 = data_ + sx.lo + nx_ * sy.lo + plane * sz.hi;
    const float* p11 = data_ + sx.lo + nx_ * sy.hi + plane * sz.hi;
    const int64_t di = sx.hi - sx.lo;
    return {{p00[0], p00[di], p10[0], p10[di], p01[0], p01[di], p11[0], p11[di]}, sx.u, sy.u, sz.u};
  }

  const float* data_;
  int64_t nx_, ny_, nz_;
};

}  // namespace ffdp::cpu
