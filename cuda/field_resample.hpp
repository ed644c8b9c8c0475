// A field moved onto another grid over the same region on the GPU (lib/ops/cpu/field_resample.cpp):
// each target voxel centre goes through physical space to a continuous index of the source field,
// sampled trilinearly with edge clamping; the vectors are millimetres, copied, not rescaled.
// u: 3 floats per voxel of `from`; out: 3 floats per voxel of `target`. Device pointers.
#pragma once
#include "core/grid.hpp"

namespace ffdp::cuda {

void resampleField(const float* u, const Grid& from, const Grid& target, float* out);

}  // namespace ffdp::cuda
