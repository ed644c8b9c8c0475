#include "reg/greedy_level.hpp"

#include "reg/convergence_monitor.hpp"

namespace ffdp {

LevelReport optimiseGreedyLevel(const DeformableLevelInputs& in, Field& u, FieldOptimizer& optimizer,
                                Backend& backend, Comm& comm) {
  const PyramidLevel& images = *in.images;
  const StageSpec& stage = *in.stage;
  const Grid& grid = images.fixed->grid;
  LevelReport report = startLevelReport(in);
  const MetricSettings metric = fieldMetricSettings(stage.metric);
  const FieldStepSettings settings = fieldStepSettings(stage, grid, u.grid);
  const double voxelMm = settings.stepMm / stage.step;
  const FieldMetricGuard guard(in, comm);
  ConvergenceMonitor monitor(stage.convergenceWindow, stage.convergenceThreshold);
  ProgressLog progress(levelTitle(in.label, report.shrink, report.size), in.maxIterations, comm.rank() == 0);

  // The gradient on the field's grid; under a fieldShrink the metric gives it per image voxel first.
  const bool coarse = !u.grid.sameAs(grid);
  Field gradient = backend.zeroField(u.grid);
  Field imageGradient = coarse ? backend.zeroField(grid) : Field();
  int evaluations = 0;
  while (evaluations < in.maxIterations) {
    const FieldMetricEval eval = backend.fieldMetric(*images.fixed, *images.moving, images.fixedMask.get(),
                                                     images.movingMask.get(), in.affine, u, metric,
                                                     coarse ? &imageGradient : &gradient);
    if (coarse) gradient = backend.restrictField(imageGradient, u.grid);
    ++evaluations;
    guard.check(eval, evaluations - 1);
    if (evaluations == 1) report.firstMetric = eval.value;
    report.lastMetric = eval.value;
    if (monitor.add(eval.value)) {
      report.converged = true;
      break;
    }
    // The metric is a mean over the valid voxels, so its per-voxel gradient shrinks as 1/N from level to
    // level; times N it is the gradient of the sum, on the same scale at every level, which keeps the
    // Adam moments carried up the pyramid comparable with the new level's gradients.
    const double moved = optimizer.update(u, gradient, double(eval.validVoxels), settings, backend);
    progress.iteration(evaluations, eval.value, moved / voxelMm);
    if (moved == 0) {  // a zero gradient everywhere: nothing left to do at this level
      report.converged = true;
      break;
    }
  }
  return finishLevelReport(report, evaluations, in, progress);
}

}  // namespace ffdp
