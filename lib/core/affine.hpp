// A physical-space affine map in ITK form: A(x) = M (x - c) + t + c.
// It maps fixed-space points to moving-space points (warped(x) = moving(A(x))).
#pragma once
#include "core/geometry.hpp"

namespace ffdp {

struct Affine {
  Mat3 M = Mat3::identity();
  Vec3 t{0, 0, 0};
  Vec3 c{0, 0, 0};

  static Affine identity(const Vec3& centre = {0, 0, 0}) {
    Affine a;
    a.c = centre;
    return a;
  }
  Vec3 apply(const Vec3& x) const { return M * (x - c) + t + c; }
  // Offset of the equivalent y = M x + offset.
  Vec3 offset() const { return t + c - M * c; }
  // The same map expressed with another centre (t changes, the map does not).
  Affine withCentre(const Vec3& centre) const;
  // M is finite and far enough from singular to invert (the rule every caller uses).
  bool invertible() const;
  // Inverse map; the caller checks invertible() first.
  Affine inverse() const;
  // (this ∘ inner)(x) = this(inner(x)), centred at inner's centre.
  Affine compose(const Affine& inner) const;
};

}  // namespace ffdp
