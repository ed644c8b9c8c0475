// How well a pair of displacement fields invert each other: for each voxel x of the forward field's
// grid, e(x) = |u(x) + v(x + u(x))|, the distance from x at which "x + u, then its inverse" lands.
// v is sampled at the physical point x + u(x) on its own grid (trilinear, edge value beyond it).
#pragma once
#include <cstdint>

#include "core/field.hpp"
#include "core/volume.hpp"

namespace ffdp {

struct InverseConsistency {
  int64_t voxels = 0;
  double meanMm = 0, maxMm = 0;
  double meanVoxels = 0, maxVoxels = 0;  // the same in voxels of the forward grid's smallest spacing
};

// mask (may be null) lies on the forward field's grid.
InverseConsistency inverseConsistency(const Field& forward, const Field& inverse, const Mask* mask);

}  // namespace ffdp
