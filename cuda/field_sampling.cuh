// Per-voxel helpers shared by the field kernels, written once for the device and the host tests:
// the voxel (i, j, k) of a linear index, the index affine evaluated with the CPU's rounding, and
// trilinear sampling of a displacement field with edge clamping (lib/ops/cpu/field_sampling.hpp:
// beyond the outer voxel centres the field takes its edge value, so it is defined everywhere).
#pragma once
#include <cmath>
#include <cstdint>

#include "field_exact_math.cuh"
#include "core/host_device.hpp"
#include "core/index_conversion.hpp"
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

// The (j, k) of row j + ny k of voxels along i, with voxelOf's 32-bit path.
struct RowIndex {
  int64_t j, k;
};
FFDP_HD inline RowIndex rowOf(int64_t row, int64_t ny) {
  if (row < (int64_t(1) << 32)) {
    const uint32_t r = uint32_t(row), ny32 = uint32_t(ny), k = r / ny32;
    return {int64_t(r - k * ny32), int64_t(k)};
  }
  return {row % ny, row / ny};
}

// The index affine (IndexAffineView) with the CPU's order and rounding: (base + j dj + k dk) + i di, in
// two steps so that a kernel working along rows takes the row's part once (the same bits either way).
FFDP_HD inline void indexRowExact(const IndexAffineView& m, int64_t j, int64_t k, double row[3]) {
  const double jd = indexToDouble(j), kd = indexToDouble(k);
  for (int a = 0; a < 3; ++a) row[a] = exact::add(exact::add(m.base[a], exact::mul(jd, m.dj[a])), exact::mul(kd, m.dk[a]));
}
FFDP_HD inline void indexAlongRowExact(const IndexAffineView& m, const double row[3], int64_t i, double q[3]) {
  const double id = indexToDouble(i);
  for (int a = 0; a < 3; ++a) q[a] = exact::add(row[a], exact::mul(id, m.di[a]));
}
FFDP_HD inline void indexAtExact(const IndexAffineView& m, int64_t i, int64_t j, int64_t k, double q[3]) {
  double row[3];
  indexRowExact(m, j, k, row);
  indexAlongRowExact(m, row, i, q);
}

// Clamps a continuous index to [0, hi]; NaN goes to 0 (a corrupt field never indexes outside).
FFDP_HD inline double clampContinuous(double q, double hi) { return q >= 0 ? (q <= hi ? q : hi) : 0.0; }

// A Mat3 as plain numbers for a kernel argument.
struct Matrix3 {
  double m[3][3];
};

// ---- Float sampling relative to the voxel (lib/ops/cpu/field_sampling.hpp, FieldStepSampler) ----
// Composition's fast path, with the CPU's float arithmetic operation for operation, so the GPU and
// the CPU give the same bits: the step s (mm) becomes an index step q = M s in float, clamped per
// axis so that the voxel plus q stays inside [0, n - 1]; the lower corner is the voxel plus
// floor(q) and the weight q - floor(q), both exact in float, so the step keeps float precision
// however far the voxel is from the origin.

// a b + c with one rounding (the CPU's mulAdd, compiled with FMA).
FFDP_HD inline float fusedMulAdd(float a, float b, float c) {
#ifdef __CUDA_ARCH__
  return __fmaf_rn(a, b, c);
#else
  return std::fma(a, b, c);
#endif
}

// M rounded to float, row by row (IndexStep's columns).
struct FloatMatrix3 {
  float m[3][3];
};
inline FloatMatrix3 floatMatrix(const double m[3][3]) {
  FloatMatrix3 f;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) f.m[a][b] = float(m[a][b]);
  return f;
}

// q_r = M[r][2] s2 + (M[r][1] s1 + M[r][0] s0), each + fused (IndexStep::operator()).
FFDP_HD inline void indexStepFloat(const FloatMatrix3& M, const float s[3], float q[3]) {
  for (int r = 0; r < 3; ++r)
    q[r] = fusedMulAdd(M.m[r][2], s[2], fusedMulAdd(M.m[r][1], s[1], exact::mulf(M.m[r][0], s[0])));
}

