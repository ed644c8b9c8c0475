// Separable Gaussian smoothing on the GPU, in place, with the CPU reference's maths
// (gaussian_line.cuh; lib/ops/cpu/separable_gaussian.hpp): sigma in voxels per axis, 0 = none
// along that axis; passes along i, then j, then k, each rounded to float. Device pointers;
// all work on cudaStreamPerThread.
#pragma once
#include "core/grid.hpp"

namespace ffdp::cuda {

// `field`: 3 interleaved floats per voxel of `grid` (a displacement field or its gradient). On a
// slab buffer only the own slices come out right (its halo is refreshed afterwards).
void smoothField(float* field, const Grid& grid, const Vec3& sigmaVoxels);
// `image`: one float per voxel of `grid` (pyramid pre-smoothing).
void smoothImage(float* image, const Grid& grid, const Vec3& sigmaVoxels);
// smoothField with the kernel choice forced, for benchmarks and tests (the results agree within
// the smoothing bound; 2 and 4 give the same bits): rowsPerThread 2 or 4 = that many j outputs
// per thread in the fused j-k pass, 0 = the default, -1 = the older one-pass-per-axis kernels.
void smoothFieldTuned(float* field, const Grid& grid, const Vec3& sigmaVoxels, int rowsPerThread);

}  // namespace ffdp::cuda
