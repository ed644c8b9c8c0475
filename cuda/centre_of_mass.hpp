// Intensity-weighted centre of mass in physical space on the GPU (lib/ops/cpu/centre_of_mass.cpp):
// negative (and NaN) intensities count as zero; a deterministic reduction (fixed block partials,
// fixed-order finish), so it repeats bit for bit. `image`: one float per voxel of `grid`, device
// memory. Throws ffdp::Error(Input) when no voxel is positive.
#pragma once
#include "core/grid.hpp"

namespace ffdp::cuda {

Vec3 centreOfMass(const float* image, const Grid& grid);

}  // namespace ffdp::cuda
