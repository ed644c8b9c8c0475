// Float arithmetic shared by the CPU field kernels (smoothing, composition, inversion, Adam):
// short vectors of floats (GCC/Clang vector extensions, which lower to SSE or AVX registers) and
// a multiply-add whose rounding is fixed by the source, not by the compiler.
//
// Why mulAdd is spelled out: lib/ops is built for x86-64-v3 (FMA), and g++ in C++ mode contracts
// a * b + c into a fused multiply-add where it sees fit, which differs between a vector loop and
// its scalar tail, or between two instantiations of one template. An explicit mulAdd is one fused
// operation (one rounding) wherever the target has FMA, and a multiply then an add where it has
// none, so every voxel of a kernel rounds the same way whatever path computed it.
//
// lib/ops is compiled for x86-64-v3 and code that includes these headers elsewhere (the tests) for
// the compiler's default: the inline namespace below gives each instruction set its own names, so
// the linker never swaps one build's inline functions for the other's (whose rounding differs).
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__SSE__)
#include <immintrin.h>
#endif

#if defined(__FMA__) && defined(__AVX2__)
#define FFDP_LANES_ISA isa_avx2_fma
#elif defined(__FMA__) || defined(__FP_FAST_FMAF)
#define FFDP_LANES_ISA isa_fma
#else
#define FFDP_LANES_ISA isa_generic
#endif

// 8-float vectors passed by value change the calling convention without AVX; these inline functions
// never cross a library boundary (see above), so the warning says nothing here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace ffdp::cpu {
inline namespace FFDP_LANES_ISA {

typedef float Lanes4 __attribute__((vector_size(16)));
typedef float Lanes8 __attribute__((vector_size(32)));
typedef int32_t Ints4 __attribute__((vector_size(16)));
typedef int32_t Ints8 __attribute__((vector_size(32)));

inline float mulAdd(float a, float b, float c) {
#if defined(__FMA__) || defined(__FP_FAST_FMAF)
  return __builtin_fmaf(a, b, c);
#else
  return a * b + c;
#endif
}

// a * b + c per lane (a broadcast to every lane).
inline Lanes8 mulAdd(float a, Lanes8 b, Lanes8 c) {
#if defined(__FMA__) && defined(__AVX__)
  return Lanes8(_mm256_fmadd_ps(_mm256_set1_ps(a), __m256(b), __m256(c)));
#elif defined(__FP_FAST_FMAF)
  for (int l = 0; l < 8; ++l) c[l] = __builtin_fmaf(a, b[l], c[l]);
  return c;
#else
  return a * b + c;
#endif
}

// a * b + c per lane.
inline Lanes4 mulAdd(Lanes4 a, Lanes4 b, Lanes4 c) {
#if defined(__FMA__)
  return Lanes4(_mm_fmadd_ps(__m128(a), __m128(b), __m128(c)));
#elif defined(__FP_FAST_FMAF)
  for (int l = 0; l < 4; ++l) c[l] = __builtin_fmaf(a[l], b[l], c[l]);
  return c;
#else
  return a * b + c;
#endif
}

// floor per lane, for |x| < 2^31.
inline Lanes4 floor4(Lanes4 x) {
#if defined(__SSE4_1__)
  return Lanes4(_mm_floor_ps(__m128(x)));
#else
  const Lanes4 t = __builtin_convertvector(__builtin_convertvector(x, Ints4), Lanes4);  // toward zero
  return t + __builtin_convertvector(x < t, Lanes4);  // -1 where that rounded up
#endif
}

inline Lanes8 floor8(Lanes8 x) {
#if defined(__AVX__)
  return Lanes8(_mm256_floor_ps(__m256(x)));
#else
  const Lanes8 t = __builtin_convertvector(__builtin_convertvector(x, Ints8), Lanes8);
  return t + __builtin_convertvector(x < t, Lanes8);
#endif
}

// Correctly rounded square roots (IEEE), the same bits in every lane width.
inline float squareRoot(float x) { return __builtin_sqrtf(x); }
inline Lanes4 squareRoot(Lanes4 x) {
#if defined(__SSE__)
  return Lanes4(_mm_sqrt_ps(__m128(x)));
#else
  for (int l = 0; l < 4; ++l) x[l] = __builtin_sqrtf(x[l]);
  return x;
#endif
}
inline Lanes8 squareRoot(Lanes8 x) {
#if defined(__AVX__)
  return Lanes8(_mm256_sqrt_ps(__m256(x)));
#else
  for (int l = 0; l < 8; ++l) x[l] = __builtin_sqrtf(x[l]);
  return x;
#endif
}

inline Lanes8 load8(const float* p) {
  Lanes8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, Lanes8 v) { std::memcpy(p, &v, sizeof v); }

// Three floats (one vector of a field) into lanes 0-2; lane 3 is 0.
inline Lanes4 load3(const float* p) { return Lanes4{p[0], p[1], p[2], 0.0f}; }
// Four floats, of which lanes 0-2 are used: one load where the caller knows p[3] exists.
inline Lanes4 load4(const float* p) {
  Lanes4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store3(float* p, Lanes4 v) {
  p[0] = v[0];
  p[1] = v[1];
  p[2] = v[2];
}

}  // namespace FFDP_LANES_ISA
}  // namespace ffdp::cpu

#pragma GCC diagnostic pop
