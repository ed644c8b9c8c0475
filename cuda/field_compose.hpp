// Composition of displacement fields on the GPU (lib/ops/cpu/field_compose.cpp,
// field_adam.cpp): r(x) = g(x) + u(x + g(x)), "first x + g, then x + u", u sampled
// trilinearly with edge values beyond its outer voxel centres. All fields share `grid` (3
// interleaved floats per voxel, device memory); the output must not alias u (read at other voxels).
#pragma once
#include "core/grid.hpp"
#include "owned_voxels.hpp"

namespace ffdp::cuda {

void composeFields(const float* u, const float* g, float* r, const Grid& grid);

// The optimiser's fused step (Backend::composeAdamStep): out = composeFields(u, float(s) d) with
// the Adam direction d = (m / c1) / (sqrt(v / c2) + epsilon) recomputed per voxel, never stored.
// Only the voxels of `only` are computed (the rest of out is left as it was): the own slices of a slab,
// whose halo is refreshed afterwards (owned_voxels.hpp).
void composeAdamStep(const float* u, const float* m, const float* v, double c1, double c2, double epsilon, double s,
                     float* out, const Grid& grid, OwnedVoxels only);

}  // namespace ffdp::cuda
