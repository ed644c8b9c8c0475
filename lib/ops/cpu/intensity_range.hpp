// Global minimum and maximum of an image over all its voxels (reduced across ranks).
#pragma once
#include "core/volume.hpp"
#include "dist/comm.hpp"

namespace ffdp::cpu {

struct IntensityRange {
  double min = 0, max = 0;
};
IntensityRange intensityRange(const Image& image, Comm& comm);

}  // namespace ffdp::cpu
