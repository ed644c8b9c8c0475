// The inverse v of x + u on u's grid on the GPU (lib/ops/cpu/field_invert.cpp): the fixed-point
// iteration v <- -u(y + v) from v = -u, Jacobi sweeps in place (each voxel reads only its own
// previous iterate, as on the CPU, so no second field is held), stopping after `iterations` sweeps or once the largest change of a sweep is below
// `tolerance` mm (a deterministic max reduction, one host read per sweep). u and v: 3 interleaved
// floats per voxel of `grid`, device memory, not aliased. Then, as on the CPU, the voxels whose
// residual is above the tolerance are solved by Newton's method (ops/field_inverse_newton.hpp).
// Returns the number of sweeps made.
#pragma once
#include "core/grid.hpp"
#include "dist/comm.hpp"

namespace ffdp::cuda {

// On a rank's slab buffer only the own slices are computed (a voxel reads u alone; the halo of v is
// left stale for the caller to refresh), and their changes, combined across ranks, stop every rank
// at the same sweep (owned_voxels.hpp).
int invertField(const float* u, float* v, const Grid& grid, int iterations, double tolerance, Comm& comm);
// A whole field (throws Error(Internal) for a slab grid).
int invertField(const float* u, float* v, const Grid& grid, int iterations, double tolerance);

}  // namespace ffdp::cuda
