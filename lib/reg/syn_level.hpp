// One pyramid level of the SyN stage: two half fields on the level's fixed grid meet at a midpoint.
// For x in the midpoint space, the fixed image is sampled at x + uF(x) and the moving one at
// A(x + uM(x)); each half is a greedy update against the other image warped by its own half:
//   uM from fieldMetric(fixed(x + uF(x)), moving, A, uM),
//   uF from fieldMetric(moving(A(x + uM(x))), fixed, identity, uF).
// Masks: the fixed mask is used on the fixed grid as it is (not warped by uF), the moving mask only
// for uM's metric (an approximation near the mask borders, which move by half the deformation).
#pragma once
#include "reg/field_optimizer.hpp"
#include "reg/greedy_level_support.hpp"

namespace ffdp {

// The fields and optimisers are on the level's fixed grid on entry and are updated in place. The
// metric in the report and the convergence window is the midpoint metric (uM's).
LevelReport optimiseSynLevel(const DeformableLevelInputs& in, Field& movingHalf, Field& fixedHalf,
                             FieldOptimizer& movingOptimizer, FieldOptimizer& fixedOptimizer, Backend& backend,
                             Comm& comm);

}  // namespace ffdp
