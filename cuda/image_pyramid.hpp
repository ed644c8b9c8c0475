// Pyramid levels on the GPU (lib/ops/cpu/resample_grid.cpp, gaussian_smooth.cpp): Gaussian
// smoothing (sigma in input voxels per axis, 0 = none), then linear resampling onto a target grid
// covering the same physical region (points a fraction of a voxel beyond the input take the edge
// value); and nearest-neighbour resampling of a mask (outside = 0). Device pointers: images one
// float per voxel, masks one uint8 per voxel, outputs sized for `target`. cudaStreamPerThread.
#pragma once
#include <cstdint>

#include "core/grid.hpp"

namespace ffdp::cuda {

void smoothAndResample(const float* in, const Grid& inGrid, const Vec3& sigmaVoxels, const Grid& target, float* out);
// The resampling step alone (the CPU's resampleOntoGrid).
void resampleOntoGrid(const float* in, const Grid& inGrid, const Grid& target, float* out);
void resampleMask(const uint8_t* in, const Grid& inGrid, const Grid& target, uint8_t* out);

}  // namespace ffdp::cuda
