// Adam's per-component updates with the CPU reference's float arithmetic (lib/ops/cpu/field_adam.cpp),
// each operation rounded as written (no fused multiply-add; field_exact_math.cuh).
#pragma once
#include "field_exact_math.cuh"
#include "core/host_device.hpp"

namespace ffdp::cuda {

// With gs = s g: m <- b1 m + (1 - b1) gs,  v <- b2 v + (1 - b2) gs gs.
FFDP_HD inline void adamMomentsElement(float& m, float& v, float g, float s, float b1, float b2) {
  g = exact::mulf(s, g);
  m = exact::addf(exact::mulf(b1, m), exact::mulf(exact::subf(1.0f, b1), g));
  v = exact::addf(exact::mulf(b2, v), exact::mulf(exact::mulf(exact::subf(1.0f, b2), g), g));
}

// d = m mScale / (sqrt(max(v vScale, 0)) + eps); a NaN in v stays NaN (std::max's rule).
FFDP_HD inline float adamDirectionElement(float m, float v, float mScale, float vScale, float eps) {
  float vHat = exact::mulf(v, vScale);
  vHat = vHat < 0.0f ? 0.0f : vHat;
  return exact::divf(exact::mulf(m, mScale), exact::addf(exact::sqrtf_(vHat), eps));
}

}  // namespace ffdp::cuda
