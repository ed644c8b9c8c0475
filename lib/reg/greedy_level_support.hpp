// What the greedy and SyN levels share: the level's settings (metric, step in mm, sigmas), the
// report's fixed part, and the checks that turn a broken metric into a user-facing error.
#pragma once
#include "ops/backend.hpp"
#include "reg/field_optimizer.hpp"
#include "reg/progress_log.hpp"
#include "reg/pyramid.hpp"
#include "reg/registration.hpp"

namespace ffdp {

// Everything a deformable level needs besides its fields and optimisers.
struct DeformableLevelInputs {
  LevelLabel label;
  const StageSpec* stage = nullptr;
  int maxIterations = 0;
  const PyramidLevel* images = nullptr;
  double buildSeconds = 0;
  Affine affine;  // the linear stages' result, fixed -> moving
};

MetricSettings fieldMetricSettings(const MetricSpec& metric);

// `step` voxels of the level grid's smallest spacing; the spec's sigmas are in voxels of the level grid
// and come out in voxels of the field's grid (the same physical width when a fieldShrink makes it coarser).
FieldStepSettings fieldStepSettings(const StageSpec& stage, const Grid& levelGrid, const Grid& fieldGrid);

// The grid a stage's field lives on at a level whose images lie on `levelGrid` (shrunk by `levelShrink`
// per axis from the full-resolution fixed grid `fixedGrid`): the level grid, unless the stage's
// fieldShrink keeps the field coarser (then the fixed grid shrunk by the larger factor per axis, laid
// out in slabs like every level when `fixedGrid` is a slab of `ranks`).
Grid fieldGridFor(const StageSpec& stage, const Grid& fixedGrid, const Grid& levelGrid,
                  const std::array<int, 3>& levelShrink, int ranks = 1, int rank = 0);

// The level's report before it runs (metrics NaN until evaluated).
LevelReport startLevelReport(const DeformableLevelInputs& in);
// The level's report after `iterations` metric evaluations (time includes building the level), logged.
LevelReport finishLevelReport(LevelReport report, int iterations, const DeformableLevelInputs& in,
                              ProgressLog& progress);

// Stops the run when the images no longer overlap (fewer than 1% of the voxels that could count are
// valid) or the metric is not finite, naming the stage, level and iteration, as the linear levels do.
class FieldMetricGuard {
 public:
  FieldMetricGuard(const DeformableLevelInputs& in, Comm& comm);
  void check(const FieldMetricEval& eval, int iteration) const;

 private:
  LevelLabel label_;
  double minValid_ = 1;
};

}  // namespace ffdp
