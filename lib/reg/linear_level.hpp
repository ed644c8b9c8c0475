// One pyramid level of a linear (rigid or affine) stage: regular-step gradient descent on the
// backend's metric until the convergence window, the minimum step or the iteration limit stops it.
#pragma once
#include "reg/descent_optimizer.hpp"
#include "reg/progress_log.hpp"
#include "reg/pyramid.hpp"
#include "reg/registration.hpp"

namespace ffdp {

// Optimises `transform` in place on this level's images, with the stage's optimiser (its statistics
// carry over between levels). The report's time is buildSeconds (the
// pyramid level's) plus the optimisation. Throws Error(Internal) on a NaN metric or lost overlap.
LevelReport optimiseLevel(const LevelLabel& label, const StageSpec& stage, int maxIterations,
                          const PyramidLevel& images, double buildSeconds, Affine& transform,
                          DescentOptimizer& optimizer, Backend& backend, Comm& comm);

}  // namespace ffdp
