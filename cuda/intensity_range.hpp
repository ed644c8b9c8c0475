// Global minimum and maximum of an image in device memory (the CPU's cpu::intensityRange): over the
// owned slices of a slab, reduced across ranks; over every voxel of a whole image, not combined
// (owned_voxels.hpp). A rank owning no slice contributes (+inf, -inf). MI bins and the CC
// flat-window test use it.
#pragma once
#include <cstdint>

#include "core/grid.hpp"
#include "dist/comm.hpp"

namespace ffdp::cuda {

struct DeviceIntensityRange {
  double min = 0, max = 0;
};

// `image`: one float per voxel of `grid`, device memory.
DeviceIntensityRange intensityRange(const float* image, const Grid& grid, Comm& comm);
// A whole image of `voxels` floats (voxels >= 1); `comm` is not used (a whole image is not combined).
DeviceIntensityRange intensityRange(const float* image, int64_t voxels, Comm& comm);

}  // namespace ffdp::cuda
