// Statistics of the voxel-wise difference of two images on the same grid.
#pragma once
#include <cstdint>

#include "core/volume.hpp"

namespace ffdp {

struct DifferenceStats {
  int64_t voxels = 0;         // voxels compared (inside the mask when one is given)
  double meanAbs = 0;         // mean |a - b|
  double rms = 0;             // sqrt(mean (a - b)^2)
  double maxAbs = 0;          // max |a - b|
  double relativeL2 = 0;      // ||a - b|| / ||a||
  double correlation = 0;     // Pearson correlation of a and b
};

// mask may be null; when given it lies on the same grid as a and b.
DifferenceStats imageDifference(const Image& a, const Image& b, const Mask* mask);

}  // namespace ffdp
