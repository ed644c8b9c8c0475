#include "core/affine.hpp"

#include <cmath>

namespace ffdp {

Affine Affine::withCentre(const Vec3& centre) const {
  Affine r = *this;
  r.c = centre;
  // Same offset: t' + c' - M c' = t + c - M c.
  r.t = offset() - centre + M * centre;
  return r;
}

bool Affine::invertible() const {
  const double det = M.determinant();
  return std::isfinite(det) && std::abs(det) >= 1e-12;
}

Affine Affine::inverse() const {
  Affine r;
  r.M = M.inverse();
  // y = M x + o  =>  x = M^-1 y - M^-1 o; keep the centre at A(c) so that the inverse's centre is meaningful.
  const Vec3 o = offset();
  const Vec3 invOffset = -1.0 * (r.M * o);
  r.c = apply(c);
  r.t = invOffset - r.c + r.M * r.c;
  return r;
}

Affine Affine::compose(const Affine& inner) const {
  Affine r;
  r.M = M * inner.M;
  const Vec3 o = M * inner.offset() + offset();
  r.c = inner.c;
  r.t = o - r.c + r.M * r.c;
  return r;
}

}  // namespace ffdp
