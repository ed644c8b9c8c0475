// Trilinear sampling of a displacement field at a continuous index of its own grid. Beyond the
// outer voxel centres the index is clamped to [0, n-1] per axis, so a field takes its edge value
// there and is defined everywhere (ops/backend.hpp). Arithmetic is in double; the result is in mm.
#pragma once
#include <cstdint>

#include "core/field.hpp"
#include "ops/cpu/trilinear.hpp"

namespace ffdp::cpu {

// Clamps a continuous index to [0, hi]; NaN goes to 0 so that a corrupt field cannot index memory
// outside the volume.
inline double clampIndex(double q, double hi) { return q >= 0 ? (q <= hi ? q : hi) : 0.0; }

class FieldSampler {
 public:
  explicit FieldSampler(const Field& field)
      : data_(field.data.data()),
        nx_(field.grid.size[0]),
        ny_(field.grid.size[1]),
        nz_(field.grid.size[2]),
        hi_{double(nx_ - 1), double(ny_ - 1), double(nz_ - 1)} {}

  Vec3 value(const Vec3& q) const {
    const AxisStencil sx = axisStencil(clampIndex(q[0], hi_[0]), nx_);
    const AxisStencil sy = axisStencil(clampIndex(q[1], hi_[1]), ny_);
    const AxisStencil sz = axisStencil(clampIndex(q[2], hi_[2]), nz_);
    const int64_t plane = nx_ * ny_, di = sx.hi - sx.lo;
    const Vec3f* p00 = data_ + sx.lo + nx_ * sy.lo + plane * sz.lo;
    const Vec3f* p10 = data_ + sx.lo + nx_ * sy.hi + plane * sz.lo;
    const Vec3f* p01 = data_ + sx.lo + nx_ * sy.lo + plane * sz.hi;
    const Vec3f* p11 = data_ + sx.lo + nx_ * sy.hi + plane * sz.hi;
    Vec3 r;
    for (int c = 0; c < 3; ++c) {
      const double x00 = lerp(p00[0][c], p00[di][c], sx.u), x10 = lerp(p10[0][c], p10[di][c], sx.u);
      const double x01 = lerp(p01[0][c], p01[di][c], sx.u), x11 = lerp(p11[0][c], p11[di][c], sx.u);
      r[c] = lerp(lerp(x00, x10, sy.u), lerp(x01, x11, sy.u), sz.u);
    }
    return r;
  }

 private:
  static double lerp(double a, double b, double t) { return a + t * (b - a); }

  const Vec3f* data_;
  int64_t nx_, ny_, nz_;
  double hi_[3];
};

inline Vec3 toVec3(const Vec3f& v) { return {double(v[0]), double(v[1]), double(v[2])}; }
inline Vec3f toVec3f(const Vec3& v) { return {float(v[0]), float(v[1]), float(v[2])}; }

}  // namespace ffdp::cpu
