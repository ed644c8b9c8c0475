#include "reg/linear_level.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "reg/convergence_monitor.hpp"
#include "reg/linear_family.hpp"
#include "reg/descent_optimizer.hpp"
#include "reg/step_scaling.hpp"

namespace ffdp {

namespace {

MetricSettings metricSettings(const MetricSpec& m) {
  MetricSettings s;
  s.kind = m.kind;
  s.radius = m.radius;
  s.bins = m.bins;
  s.samplingFraction = m.samplingFraction;
  return s;
}

// Voxels that could count: the fixed mask's (or all), times the sampled share.
double eligibleVoxels(const PyramidLevel& images, double samplingFraction) {
  int64_t count = images.fixed->voxels();
  if (images.fixedMask) count = std::count_if(images.fixedMask->data.begin(), images.fixedMask->data.end(),
                                              [](uint8_t v) { return v != 0; });
  return double(count) * std::min(1.0, std::max(0.0, samplingFraction));
}

std::string where(const LevelLabel& label) {
  return "stage " + std::to_string(label.stage) + " level " + std::to_string(label.level);
}

bool allFinite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

}  // namespace

LevelReport optimiseLevel(const LevelLabel& label, const StageSpec& stage, int maxIterations,
                          const PyramidLevel& images, double buildSeconds, Affine& transform,
                          DescentOptimizer& optimizer, Backend& backend, Comm& comm) {
  const Grid& grid = images.fixed->grid;
  LevelReport report;
  report.level = label.level;
  report.shrink = images.fixedShrink;
  report.sigmaVoxels = *std::max_element(images.fixedSigmaVoxels.begin(), images.fixedSigmaVoxels.end());
  report.size = grid.size;
  report.maxIterations = maxIterations;
  report.firstMetric = report.lastMetric = std::numeric_limits<double>::quiet_NaN();

  const Corners corners = domainCorners(grid);
  const double minSpacing = *std::min_element(grid.spacing.begin(), grid.spacing.end());
  const MetricSettings metric = metricSettings(stage.metric);
  // Below 1% of the voxels that could count, the images have slid apart and the metric means nothing.
  const double minValid = std::max(1.0, std::ceil(0.01 * eligibleVoxels(images, metric.samplingFraction)));

  LinearFamily family(stage.transform, transform);
  // Scales once per level, as ANTs estimates them once per level.
  const std::vector<double> scales = family.shiftScales(corners);
  ConvergenceMonitor monitor(stage.convergenceWindow, stage.convergenceThreshold);
  optimizer.startLevel(stage.step * minSpacing);
  ProgressLog progress(levelTitle(label, report.shrink, report.size), maxIterations, comm.rank() == 0);

  for (int iter = 0; iter < maxIterations; ++iter) {
    const AffineMetricEval eval = backend.affineMetric(*images.fixed, *images.moving, images.fixedMask.get(),
                                                       images.movingMask.get(), family.current(), metric, true);
    report.iterations = iter + 1;
    if (double(eval.validVoxels) < minValid)
      fail(ExitCode::Internal, where(label) + ": images do not overlap after iteration " + std::to_string(iter) +
                                   " (" + std::to_string(eval.validVoxels) +
                                   " fixed voxels map inside the moving image); check the initial transform");
    const std::vector<double> gradient = family.gradient(eval.gradient);
    if (!std::isfinite(eval.value) || !allFinite(gradient))
      fail(ExitCode::Internal, where(label) + ": metric is not a number at iteration " + std::to_string(iter) +
                                   " (value " + std::to_string(eval.value) +
                                   "); check the images for NaN/Inf voxels or an empty overlap");
    if (iter == 0) report.firstMetric = eval.value;
    report.lastMetric = eval.value;

    if (monitor.add(eval.value)) {
      progress.iteration(iter + 1, eval.value, 0.0);
      report.converged = true;
      break;
    }
    const std::vector<double> step = optimizer.stepFrom(family, gradient, scales, corners);
    progress.iteration(iter + 1, eval.value, optimizer.lastDisplacement() / minSpacing);
    if (optimizer.exhausted() || step.empty()) {  // no step left that could improve the metric
      report.converged = true;
      break;
    }
    family.apply(step);
  }
  transform = family.current();
  report.seconds = buildSeconds + progress.elapsed();
  progress.finished(report);
  return report;
}

}  // namespace ffdp
