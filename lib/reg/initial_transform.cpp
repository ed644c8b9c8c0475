#include "reg/initial_transform.hpp"

#include "dist/slab.hpp"

#include <cmath>

#include "core/error.hpp"

namespace ffdp {

namespace {
// The backend reports an image with no positive voxel; the user needs to know which image it was.
Vec3 centreOfMassOf(Backend& backend, const Image& image, const char* which) {
  try {
    const Vec3 c = backend.centreOfMass(image);
    if (std::isfinite(c[0]) && std::isfinite(c[1]) && std::isfinite(c[2])) return c;
  } catch (const Error&) {
  }
  fail(ExitCode::Input, std::string("initial transform: the ") + which +
                            " image has no positive intensity to take a centre of mass of");
}

Affine translation(const Vec3& centre, const Vec3& shift) {
  Affine a = Affine::identity(centre);
  a.t = shift;
  return a;
}

}  // namespace

Affine computeInitialTransform(const InitialTransform& initial, const Image& fixed, const Image& moving,
                               const std::optional<Affine>& fromFile, Backend& backend) {
  const Grid fixedGrid = wholeGridOf(fixed.grid);  // a rank's slab is not the image's extent
  const Grid movingGrid = wholeGridOf(moving.grid);  // nor is a sharded moving image's
  const Vec3 fixedCentre = fixedGrid.centre();
  switch (initial.kind) {
    case InitKind::Identity:
      return Affine::identity(fixedCentre);
    case InitKind::GeometricCentre:
      return translation(fixedCentre, movingGrid.centre() - fixedCentre);
    case InitKind::CentreOfMass: {
      const Vec3 comFixed = centreOfMassOf(backend, fixed, "fixed");
      const Vec3 comMoving = centreOfMassOf(backend, moving, "moving");
      return translation(comFixed, comMoving - comFixed);
    }
    case InitKind::Origin:
      return translation(fixedCentre, movingGrid.origin - fixedGrid.origin);
    case InitKind::File: {
      if (!fromFile)
        fail(ExitCode::Internal, "initial transform: kind 'file' but no transform was loaded from '" + initial.file + "'");
      if (!fromFile->invertible())
        fail(ExitCode::Input, initial.file + ": initial transform is singular (determinant " +
                                  std::to_string(fromFile->M.determinant()) + ")");
      return fromFile->withCentre(fixedCentre);
    }
  }
  return Affine::identity(fixedCentre);
}

}  // namespace ffdp
