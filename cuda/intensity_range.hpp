// Global minimum and maximum of an image in device memory (the CPU's cpu::intensityRange): over
// every voxel, reduced across ranks through the Comm. MI bins and the CC flat-window test use it.
#pragma once
#include <cstdint>

#include "dist/comm.hpp"

namespace ffdp::cuda {

struct DeviceIntensityRange {
  double min = 0, max = 0;
};

// `image`: `voxels` floats in device memory (voxels >= 1).
DeviceIntensityRange intensityRange(const float* image, int64_t voxels, Comm& comm);

}  // namespace ffdp::cuda
