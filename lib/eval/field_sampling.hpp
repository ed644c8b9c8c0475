// Reading a displacement field at any physical point, with the Backend's rule (ops/backend.hpp):
// trilinear between voxel centres, the edge value beyond them (a field is defined everywhere).
// A plain CPU helper for one-shot evaluations (apply's general chains, eval), not for iterations.
#pragma once
#include "core/field.hpp"

namespace ffdp {

class FieldSampler {
 public:
  // Keeps a reference: `u` must outlive the sampler.
  explicit FieldSampler(const Field& u);
  // u at the physical point p (LPS mm).
  Vec3 at(const Vec3& p) const;

 private:
  const Field& u_;
  Mat3 toIndex_;  // (D diag(spacing))^-1
};

// Smallest spacing of a grid: the "voxel" in which field errors are reported.
double smallestSpacing(const Grid& grid);

}  // namespace ffdp