// One axis of FieldStepSampler::at: the clamped step from position `p` of a line of `n` samples,
// its lower sample's offset from p (floor) and weight, and whether an upper neighbour exists.
struct FloatAxis {
  int64_t lo;   // the lower sample's position
  bool hasHi;   // false at the last sample: the upper corner is the lower one
  float w;
};
// The step q from `position` clamped to [below, above] = [-position, last - position], so that
// position + q stays in [0, last]; NaN fails the first test and clamps too.
FFDP_HD inline float clampStep(float q, float below, float above) {
  const float raised = q > below ? q : below;
  return raised < above ? raised : above;
}
FFDP_HD inline FloatAxis floatAxis(float q, int64_t p, int64_t n) {
  const float position = float(p);
  const float c = clampStep(q, -position, exact::subf(float(n - 1), position));
  const float f = floorf(c);
  const int64_t lo = p + int64_t(f);
  return {lo, lo < n - 1, exact::subf(c, f)};
}

// lerp(a, b, w) = w (b - a) + a, fused (FieldStepSampler::lerp).
FFDP_HD inline float lerpFloat(float a, float b, float w) { return fusedMulAdd(w, exact::subf(b, a), a); }

// The 8 corners at p, p + di, p + dj, ... blended along i, then j, then k, per component.
template <class Offset>
FFDP_HD inline void blendStepCorners(const float* p, Offset di, Offset dj, Offset dk, float wx, float wy, float wz,
                                     float r[3]) {
  for (int c = 0; c < 3; ++c) {
    const float x00 = lerpFloat(p[c], p[di + c], wx), x10 = lerpFloat(p[dj + c], p[dj + di + c], wx);
    const float x01 = lerpFloat(p[dk + c], p[dk + di + c], wx);
    const float x11 = lerpFloat(p[dk + dj + c], p[dk + dj + di + c], wx);
    r[c] = lerpFloat(lerpFloat(x00, x10, wy), lerpFloat(x01, x11, wy), wz);
  }
}

// The field at continuous index q, edge clamped (FieldSampler::value): the stencil and its weights
// from q in double as on the CPU, the blend in float with fused lerps. The CPU blends in double; on
// the GPU that meant converting all 24 loaded floats (31 conversions per voxel in resampleField,
// Nsight Compute), so the GPU keeps float and stays within a few float ulps of the field's scale
// (field_host_math_test.cpp bounds it). Offset int32_t takes the stencil's offsets in 32 bits, for
// fields whose 3 V floats are below 2^31 (smallStepField): the same corners, so the same bits.
template <class Offset = int64_t>
FFDP_HD inline void sampleFieldClamped(const FieldView& f, const double q[3], float r[3]) {
  const AxisStencil sx = axisStencil(clampContinuous(q[0], indexToDouble(f.nx - 1)), f.nx);
  const AxisStencil sy = axisStencil(clampContinuous(q[1], indexToDouble(f.ny - 1)), f.ny);
  const AxisStencil sz = axisStencil(clampContinuous(q[2], indexToDouble(f.nz - 1)), f.nz);
  const Offset rowFloats = Offset(3 * f.nx), planeFloats = rowFloats * Offset(f.ny);
  const Offset di = Offset(3) * Offset(sx.hi - sx.lo), dj = rowFloats * Offset(sy.hi - sy.lo),
               dk = planeFloats * Offset(sz.hi - sz.lo);
  const Offset lower = Offset(3) * Offset(sx.lo) + rowFloats * Offset(sy.lo) + planeFloats * Offset(sz.lo);
  blendStepCorners(f.data + lower, di, dj, dk, float(sx.u), float(sy.u), float(sz.u), r);
}

