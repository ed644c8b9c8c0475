// det(I + du/dx) per voxel on the GPU (lib/ops/cpu/field_jacobian.cpp; field_jacobian_voxel.cuh).
// u: 3 interleaved floats per voxel of `grid`; det: one float per voxel. Device pointers.
#pragma once
#include "core/grid.hpp"

namespace ffdp::cuda {

void jacobianDeterminant(const float* u, const Grid& grid, float* det);

}  // namespace ffdp::cuda
