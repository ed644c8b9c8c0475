// One pyramid level of a linear (rigid or affine) stage: quasi-Newton steps (DescentOptimizer) with
// a backtracking line search on the backend's metric, until the convergence window, a line search
// that finds no decrease (the optimum) or the iteration limit stops it.
#pragma once
#include "reg/descent_optimizer.hpp"
#include "reg/progress_log.hpp"
#include "reg/pyramid.hpp"
#include "reg/registration.hpp"

namespace ffdp {

// Optimises `transform` in place on this level's images, with the stage's optimiser (restarted at
// every level). The report's time is buildSeconds (the
// pyramid level's) plus the optimisation. Throws Error(Internal) on a NaN metric or lost overlap.
LevelReport optimiseLevel(const LevelLabel& label, const StageSpec& stage, int maxIterations,
                          const PyramidLevel& images, double buildSeconds, Affine& transform,
                          DescentOptimizer& optimizer, Backend& backend, Comm& comm);

}  // namespace ffdp