// u at voxel (i, j, k) plus the index step q, edge clamped, in float: blended along i, then j,
// then k, per component.
FFDP_HD inline void sampleFieldStep(const FieldView& f, int64_t i, int64_t j, int64_t k, const float q[3],
                                    float r[3]) {
  const FloatAxis ax = floatAxis(q[0], i, f.nx), ay = floatAxis(q[1], j, f.ny), az = floatAxis(q[2], k, f.nz);
  const int64_t di = ax.hasHi ? 3 : 0, dj = ay.hasHi ? 3 * f.nx : 0, dk = az.hasHi ? 3 * f.nx * f.ny : 0;
  blendStepCorners(f.data + 3 * (ax.lo + f.nx * (ay.lo + f.ny * az.lo)), di, dj, dk, ax.w, ay.w, az.w, r);
}

// ---- The same for fields small enough for 32-bit offsets (the usual case) ----
// A field whose floats 3 V are below 2^31 and whose axes are at most 2^22 long: the stencil as a
// 32-bit offset from the voxel itself, the index conversions without the conversion unit
// (core/index_conversion.hpp). The same arithmetic, so the same bits as sampleFieldStep; fewer
// instructions (Nsight Compute: 64-bit address arithmetic and the conversions were a quarter of
// composition's instructions).
inline bool smallStepField(const FieldView& f) {
  return f.nx <= kSmallIndexLimit && f.ny <= kSmallIndexLimit && f.nz <= kSmallIndexLimit &&
         3 * f.nx * f.ny * f.nz < (int64_t(1) << 31);
}

// One axis's clamp for steps from position p of a line of n samples: clampStep's bounds -p and
// (n - 1) - p, exact in float. Two of a voxel's three axes keep theirs while a tile walks its planes,
// so the kernels set them up once per column (row_segments.cuh) rather than per voxel.
struct SmallStepBounds {
  float below, above;
  int32_t lastOffset;  // (n - 1) - p: a lower sample offset below it has an upper neighbour
};
FFDP_HD inline SmallStepBounds smallStepBounds(int32_t p, int32_t n) {
  const float position = smallIndexToFloat(p);
  return {-position, exact::subf(smallIndexToFloat(n - 1), position), n - 1 - p};
}
// b becomes smallStepBounds(p + 1, n): whole numbers below 2^22, so the subtractions are exact.
FFDP_HD inline void stepToNext(SmallStepBounds& b) {
  b.below -= 1;
  b.above -= 1;
  --b.lastOffset;
}

struct SmallStepAxis {
  int32_t offset;  // lower sample - voxel
  bool hasHi;
  float w;
};
// floatAxis relative to the voxel: the same clamp against the same bounds, so the same bits.
FFDP_HD inline SmallStepAxis smallStepAxis(float q, const SmallStepBounds& b) {
  const float c = clampStep(q, b.below, b.above);
  const SmallFloor f = smallFloor(c);  // |c| <= n - 1 < 2^22
  return {f.index, f.index < b.lastOffset, exact::subf(c, f.value)};
}

// u at the voxel whose floats `own` points at plus the index step q, the voxel's bounds along i, j
// and k given (smallStepBounds).
FFDP_HD inline void sampleFieldStepSmall(const float* own, const SmallStepBounds& bx, const SmallStepBounds& by,
                                         const SmallStepBounds& bz, int32_t rowFloats, int32_t planeFloats,
                                         const float q[3], float r[3]) {
  const SmallStepAxis ax = smallStepAxis(q[0], bx), ay = smallStepAxis(q[1], by), az = smallStepAxis(q[2], bz);
  const int32_t di = ax.hasHi ? 3 : 0, dj = ay.hasHi ? rowFloats : 0, dk = az.hasHi ? planeFloats : 0;
  blendStepCorners(own + (3 * ax.offset + rowFloats * ay.offset + planeFloats * az.offset), di, dj, dk, ax.w, ay.w,
                   az.w, r);
}

}  // namespace ffdp::cuda
