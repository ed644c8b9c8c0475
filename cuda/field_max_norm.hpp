// Largest |u(x)| over a field on the GPU (lib/ops/cpu/field_reduce.cpp): a deterministic
// reduction; NaN when any component is NaN, so the engine's numerical checks see a corrupt field.
// `u` holds 3 interleaved floats per voxel (device memory); the result comes back to the host.
#pragma once
#include <cstdint>

namespace ffdp::cuda {

double maxNorm(const float* u, int64_t voxels);

}  // namespace ffdp::cuda
