// Separable Gaussian smoothing on the GPU, in place, with the CPU reference's maths
// (gaussian_line.cuh; lib/ops/cpu/separable_gaussian.hpp): sigma in voxels per axis, 0 = none
// along that axis; passes along i, then j, then k, each rounded to float. Device pointers;
// all work on cudaStreamPerThread.
#pragma once
#include "core/grid.hpp"

namespace ffdp::cuda {

// `field`: 3 interleaved floats per voxel of `grid` (a displacement field or its gradient).
void smoothField(float* field, const Grid& grid, const Vec3& sigmaVoxels);
// `image`: one float per voxel of `grid` (pyramid pre-smoothing).
void smoothImage(float* image, const Grid& grid, const Vec3& sigmaVoxels);

}  // namespace ffdp::cuda
