#include "known_deformation.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"

namespace ffdp::bench {
namespace {
constexpr double kPi = 3.14159265358979323846;
}

Vec3 KnownDeformation::at(const Vec3& p) const {
  const double k = 2 * kPi / wavelengthMm;
  const Vec3 q = p - centre;
  // Each component varies along the other two axes: a shear-like, divergence-rich smooth field.
  return {amplitudeMm * std::sin(k * q[1]) * std::cos(k * q[2]), amplitudeMm * std::sin(k * q[2]) * std::cos(k * q[0]),
          amplitudeMm * std::sin(k * q[0]) * std::cos(k * q[1])};
}

double KnownDeformation::gradientBound() const {
  // Every partial derivative is at most a*k in size, two per row: the Frobenius norm bounds the
  // spectral norm, sqrt(6) * a * k.
  return std::sqrt(6.0) * amplitudeMm * 2 * kPi / wavelengthMm;
}

Vec3 KnownDeformation::inverseAt(const Vec3& y) const {
  // x = y - t(x) is a contraction with factor gradientBound() < 1; 60 steps reach double precision
  // for bounds up to about 0.55 and leave far below a micrometre for anything makeKnownDeformation allows.
  Vec3 x = y;
  for (int n = 0; n < 60; ++n) x = y - at(x);
  return x - y;
}

KnownDeformation makeKnownDeformation(const Vec3& centre, double amplitudeMm, double wavelengthMm) {
  KnownDeformation t{centre, amplitudeMm, wavelengthMm};
  if (!(amplitudeMm >= 0) || !(wavelengthMm > 0) || t.gradientBound() >= 0.8)
    fail(ExitCode::Usage, "known deformation: amplitude " + std::to_string(amplitudeMm) + " mm over wavelength " +
                              std::to_string(wavelengthMm) + " mm is not safely invertible (gradient bound " +
                              std::to_string(t.gradientBound()) + ", must be < 0.8)");
  return t;
}

namespace {

template <class F>
Field fieldOn(const Grid& grid, const F& displacementAt) {
  Field u(grid);
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < grid.size[2]; ++k)
    for (int64_t j = 0; j < grid.size[1]; ++j)
      for (int64_t i = 0; i < grid.size[0]; ++i) {
        const Vec3 d = displacementAt(grid.indexToPhysical({double(i), double(j), double(k)}));
        u.at(i, j, k) = {float(d[0]), float(d[1]), float(d[2])};
      }
  return u;
}

}  // namespace

Field displacementOn(const KnownDeformation& t, const Grid& grid) {
  return fieldOn(grid, [&](const Vec3& p) { return t.at(p); });
}

Field inverseDisplacementOn(const KnownDeformation& t, const Grid& grid) {
  return fieldOn(grid, [&](const Vec3& y) { return t.inverseAt(y); });
}

}  // namespace ffdp::bench
