// OpenMP implementations of the Backend's displacement-field operations (see ops/backend.hpp for
// their definitions), one file each: field_smooth.cpp, field_compose.cpp, field_invert.cpp,
// field_jacobian.cpp, field_resample.cpp, field_reduce.cpp, resample_warp.cpp.
#pragma once
#include "core/affine.hpp"
#include "core/field.hpp"
#include "dist/comm.hpp"
#include "ops/backend.hpp"

namespace ffdp::cpu {

void smoothField(Field& u, const Vec3& sigmaVoxels);
Field composeFields(const Field& u, const Field& g);
Field invertField(const Field& u, int iterations, double tolerance, Comm& comm);
Image jacobianDeterminant(const Field& u);
Field resampleField(const Field& u, const Grid& target);
double maxNorm(const Field& u, Comm& comm);
Image resampleWarp(const Image& moving, const Affine& A, const Field& u, Interpolation interp, float outside);

}  // namespace ffdp::cpu
