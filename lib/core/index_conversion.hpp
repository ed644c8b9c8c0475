// Exact conversions between voxel indices and doubles that the GPU does without its conversion
// unit. The sampling maths turns integer indices into doubles (the index affine, the bracketing
// voxels, the volume's bounds) and doubles back into integers (floor) for every sample; on the
// H100/H200 those int64 <-> double conversions share one slow pipe with float -> double, and that
// pipe limited the gather kernels (Nsight Compute: 57-71 % busy). 1.5 * 2^52 has a unit in the last
// place of 1, so for |v| <= 2^51 its bit pattern plus v is the double 1.5 * 2^52 + v, exactly: an
// integer add and a double subtract give double(v), and a round-down (round-to-nearest) add of
// 1.5 * 2^52 puts floor(x) (the nearest integer) in the low bits. Every voxel index and extent is far
// below 2^51. The host keeps the plain casts; both give the same values, so the CPU and GPU still
// agree to the bit.
#pragma once
#include <cmath>
#include <cstdint>

#include "core/host_device.hpp"

namespace ffdp {

constexpr double kIndexMagic = 6755399441055744.0;           // 1.5 * 2^52
constexpr int64_t kIndexMagicBits = 0x4338000000000000LL;    // its bit pattern

// double(v), exact for |v| <= 2^51.
FFDP_HD inline double indexToDouble(int64_t v) {
#ifdef __CUDA_ARCH__
  return __dsub_rn(__longlong_as_double(kIndexMagicBits + v), kIndexMagic);
#else
  return static_cast<double>(v);
#endif
}

// floor(x) as an integer, exact for -2^51 <= x < 2^51 (callers clamp first where x may be larger,
// infinite or NaN).
FFDP_HD inline int64_t floorIndex(double x) {
#ifdef __CUDA_ARCH__
  return __double_as_longlong(__dadd_rd(x, kIndexMagic)) - kIndexMagicBits;
#else  // a cast, not std::floor: no library call (no SSE4.1 round on the default x86-64 target)
  const int64_t t = static_cast<int64_t>(x);
  return t - (x < static_cast<double>(t) ? 1 : 0);
#endif
}

// x rounded to the nearest integer, ties to even, exact for -2^51 <= x < 2^51: the same magic
// number added with round-to-nearest.
FFDP_HD inline int64_t nearestIndex(double x) {
#ifdef __CUDA_ARCH__
  return __double_as_longlong(__dadd_rn(x, kIndexMagic)) - kIndexMagicBits;
#else
  return static_cast<int64_t>(std::nearbyint(x));  // the default rounding mode: to nearest, ties to even
#endif
}

// The float twins, for the per-voxel float maths of composition: 1.5 * 2^23 has a unit last place,
// so the same two steps are exact for indices up to 2^22 in magnitude (every axis of a grid
// the float paths take; longer axes keep the casts).
constexpr float kSmallIndexMagic = 12582912.0f;         // 1.5 * 2^23
constexpr int32_t kSmallIndexMagicBits = 0x4B400000;    // its bit pattern
constexpr int64_t kSmallIndexLimit = int64_t(1) << 22;

// float(v), exact for |v| <= 2^22.
FFDP_HD inline float smallIndexToFloat(int32_t v) {
#ifdef __CUDA_ARCH__
  return __fsub_rn(__int_as_float(kSmallIndexMagicBits + v), kSmallIndexMagic);
#else
  return static_cast<float>(v);
#endif
}

// floorf(x), as a float (with floorf's sign: floorf(-0) is -0) and as an integer, exact for
// |x| < 2^22.
struct SmallFloor {
  float value;
  int32_t index;
};
FFDP_HD inline SmallFloor smallFloor(float x) {
#ifdef __CUDA_ARCH__
  const float t = __fadd_rd(x, kSmallIndexMagic);
  return {copysignf(__fsub_rn(t, kSmallIndexMagic), x), __float_as_int(t) - kSmallIndexMagicBits};
#else
  const float f = std::floor(x);
  return {f, static_cast<int32_t>(f)};
#endif
}

}  // namespace ffdp
