// Trilinear sampling on the GPU: device views over the rules that the CPU reference shares
// (lib/ops/trilinear_math.hpp: inside tests, bracketing voxels, value and derivative, nearest voxel,
// the 8-voxel stencil), so a kernel and the reference compute the same bits.
#pragma once
#include <cstdint>

#include "core/affine.hpp"
#include "core/grid.hpp"
#include "core/host_device.hpp"
#include "core/index_conversion.hpp"
#include "ops/trilinear_math.hpp"

namespace ffdp::cuda {

using trilinear::kInsideTolerance;

// A read-only image (or one component-interleaved volume with stride 1) in device memory.
struct ImageView {
  const float* data = nullptr;
  int64_t nx = 0, ny = 0, nz = 0;
};

// q(i, j, k) = base + i di + j dj + k dk: the continuous index in the target image of voxel
// (i, j, k) of the source grid; computed per voxel (never accumulated), as on the CPU, with the CPU's
// order and rounding (indexAtExact, field_sampling.cuh).
struct IndexAffineView {
  double base[3], di[3], dj[3], dk[3];
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

using trilinear::AxisStencil;
using trilinear::axisStencil;
using trilinear::clampIndex;
using trilinear::Corners;

FFDP_HD inline bool insideLinear(const ImageView& im, const double q[3]) {
  return trilinear::insideLinear(q, im.nx, im.ny, im.nz);
}
FFDP_HD inline bool insideNearest(const ImageView& im, const double q[3]) {
  return trilinear::insideNearest(q, im.nx, im.ny, im.nz);
}
FFDP_HD inline int64_t nearestLinear(const ImageView& im, const double q[3]) {
  return trilinear::nearestLinear(q, im.nx, im.ny, im.nz);
}
FFDP_HD inline Corners corners(const ImageView& im, const double q[3]) {
  return trilinear::corners(im.data, im.nx, im.ny, im.nz, q);
}
FFDP_HD inline double sampleLinear(const ImageView& im, const double q[3]) {
  return trilinear::interpolate(corners(im, q));
}
// Value and its exact derivative with respect to the continuous index q.
FFDP_HD inline double sampleLinearWithGradient(const ImageView& im, const double q[3], double dq[3]) {
  return trilinear::interpolateWithGradient(corners(im, q), dq);
}
// The 8 voxels around q with their trilinear weights (label interpolation).
FFDP_HD inline void stencil(const ImageView& im, const double q[3], int64_t linear[8], double weight[8]) {
  trilinear::stencil(im.nx, im.ny, im.nz, q, linear, weight);
}

}  // namespace ffdp::cuda
