// How far apart two fixed-to-moving affine maps are, measured where it matters: over the voxels
// of a reference grid (optionally a mask), in millimetres, plus the rotation between their linear parts.
#pragma once
#include <cstdint>

#include "core/affine.hpp"
#include "core/volume.hpp"

namespace ffdp {

struct TransformDifference {
  int64_t points = 0;
  double meanMm = 0;        // mean |A(x) - B(x)| over the points
  double maxMm = 0;         // max |A(x) - B(x)|
  double rotationDeg = 0;   // angle of the rotation closest to M_A M_B^-1
};

// Points: centres of the grid's voxels inside the mask (all voxels when mask is null).
TransformDifference transformDifference(const Affine& a, const Affine& b, const Grid& grid, const Mask* mask);

}  // namespace ffdp
