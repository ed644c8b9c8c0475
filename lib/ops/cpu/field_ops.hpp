// OpenMP implementations of the Backend's displacement-field operations (see ops/backend.hpp for
// their definitions), one file each: field_smooth.cpp, field_compose.cpp, field_invert.cpp,
// field_jacobian.cpp, field_resample.cpp, field_coarse.cpp, field_reduce.cpp, resample_warp.cpp.
#pragma once
#include <vector>

#include "core/affine.hpp"
#include "core/field.hpp"
#include "dist/comm.hpp"
#include "ops/backend.hpp"

namespace ffdp::cpu {

void smoothField(Field& u, const Vec3& sigmaVoxels);
Field composeFields(const Field& u, const Field& g);
Field invertField(const Field& u, int iterations, double tolerance, Comm& comm);
// The fixed-point sweeps alone (what invertField starts with), and the per-voxel Newton polish of the
// voxels whose residual |v + u(y + v)| is still above `tolerance` (none when tolerance <= 0).
Field invertFieldSweeps(const Field& u, int iterations, double tolerance, Comm& comm);
void polishInverse(const Field& u, double tolerance, Field& v);
Image jacobianDeterminant(const Field& u);
Field resampleField(const Field& u, const Grid& target);
// A field on a coarser grid than its images (ops/coarse_field_map.hpp, whole grids): u interpolated at
// every voxel of `image`, and the transpose of that interpolation taking an image-grid field g onto `field`.
Field upsampleField(const Field& u, const Grid& image);
Field restrictField(const Field& g, const Grid& field);
double maxNorm(const Field& u, Comm& comm);
// maxNorm's two halves, for fused passes that end in the same reduction: the largest |p[n]|^2 of
// `count` vectors (NaN when any component is NaN), and, from one such value per z-slice of `grid`,
// the root of the largest over the owned slices (NaN if any is NaN), reduced across ranks when
// `grid` is a slab (slice_reduce.hpp).
double largestSquaredNorm(const Vec3f* p, int64_t count);
double finishMaxNorm(const Grid& grid, const std::vector<double>& sliceLargestSquared, Comm& comm);
// A zero field on `grid`, allocated so that filling it is cheap (field_allocate.cpp).
Field allocateField(const Grid& grid);
Image resampleWarp(const Image& moving, const Affine& A, const Field& u, Interpolation interp, float outside);

}  // namespace ffdp::cpu
