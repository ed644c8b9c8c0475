// One pyramid level of the greedy diffeomorphic stage: T(x) = A(x + u(x)) with A fixed, u on the
// level's fixed grid, updated by FieldOptimizer until the convergence window or the iteration limit.
#pragma once
#include "reg/field_optimizer.hpp"
#include "reg/greedy_level_support.hpp"

namespace ffdp {

// `u` and `optimizer` are on the level's fixed grid on entry and are updated in place. As in the
// linear levels, every iteration evaluates the metric and its gradient once, then steps (so when the
// iteration limit ends a level, u has taken one step after the last evaluated metric).
LevelReport optimiseGreedyLevel(const DeformableLevelInputs& in, Field& u, FieldOptimizer& optimizer,
                                Backend& backend, Comm& comm);

}  // namespace ffdp
