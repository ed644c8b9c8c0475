// Reading a displacement field at any physical point the way ITK's DisplacementFieldTransform reads a
// field file (what antsApplyTransforms does with P1Warp.nii.gz): trilinear between voxel centres, the
// edge value in the half voxel beyond them, and zero displacement farther out. (The engine's own
// fields, ops/backend.hpp, take the edge value everywhere beyond: inside a registration every point
// they are read at lies within the fixed grid's extent, where the two rules agree.)
// A plain CPU helper for one-shot evaluations (apply's general chains, eval), not for iterations.
// A field whose grid is a slab of a whole grid (Grid::slab: a rank's buffer, or a window of slices
// fetched from other ranks) is read as the whole field: its index maps through the whole grid's origin
// and slice k of the buffer is whole slice k + firstSlice (exact integer shifts, so a window gives the
// whole field's values bit for bit); the caller's buffer must hold every slice a point reads.
#pragma once
#include "core/field.hpp"

namespace ffdp {

class FieldSampler {
 public:
  // Keeps a reference: `u` must outlive the sampler.
  explicit FieldSampler(const Field& u);
  // u at the physical point p (LPS mm).
  Vec3 at(const Vec3& p) const;
  // True when p lies within the field's extent (continuous index in [-0.5, n - 0.5) on every axis,
  // ITK's buffer test), where `at` interpolates; beyond, `at` is zero.
  bool covers(const Vec3& p) const;

 private:
  const Field& u_;
  Mat3 toIndex_;                          // (D diag(spacing))^-1
  Vec3 origin_;                           // the whole grid's origin
  int64_t wholeSlices_ = 0, firstSlice_ = 0;
};

// Smallest spacing of a grid: the "voxel" in which field errors are reported.
double smallestSpacing(const Grid& grid);

}  // namespace ffdp
