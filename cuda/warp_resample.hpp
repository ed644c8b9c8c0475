// Output resampling of a moving image on the GPU (lib/ops/cpu/resample_warp.cpp and
// resample_affine.cpp): warped(x) = moving(A(x + u(x))) on u's grid, or moving(A(x)) on a grid;
// Linear, NearestNeighbor or Label interpolation, `outside` beyond the moving image
// (warp_resample_point.cuh). Device pointers: moving has one float per voxel of movingGrid, u
// three interleaved floats per voxel of `grid`, out one float per voxel of `grid`.
#pragma once
#include "core/affine.hpp"
#include "core/grid.hpp"
#include "ops/backend.hpp"

namespace ffdp::cuda {

void resampleWarp(const float* moving, const Grid& movingGrid, const Affine& A, const float* u, const Grid& grid,
                  Interpolation interp, float outside, float* out);
void resampleAffine(const float* moving, const Grid& movingGrid, const Grid& grid, const Affine& A,
                    Interpolation interp, float outside, float* out);

}  // namespace ffdp::cuda
