// Where the moving image starts (ANTs --initial-moving-transform). The result is fixed -> moving,
// centred where rotations should pivot: the fixed centre of mass for CentreOfMass (rotations about
// the brain's centre converge better), the fixed domain centre otherwise.
#pragma once
#include <optional>

#include "core/affine.hpp"
#include "core/volume.hpp"
#include "ops/backend.hpp"
#include "spec/spec.hpp"

namespace ffdp {

// Identity: no motion. GeometricCentre: translation taking the fixed domain centre to the moving one.
// CentreOfMass: translation com_moving - com_fixed. Origin: translation origin_moving - origin_fixed.
// File: `fromFile` (the same map, re-centred on the fixed domain centre).
Affine computeInitialTransform(const InitialTransform& initial, const Image& fixed, const Image& moving,
                               const std::optional<Affine>& fromFile, Backend& backend);

}  // namespace ffdp
