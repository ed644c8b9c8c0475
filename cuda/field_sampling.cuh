// Per-voxel helpers shared by the field kernels, written once for the device and the host tests:
// the voxel (i, j, k) of a linear index, the index affine evaluated with the CPU's rounding, and
// trilinear sampling of a displacement field with edge clamping (lib/ops/cpu/field_sampling.hpp:
// beyond the outer voxel centres the field takes its edge value, so it is defined everywhere).
#pragma once
#include <cstdint>

#include "field_exact_math.cuh"
#include "core/host_device.hpp"
#include "trilinear.cuh"

namespace ffdp::cuda {

// A displacement field in device memory: 3 interleaved floats (x, y, z mm) per voxel, i fastest.
struct FieldView {
  const float* data = nullptr;
  int64_t nx = 0, ny = 0, nz = 0;
};

struct VoxelIndex {
  int64_t i, j, k;
};
// 64-bit division costs several times a 32-bit one and dominates the light kernels, so indices
// below 2^32 (volumes up to 4.29 G voxels) take the 32-bit path.
FFDP_HD inline VoxelIndex voxelOf(int64_t n, int64_t nx, int64_t ny) {
  if (n < (int64_t(1) << 32)) {
    const uint32_t n32 = uint32_t(n), nx32 = uint32_t(nx), ny32 = uint32_t(ny);
    const uint32_t row = n32 / nx32, k = row / ny32;
    return {int64_t(n32 - row * nx32), int64_t(row - k * ny32), int64_t(k)};
  }
  const int64_t row = n / nx;
  return {n - row * nx, row % ny, row / ny};
}

// IndexAffineView::at with the CPU's order and rounding: (base + j dj + k dk) + i di.
FFDP_HD inline void indexAtExact(const IndexAffineView& m, int64_t i, int64_t j, int64_t k, double q[3]) {
  const double id = double(i), jd = double(j), kd = double(k);
  for (int a = 0; a < 3; ++a)
    q[a] = exact::add(exact::add(exact::add(m.base[a], exact::mul(jd, m.dj[a])), exact::mul(kd, m.dk[a])),
                      exact::mul(id, m.di[a]));
}

// Clamps a continuous index to [0, hi]; NaN goes to 0 (a corrupt field never indexes outside).
FFDP_HD inline double clampContinuous(double q, double hi) { return q >= 0 ? (q <= hi ? q : hi) : 0.0; }

// The field at continuous index q, edge clamped, trilinear in double (FieldSampler::value).
FFDP_HD inline void sampleFieldClamped(const FieldView& f, const double q[3], double r[3]) {
  const AxisStencil sx = axisStencil(clampContinuous(q[0], double(f.nx - 1)), f.nx);
  const AxisStencil sy = axisStencil(clampContinuous(q[1], double(f.ny - 1)), f.ny);
  const AxisStencil sz = axisStencil(clampContinuous(q[2], double(f.nz - 1)), f.nz);
  const int64_t plane = f.nx * f.ny, di = 3 * (sx.hi - sx.lo);
  const float* p00 = f.data + 3 * (sx.lo + f.nx * sy.lo + plane * sz.lo);
  const float* p10 = f.data + 3 * (sx.lo + f.nx * sy.hi + plane * sz.lo);
  const float* p01 = f.data + 3 * (sx.lo + f.nx * sy.lo + plane * sz.hi);
  const float* p11 = f.data + 3 * (sx.lo + f.nx * sy.hi + plane * sz.hi);
  for (int c = 0; c < 3; ++c) {
    const double x00 = exact::lerp(p00[c], p00[di + c], sx.u), x10 = exact::lerp(p10[c], p10[di + c], sx.u);
    const double x01 = exact::lerp(p01[c], p01[di + c], sx.u), x11 = exact::lerp(p11[c], p11[di + c], sx.u);
    r[c] = exact::lerp(exact::lerp(x00, x10, sy.u), exact::lerp(x01, x11, sy.u), sz.u);
  }
}

// The continuous index of the physical point x + d, x being voxel (i, j, k) of the field's own
// grid: (i, j, k) + (D diag s)^-1 d, as composeFields and invertField compute it.
FFDP_HD inline void displacedIndex(const double toIndex[3][3], int64_t i, int64_t j, int64_t k, const double d[3],
                                   double q[3]) {
  double step[3];
  exact::matVec(toIndex, d, step);
  q[0] = exact::add(double(i), step[0]);
  q[1] = exact::add(double(j), step[1]);
  q[2] = exact::add(double(k), step[2]);
}

// A Mat3 as plain numbers for a kernel argument.
struct Matrix3 {
  double m[3][3];
};

}  // namespace ffdp::cuda
