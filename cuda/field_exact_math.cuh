// Arithmetic with a rounding fixed by the source: nvcc contracts a * b + c into one fused
// multiply-add wherever it likes; the _rn intrinsics forbid that, so every kernel that uses these
// helpers rounds each operation as written, the same on the device and in the host tests of the
// per-voxel maths (plain operators there; the tests build without FMA contraction), and exactly
// as the CPU reference rounded when it was written in plain double and float arithmetic. (The CPU
// reference may since use FMA and float fast paths; the tests bound the difference.)
#pragma once
#include <cmath>

#include "core/host_device.hpp"

namespace ffdp::cuda::exact {

FFDP_HD inline double add(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dadd_rn(a, b);
#else
  return a + b;
#endif
}
FFDP_HD inline double sub(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dsub_rn(a, b);
#else
  return a - b;
#endif
}
FFDP_HD inline double mul(double a, double b) {
#ifdef __CUDA_ARCH__
  return __dmul_rn(a, b);
#else
  return a * b;
#endif
}
FFDP_HD inline float addf(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}
FFDP_HD inline float subf(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fsub_rn(a, b);
#else
  return a - b;
#endif
}
FFDP_HD inline float mulf(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}
FFDP_HD inline float divf(float a, float b) {
#ifdef __CUDA_ARCH__
  return __fdiv_rn(a, b);
#else
  return a / b;
#endif
}
FFDP_HD inline float sqrtf_(float a) {
#ifdef __CUDA_ARCH__
  return __fsqrt_rn(a);
#else
  return std::sqrt(a);
#endif
}

// a + t (b - a), the CPU's interpolation step.
FFDP_HD inline double lerp(double a, double b, double t) { return add(a, mul(t, sub(b, a))); }

// m v for a row-major 3x3 matrix, summed left to right as ffdp::Mat3::operator* does.
FFDP_HD inline void matVec(const double m[3][3], const double v[3], double out[3]) {
  for (int a = 0; a < 3; ++a) out[a] = add(add(mul(m[a][0], v[0]), mul(m[a][1], v[1])), mul(m[a][2], v[2]));
}

// x^2 + y^2 + z^2 in the CPU's order.
FFDP_HD inline double squaredNorm(double x, double y, double z) { return add(add(mul(x, x), mul(y, y)), mul(z, z)); }

}  // namespace ffdp::cuda::exact
