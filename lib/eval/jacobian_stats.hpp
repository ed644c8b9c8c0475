// Statistics of a displacement field's Jacobian determinant det(I + du/dx): how much the map
// stretches (> 1) or compresses (< 1) volume, and where it folds (det <= 0, the map is not invertible).
#pragma once
#include <cstdint>

#include "core/volume.hpp"

namespace ffdp {

struct JacobianStats {
  int64_t voxels = 0;  // voxels counted (inside the mask when one is given)
  double min = 0, max = 0, mean = 0;
  int64_t nonPositive = 0;  // voxels with det <= 0 (folds)
  double nonPositivePercent = 0;
};

// `determinant` as Backend::jacobianDeterminant gives it; mask (may be null) on the same grid.
JacobianStats jacobianStats(const Image& determinant, const Mask* mask);

}  // namespace ffdp
