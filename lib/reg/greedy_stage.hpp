// A deformable stage (Greedy or SyN) over its pyramid levels, after the linear stages: the affine A
// stays fixed and the stage finds a displacement field u on the fixed grid, T(x) = A(x + u(x)), and
// its inverse. Fields and optimiser state start at zero on the first level's grid and are resampled
// up to each next level (Backend::resampleField); after the last level they are brought onto the
// full-resolution fixed grid and inverted there.
#pragma once
#include "reg/pyramid.hpp"
#include "reg/registration.hpp"

namespace ffdp {

struct DeformableFields {
  Field forward;  // u: x -> x + u(x) then A, on the fixed grid
  Field inverse;  // v: x + v(x) inverts x + u(x), on the fixed grid
};

// Fixed-point iterations of Backend::invertField for the final inverse, and its tolerance in voxels of
// the fixed grid's smallest spacing. Measured on a brain warp (1000 -> 1001, brain-greedy.json): the
// mean inverse-consistency error is 0.020 voxel after 10 iterations and 0.019 after 20 or 40; the
// maximum (a few voxels where the field compresses strongly, det ~ 0.07) does not improve with
// more, because the fixed-point map does not contract there. So 20 iterations, the tolerance
// ending them early on gentle fields.
constexpr int kInverseIterations = 20;
constexpr double kInverseToleranceVoxels = 1e-3;

StageReport runDeformableStage(const StageSpec& stage, int stageIndex, int stageCount, Pyramid& pyramid,
                               const Grid& fixedGrid, const Affine& affine, DeformableFields& fields,
                               Backend& backend, Comm& comm);

}  // namespace ffdp
