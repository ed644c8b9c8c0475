// The transpose of a coarse field's interpolation on the GPU (lib/ops/cpu/field_coarse.cpp's
// restrictField): a gradient on the image grid taken to the field's coarser grid, each field voxel
// gathering its readers with CoarseFieldMap::restrictAt (the CPU's weights and order, no atomics).
// imageGradient: 3 floats per image voxel; fieldOut: 3 floats per field voxel. Device pointers.
#pragma once
#include "ops/coarse_field_map.hpp"

namespace ffdp::cuda {

void restrictField(const float* imageGradient, const CoarseFieldMap& map, float* fieldOut);

}  // namespace ffdp::cuda
