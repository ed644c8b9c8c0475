// The ground truth of the gigavoxel benchmark: a smooth, invertible displacement t (LPS mm), a product
// of sines and cosines around the brain's centre. The moving image is the second contrast sampled so
// that moving(x + t(x)) = contrast(x): a perfect registration recovers x -> x + t(x).
#pragma once
#include "core/field.hpp"
#include "core/geometry.hpp"
#include "core/grid.hpp"

namespace ffdp::bench {

struct KnownDeformation {
  Vec3 centre{0, 0, 0};
  double amplitudeMm = 3;
  double wavelengthMm = 60;

  Vec3 at(const Vec3& p) const;  // t(p)
  // s(y) such that x = y + s(y) solves x + t(x) = y (the inverse map's displacement). Fixed-point
  // iteration, which converges because |grad t| < 1 (checked by the constructor-free factory below).
  Vec3 inverseAt(const Vec3& y) const;
  // An upper bound of the spectral norm of t's Jacobian (must stay below 1 for t to be invertible).
  double gradientBound() const;
};

// Throws Error(Usage) when the amplitude and wavelength make t non-invertible.
KnownDeformation makeKnownDeformation(const Vec3& centre, double amplitudeMm, double wavelengthMm);

// t, and the inverse's displacement s, on every voxel of `grid` (host, whole grid).
Field displacementOn(const KnownDeformation& t, const Grid& grid);
Field inverseDisplacementOn(const KnownDeformation& t, const Grid& grid);

}  // namespace ffdp::bench
