#include "reg/greedy_level_support.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.hpp"
#include "dist/slab_volume.hpp"

namespace ffdp {

MetricSettings fieldMetricSettings(const MetricSpec& m) {
  MetricSettings s;
  s.kind = m.kind;
  s.radius = m.radius;
  s.bins = m.bins;
  s.samplingFraction = m.samplingFraction;
  return s;
}

FieldStepSettings fieldStepSettings(const StageSpec& stage, const Grid& levelGrid, const Grid& fieldGrid) {
  FieldStepSettings s;
  s.stepMm = stage.step * *std::min_element(levelGrid.spacing.begin(), levelGrid.spacing.end());
  for (size_t a = 0; a < 3; ++a) {
    const double levelVoxelsPerFieldVoxel = levelGrid.spacing[a] / fieldGrid.spacing[a];  // 1 on the level grid
    s.gradientSigma[a] = stage.gradientSigma * levelVoxelsPerFieldVoxel;
    s.warpSigma[a] = stage.warpSigma * levelVoxelsPerFieldVoxel;
  }
  return s;
}

Grid fieldGridFor(const StageSpec& stage, const Grid& fixedGrid, const Grid& levelGrid,
                  const std::array<int, 3>& levelShrink, int ranks, int rank) {
  if (stage.fieldShrink <= 1) return levelGrid;
  const std::array<int, 3> fieldShrink = axisShrink(wholeGridOf(fixedGrid), stage.fieldShrink);
  std::array<int, 3> shrink = levelShrink;
  bool coarser = false;
  for (size_t a = 0; a < 3; ++a)
    if (fieldShrink[a] > shrink[a]) {
      shrink[a] = fieldShrink[a];
      coarser = true;
    }
  return coarser ? shrunkGrid(fixedGrid, shrink, ranks, rank) : levelGrid;
}

LevelReport startLevelReport(const DeformableLevelInputs& in) {
  LevelReport r;
  r.level = in.label.level;
  r.shrink = in.images->fixedShrink;
  r.sigmaVoxels = *std::max_element(in.images->fixedSigmaVoxels.begin(), in.images->fixedSigmaVoxels.end());
  r.size = wholeGridOf(in.images->fixed->grid).size;  // a rank's slab is not the level's extent
  r.maxIterations = in.maxIterations;
  r.firstMetric = r.lastMetric = std::numeric_limits<double>::quiet_NaN();
  return r;
}

LevelReport finishLevelReport(LevelReport report, int iterations, const DeformableLevelInputs& in,
                              ProgressLog& progress) {
  report.iterations = iterations;
  report.seconds = in.buildSeconds + progress.elapsed();
  progress.finished(report);
  return report;
}

FieldMetricGuard::FieldMetricGuard(const DeformableLevelInputs& in, Comm& comm) : label_(in.label) {
  const PyramidLevel& images = *in.images;
  int64_t eligible = wholeGridOf(images.fixed->grid).voxels();
  if (images.fixedMask) eligible = countNonZero(comm, *images.fixedMask);
  const double fraction = std::min(1.0, std::max(0.0, in.stage->metric.samplingFraction));
  minValid_ = std::max(1.0, std::ceil(0.01 * double(eligible) * fraction));
}

void FieldMetricGuard::check(const FieldMetricEval& eval, int iteration) const {
  const std::string where = "stage " + std::to_string(label_.stage) + " level " + std::to_string(label_.level);
  if (double(eval.validVoxels) < minValid_)
    fail(ExitCode::Internal, where + ": images do not overlap after iteration " + std::to_string(iteration) + " (" +
                                 std::to_string(eval.validVoxels) +
                                 " fixed voxels map inside the moving image); check the linear stages");
  if (!std::isfinite(eval.value))
    fail(ExitCode::Internal, where + ": metric is not a number at iteration " + std::to_string(iteration) +
                                 "; check the images for NaN/Inf voxels");
}

}  // namespace ffdp
