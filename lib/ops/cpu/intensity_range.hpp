// Global minimum and maximum of an image over all its voxels: over the owned slices of a slab,
// reduced across ranks (slice_reduce.hpp); over all slices of a whole image, not combined.
// A rank that owns no slice returns (+inf, -inf) before the reduction. A window of a sharded image
// returns the whole image's range registered for it (ops/whole_intensity_range.hpp), no reduction.
#pragma once
#include "core/volume.hpp"
#include "dist/comm.hpp"

namespace ffdp::cpu {

struct IntensityRange {
  double min = 0, max = 0;
};
IntensityRange intensityRange(const Image& image, Comm& comm);

}  // namespace ffdp::cpu
