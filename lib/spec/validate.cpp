// validate(): the checks that make a Spec runnable, each failing with the JSON path of the key
// (the same path a user would edit in a spec file), and the enum names used by the JSON schema.
#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "spec/spec.hpp"
#include "spec/text_util.hpp"

namespace ffdp {
namespace {

using spec_detail::formatNumber;

[[noreturn]] void reject(const std::string& key, const std::string& message) {
  fail(ExitCode::Usage, key + ": " + message);
}

// `!(x > bound)` rather than `x <= bound` so that NaN is rejected too.
void requireAbove(const std::string& key, double value, double bound) {
  if (!(value > bound)) reject(key, "must be > " + formatNumber(bound) + " (got " + formatNumber(value) + ")");
}
void requireAtLeast(const std::string& key, double value, double bound) {
  if (!(value >= bound) || std::isinf(value))
    reject(key, "must be >= " + formatNumber(bound) + " (got " + formatNumber(value) + ")");
}
void requireInRange(const std::string& key, double value, double low, double high) {
  if (!(value >= low && value <= high))
    reject(key, "must be in [" + formatNumber(low) + ", " + formatNumber(high) + "] (got " +
                    formatNumber(value) + ")");
}

void validateMetric(const MetricSpec& metric, const std::string& key) {
  requireAbove(key + ".weight", metric.weight, 0.0);
  if (std::isinf(metric.weight)) reject(key + ".weight", "must be finite");
  // Only the parameter the chosen metric uses is checked: a leftover "bins" on a CC metric is inert.
  if (metric.kind == MetricKind::CC) requireInRange(key + ".radius", metric.radius, 1, 20);
  if (metric.kind == MetricKind::MI) requireInRange(key + ".bins", metric.bins, 4, 256);
  if (!(metric.samplingFraction > 0.0 && metric.samplingFraction <= 1.0))
    reject(key + ".samplingFraction",
           "must be in (0, 1] (got " + formatNumber(metric.samplingFraction) + "; 1 = every voxel)");
}

template <class T>
void requireSameLevelCount(const std::string& stageKey, const std::vector<T>& list, const char* name,
                           size_t levels) {
  if (list.size() != levels)
    reject(stageKey + ".levels." + name,
           std::to_string(list.size()) + " levels but levels.iterations has " + std::to_string(levels));
}

void validateLevels(const StageSpec& stage, const std::string& stageKey) {
  const std::string levelsKey = stageKey + ".levels";
  if (stage.iterations.empty()) reject(levelsKey + ".iterations", "needs at least one level");
  for (size_t l = 0; l < stage.iterations.size(); ++l)
    requireAtLeast(levelsKey + ".iterations[" + std::to_string(l) + "]", stage.iterations[l], 0);
  for (size_t l = 0; l < stage.shrinkFactors.size(); ++l)
    requireAtLeast(levelsKey + ".shrinkFactors[" + std::to_string(l) + "]", stage.shrinkFactors[l], 1);
  for (size_t l = 0; l < stage.smoothingSigmas.size(); ++l)
    requireAtLeast(levelsKey + ".smoothingSigmas[" + std::to_string(l) + "]", stage.smoothingSigmas[l], 0.0);
  // Increasing shrink factors (fine to coarse) are unusual but ANTs accepts them, so do we.
  requireSameLevelCount(stageKey, stage.shrinkFactors, "shrinkFactors", stage.iterations.size());
  requireSameLevelCount(stageKey, stage.smoothingSigmas, "smoothingSigmas", stage.iterations.size());
}

void validateStage(const StageSpec& stage, const std::string& key) {
  requireAbove(key + ".step", stage.step, 0.0);
  if (std::isinf(stage.step)) reject(key + ".step", "must be finite");
  validateMetric(stage.metric, key + ".metric");
  validateLevels(stage, key);
  requireAtLeast(key + ".convergence.threshold", stage.convergenceThreshold, 0.0);
  requireAtLeast(key + ".convergence.window", stage.convergenceWindow, 1);
  if (isDeformable(stage.transform)) {
    requireAtLeast(key + ".gradientSigma", stage.gradientSigma, 0.0);
    requireAtLeast(key + ".warpSigma", stage.warpSigma, 0.0);
    requireAtLeast(key + ".fieldShrink", stage.fieldShrink, 1);
    if (stage.transform == TransformKind::SyN && stage.fieldShrink != 1)
      reject(key + ".fieldShrink", "applies to greedy stages only (SyN keeps its fields on the level grid)");
  }
}

// The deformable stage works on the fixed grid after the affine is final: it must come last, once.
void validateStageOrder(const std::vector<StageSpec>& stages) {
  for (size_t s = 0; s < stages.size(); ++s)
    if (isDeformable(stages[s].transform) && s + 1 != stages.size())
      reject("stages[" + std::to_string(s) + "].transform",
             std::string("'") + toString(stages[s].transform) +
                 "' must be the last stage (one deformable stage, after the rigid/affine ones)");
}

void validateInitial(const InitialTransform& initial) {
  if (initial.kind == InitKind::File) {
    if (initial.file.empty()) reject("initialTransform.file", "missing (initialTransform.kind is 'file')");
    return;
  }
  // A file or invert flag next to another kind would be silently ignored: say so instead.
  if (!initial.file.empty())
    reject("initialTransform.file", std::string("given but initialTransform.kind is '") +
                                        toString(initial.kind) + "' (use kind 'file')");
  if (initial.invert)
    reject("initialTransform.invert", std::string("only applies to kind 'file' (kind is '") +
                                          toString(initial.kind) + "')");
}

}  // namespace

void validate(const Spec& spec) {
  if (spec.fixed.empty()) reject("fixed", "missing (give --fixed or a metric)");
  if (spec.moving.empty()) reject("moving", "missing (give --moving or a metric)");
  if (spec.outputPrefix.empty()) reject("output.prefix", "missing (give -o/--output)");
  validateInitial(spec.initial);
  if (spec.stages.empty()) reject("stages", "at least one stage is required (give --transform or a spec file)");
  for (size_t s = 0; s < spec.stages.size(); ++s) validateStage(spec.stages[s], "stages[" + std::to_string(s) + "]");
  validateStageOrder(spec.stages);
  requireAtLeast("verbose", spec.verbose, 0);
  requireAtLeast("threads", spec.threads, 0);
}

// These names are the JSON schema's enum values (docs/spec.md); spec_json parses by them.
const char* toString(TransformKind k) {
  switch (k) {
    case TransformKind::Rigid: return "rigid";
    case TransformKind::Affine: return "affine";
    case TransformKind::Greedy: return "greedy";
    case TransformKind::SyN: return "syn";
  }
  return "?";
}

const char* toString(MetricKind k) {
  switch (k) {
    case MetricKind::MeanSquares: return "MeanSquares";
    case MetricKind::CC: return "CC";
    case MetricKind::MI: return "MI";
  }
  return "?";
}

const char* toString(InitKind k) {
  switch (k) {
    case InitKind::Identity: return "identity";
    case InitKind::GeometricCentre: return "geometricCentre";
    case InitKind::CentreOfMass: return "centreOfMass";
    case InitKind::Origin: return "origin";
    case InitKind::File: return "file";
  }
  return "?";
}

const char* toString(SigmaUnit u) {
  switch (u) {
    case SigmaUnit::Voxels: return "vox";
    case SigmaUnit::Millimetres: return "mm";
  }
  return "?";
}

}  // namespace ffdp
