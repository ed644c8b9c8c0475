// Intensity-weighted centre of mass in physical space on the GPU (lib/ops/cpu/centre_of_mass.cpp):
// negative (and NaN) intensities count as zero; a deterministic reduction (fixed block partials,
// fixed-order finish), so it repeats bit for bit. `image`: one float per voxel of `grid`, device
// memory. On a rank's slab buffer only its own slices count and the ranks are combined (each
// rank's sums made physical with its own grid first); a whole image is not combined
// (owned_voxels.hpp). Throws ffdp::Error(Input) when no voxel is positive.
#pragma once
#include "core/grid.hpp"
#include "dist/comm.hpp"

namespace ffdp::cuda {

Vec3 centreOfMass(const float* image, const Grid& grid, Comm& comm);
// A whole image (throws Error(Internal) for a slab grid, which needs the Comm).
Vec3 centreOfMass(const float* image, const Grid& grid);

}  // namespace ffdp::cuda
