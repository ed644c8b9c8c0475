// The deformable optimiser's Adam update on the GPU, with the CPU reference's float rounding
// (lib/ops/cpu/field_adam.cpp; ops/backend.hpp). The Backend's three fused passes are
// adamMoments (returns max |v|), adamDirectionMaxNorm (d not stored) and composeAdamStep
// (field_compose.hpp); adamDirection and scaleField store their result, for callers that want d.
// Fields: 3 interleaved floats per voxel in device memory, `voxels` voxels each, all on one grid.
// Maxima follow maxNorm's rules (field_max_norm.hpp): deterministic, NaN when any value is NaN.
#pragma once
#include <cstdint>

namespace ffdp::cuda {

// m <- beta1 m + (1 - beta1) s g, v <- beta2 v + (1 - beta2) (s g)², s = gScale; returns max |v(x)|
// (0 for no voxels). On a slab the backend passes the own slices alone (owned_voxels.hpp).
double adamMoments(float* m, float* v, const float* g, int64_t voxels, double gScale, double beta1, double beta2);
// The largest |d(x)| of d = (m / c1) / (sqrt(v / c2) + epsilon), d computed per voxel, not stored.
double adamDirectionMaxNorm(const float* m, const float* v, int64_t voxels, double c1, double c2, double epsilon);
// d as above, stored (d may not alias m or v).
void adamDirection(const float* m, const float* v, int64_t voxels, double c1, double c2, double epsilon, float* d);
// u <- a u.
void scaleField(float* u, int64_t voxels, double a);

}  // namespace ffdp::cuda
