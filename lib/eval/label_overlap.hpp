// Dice overlap per label between two label maps on the same grid.
#pragma once
#include <cstdint>
#include <map>

#include "core/volume.hpp"

namespace ffdp {

struct LabelOverlap {
  int64_t referenceVoxels = 0, testVoxels = 0, intersection = 0;
  double dice() const {
    const int64_t d = referenceVoxels + testVoxels;
    return d == 0 ? 1.0 : 2.0 * double(intersection) / double(d);
  }
};

struct OverlapTable {
  std::map<int64_t, LabelOverlap> labels;  // every nonzero label of the reference
  int64_t labelsOnlyInTest = 0;            // nonzero labels of the test map absent from the reference
  double meanDice() const;
};

// Labels are the voxel values rounded to integers; 0 is background. Grids must match (checked by the caller).
OverlapTable labelOverlap(const Image& reference, const Image& test);

}  // namespace ffdp
