#include "reg/initial_transform.hpp"

#include <cmath>

#include "core/error.hpp"

namespace ffdp {

namespace {

Affine translation(const Vec3& centre, const Vec3& shift) {
  Affine a = Affine::identity(centre);
  a.t = shift;
  return a;
}

}  // namespace

Affine computeInitialTransform(const InitialTransform& initial, const Image& fixed, const Image& moving,
                               const std::optional<Affine>& fromFile, Backend& backend) {
  const Vec3 fixedCentre = fixed.grid.centre();
  switch (initial.kind) {
    case InitKind::Identity:
      return Affine::identity(fixedCentre);
    case InitKind::GeometricCentre:
      return translation(fixedCentre, moving.grid.centre() - fixedCentre);
    case InitKind::CentreOfMass: {
      const Vec3 comFixed = backend.centreOfMass(fixed);
      const Vec3 comMoving = backend.centreOfMass(moving);
      for (double v : comFixed)
        if (!std::isfinite(v)) fail(ExitCode::Input, "initial transform: the fixed image has no positive intensity to take a centre of mass of");
      for (double v : comMoving)
        if (!std::isfinite(v)) fail(ExitCode::Input, "initial transform: the moving image has no positive intensity to take a centre of mass of");
      return translation(comFixed, comMoving - comFixed);
    }
    case InitKind::Origin:
      return translation(fixedCentre, moving.grid.origin - fixed.grid.origin);
    case InitKind::File: {
      if (!fromFile)
        fail(ExitCode::Internal, "initial transform: kind 'file' but no transform was loaded from '" + initial.file + "'");
      const double det = fromFile->M.determinant();
      if (!std::isfinite(det) || std::abs(det) < 1e-12)
        fail(ExitCode::Input, initial.file + ": initial transform is singular (determinant " + std::to_string(det) + ")");
      return fromFile->withCentre(fixedCentre);
    }
  }
  return Affine::identity(fixedCentre);
}

}  // namespace ffdp
