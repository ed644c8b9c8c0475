#include "spec/ants_flags.hpp"

#include <cmath>
#include <optional>
#include <utility>

#include "core/error.hpp"
#include "spec/flag_syntax.hpp"
#include "spec/text_util.hpp"

namespace ffdp {
namespace {

using namespace spec_detail;

const char* const kTransformFlag = "--transform";
const char* const kMetricFlag = "--metric";
const char* const kConvergenceFlag = "--convergence";
const char* const kShrinkFlag = "--shrink-factors";
const char* const kSmoothingFlag = "--smoothing-sigmas";
const char* const kOutputFlag = "--output";
const char* const kInitialFlag = "--initial-moving-transform";
const char* const kMasksFlag = "--masks";

// An optional numeric argument of a --transform call: `fallback` when absent or empty.
double optionalArgument(const FlagCall& call, size_t index, const std::string& value, const char* what,
                        double fallback) {
  if (index >= call.args.size() || call.args[index].empty()) return fallback;
  return parseDouble(kTransformFlag, value, what, call.args[index]);
}

// A variance in voxels^2 (ANTs' SyN numbers) as the Gaussian sigma in voxels the engine uses.
double sigmaOfVariance(const std::string& value, const char* what, double variance) {
  if (!(variance >= 0.0))
    failFlag(kTransformFlag, value, std::string(what) + " must be >= 0 (a variance in voxels^2)");
  return std::sqrt(variance);
}

// Rigid[0.1] / Affine[0.1] / Rigid: the gradient step, default 0.1 as in ANTs.
// Greedy[step,gradientSigma,warpSigma]: ours, sigmas in voxels; defaults 0.25, 1, 0.5.
// SyN[step,updateVariance,totalVariance]: ANTs' grammar, variances in voxels^2; defaults as ANTs'
// (0.1, 3, 0); sigma = sqrt(variance).
void applyTransform(const std::string& value, StageSpec& stage) {
  const FlagCall call = splitFlagCall(kTransformFlag, value);
  if (equalsIgnoreCase(call.name, "Rigid") || equalsIgnoreCase(call.name, "Affine")) {
    stage.transform = equalsIgnoreCase(call.name, "Rigid") ? TransformKind::Rigid : TransformKind::Affine;
    if (call.args.size() > 1) failFlag(kTransformFlag, value, "expects one argument, the gradient step");
    stage.step = optionalArgument(call, 0, value, "gradient step", 0.1);
  } else if (equalsIgnoreCase(call.name, "Greedy")) {
    stage.transform = TransformKind::Greedy;
    if (call.args.size() > 3)
      failFlag(kTransformFlag, value, "expects at most three arguments: [step,gradientSigma,warpSigma]");
    stage.step = optionalArgument(call, 0, value, "step", 0.25);
    stage.gradientSigma = optionalArgument(call, 1, value, "gradient sigma", 1.0);
    stage.warpSigma = optionalArgument(call, 2, value, "warp sigma", 0.5);
  } else if (equalsIgnoreCase(call.name, "SyN")) {
    stage.transform = TransformKind::SyN;
    if (call.args.size() > 3)
      failFlag(kTransformFlag, value,
               "expects at most three arguments: [step,updateFieldVariance,totalFieldVariance]");
    stage.step = optionalArgument(call, 0, value, "gradient step", 0.1);
    stage.gradientSigma =
        sigmaOfVariance(value, "update field variance", optionalArgument(call, 1, value, "update field variance", 3.0));
    stage.warpSigma =
        sigmaOfVariance(value, "total field variance", optionalArgument(call, 2, value, "total field variance", 0.0));
  } else {
    failFlag(kTransformFlag, value, "'" + call.name + "' is not supported (expected Rigid, Affine, Greedy or SyN)");
  }
}

MetricKind metricKindOf(const std::string& name, const std::string& value) {
  if (equalsIgnoreCase(name, "MeanSquares") || equalsIgnoreCase(name, "MSQ")) return MetricKind::MeanSquares;
  if (equalsIgnoreCase(name, "CC")) return MetricKind::CC;
  if (equalsIgnoreCase(name, "MI") || equalsIgnoreCase(name, "Mattes")) return MetricKind::MI;
  failFlag(kMetricFlag, value, "'" + name + "' is not supported (expected MeanSquares, MSQ, CC, MI or Mattes)");
}

bool isSamplingStrategy(const std::string& text) {
  return equalsIgnoreCase(text, "None") || equalsIgnoreCase(text, "Regular") || equalsIgnoreCase(text, "Random");
}

// ",samplingStrategy,samplingPercentage" after the metric's own arguments. Regular and Random
// both become a fixed subset of the given fraction (the engine draws one kind of subset).
double samplingFractionOf(const std::vector<std::string>& args, size_t first, const std::string& value) {
  if (first >= args.size() || args[first].empty()) return 1.0;
  const std::string& strategy = args[first];
  if (!isSamplingStrategy(strategy))
    failFlag(kMetricFlag, value, "sampling strategy '" + strategy + "' is not None, Regular or Random");
  const bool hasPercentage = first + 1 < args.size() && !args[first + 1].empty();
  if (equalsIgnoreCase(strategy, "None") || !hasPercentage) return 1.0;
  const double fraction = parseDouble(kMetricFlag, value, "sampling percentage", args[first + 1]);
  if (!(fraction > 0.0 && fraction <= 1.0))
    failFlag(kMetricFlag, value,
             "sampling percentage must be in (0, 1] (got " + args[first + 1] + "; a fraction: 0.25 means 25%)");
  return fraction;
}

// ANTs accepts a trailing useGradientFilter argument; only its "off" value means the same here.
void checkGradientFilter(const std::vector<std::string>& args, size_t index, const std::string& value) {
  if (index >= args.size()) return;
  const std::string& text = args[index];
  if (!(text.empty() || text == "0" || equalsIgnoreCase(text, "false")))
    failFlag(kMetricFlag, value, "useGradientFilter '" + text + "' is not supported (only 0/false)");
  if (index + 1 < args.size()) failFlag(kMetricFlag, value, "too many arguments");
}

// MeanSquares[f,m,w,NA,strategy,pct], CC[f,m,w,radius,...], MI[f,m,w,bins,...]; returns the image pair.
std::pair<std::string, std::string> applyMetric(const std::string& value, MetricSpec& metric) {
  const FlagCall call = splitFlagCall(kMetricFlag, value);
  metric.kind = metricKindOf(call.name, value);
  const std::vector<std::string>& args = call.args;
  if (args.size() < 2 || args[0].empty() || args[1].empty())
    failFlag(kMetricFlag, value,
             "expects the fixed and moving images first, e.g. " + call.name + "[fixed,moving,1,32]");
  if (args.size() > 2 && !args[2].empty()) metric.weight = parseDouble(kMetricFlag, value, "weight", args[2]);

  size_t samplingIndex = 4;
  if (metric.kind == MetricKind::CC && args.size() > 3 && !args[3].empty()) {
    metric.radius = parseInt(kMetricFlag, value, "radius", args[3]);
  } else if (metric.kind == MetricKind::MI && args.size() > 3 && !args[3].empty()) {
    metric.bins = parseInt(kMetricFlag, value, "number of bins", args[3]);
  } else if (metric.kind == MetricKind::MeanSquares && args.size() > 3 && isSamplingStrategy(args[3])) {
    samplingIndex = 3;  // MeanSquares[f,m,w,Regular,0.25]: the radius placeholder left out
  }
  // MeanSquares' fourth argument is ANTs' unused "radius=NA" placeholder: accepted, ignored.
  metric.samplingFraction = samplingFractionOf(args, samplingIndex, value);
  checkGradientFilter(args, samplingIndex + 2, value);
  return {args[0], args[1]};
}

// [1000x500x250,1e-6,10] or 1000x500x250: iterations, optional threshold and window.
void applyConvergence(const std::string& value, StageSpec& stage) {
  const std::vector<std::string> args = bracketedList(kConvergenceFlag, value);
  if (args.empty() || args[0].empty()) failFlag(kConvergenceFlag, value, "missing the iterations, e.g. 1000x500x250");
  if (args.size() > 3) failFlag(kConvergenceFlag, value, "too many arguments (expected [iterations,threshold,window])");
  stage.iterations = parseIntList(kConvergenceFlag, value, "iterations", args[0]);
  if (args.size() > 1 && !args[1].empty())
    stage.convergenceThreshold = parseDouble(kConvergenceFlag, value, "convergence threshold", args[1]);
  if (args.size() > 2 && !args[2].empty())
    stage.convergenceWindow = parseInt(kConvergenceFlag, value, "convergence window", args[2]);
}

// 3x2x1x0vox, 3x2x1x0mm or 3x2x1x0 (voxels).
void applySmoothing(const std::string& value, StageSpec& stage) {
  std::string text = trim(value);
  const std::string lower = toLower(text);
  stage.sigmaUnit = SigmaUnit::Voxels;
  if (lower.size() >= 3 && lower.compare(lower.size() - 3, 3, "vox") == 0) {
    text.resize(text.size() - 3);
  } else if (lower.size() >= 2 && lower.compare(lower.size() - 2, 2, "mm") == 0) {
    text.resize(text.size() - 2);
    stage.sigmaUnit = SigmaUnit::Millimetres;
  }
  stage.smoothingSigmas = parseDoubleList(kSmoothingFlag, value, "smoothing sigmas", text);
}

template <class T>
void requirePerStage(const char* flag, const std::vector<T>& values, size_t stages) {
  if (values.size() == stages) return;
  if (stages == 0)
    fail(ExitCode::Usage, std::string(flag) + ": given without --transform (each --transform starts a stage)");
  const auto count = [](size_t n, const char* one, const char* many) {
    return std::to_string(n) + (n == 1 ? one : many);
  };
  fail(ExitCode::Usage, std::string(flag) + ": given " + count(values.size(), " time", " times") +
                            " but --transform gives " + count(stages, " stage", " stages") + " (one per stage)");
}

void applyStages(const AntsFlags& flags, Spec& spec) {
  const size_t count = flags.transforms.size();
  requirePerStage(kMetricFlag, flags.metrics, count);
  requirePerStage(kConvergenceFlag, flags.convergences, count);
  requirePerStage(kShrinkFlag, flags.shrinkFactors, count);
  requirePerStage(kSmoothingFlag, flags.smoothingSigmas, count);
  if (count == 0) return;

  std::vector<StageSpec> stages(count);
  std::optional<std::pair<std::string, std::string>> firstPair;
  for (size_t s = 0; s < count; ++s) {
    StageSpec& stage = stages[s];
    applyTransform(flags.transforms[s], stage);
    const auto pair = applyMetric(flags.metrics[s], stage.metric);
    if (firstPair && pair != *firstPair)
      failFlag(kMetricFlag, flags.metrics[s],
               "images (" + pair.first + ", " + pair.second + ") differ from the first stage's (" + firstPair->first +
                   ", " + firstPair->second + "); every stage must register the same pair");
    if (!firstPair) firstPair = pair;
    applyConvergence(flags.convergences[s], stage);
    stage.shrinkFactors = parseIntList(kShrinkFlag, flags.shrinkFactors[s], "shrink factors", flags.shrinkFactors[s]);
    applySmoothing(flags.smoothingSigmas[s], stage);
  }
  spec.stages = std::move(stages);
  spec.fixed = firstPair->first;
  spec.moving = firstPair->second;
}

// prefix or [prefix,warped,inverseWarped]
void applyOutput(const std::string& value, Spec& spec) {
  const std::vector<std::string> args = bracketedList(kOutputFlag, value);
  if (args.empty() || args[0].empty()) failFlag(kOutputFlag, value, "missing the output prefix");
  if (args.size() > 3) failFlag(kOutputFlag, value, "too many arguments (expected [prefix,warped,inverseWarped])");
  spec.outputPrefix = args[0];
  if (args.size() > 1) spec.warped = args[1];
  if (args.size() > 2) spec.inverseWarped = args[2];
}

// The images named by [fixed,moving,feature] must be the pair being registered: the initial
// transform is computed from spec.fixed/spec.moving, not from other images.
void requireSamePair(const std::string& value, const std::string& fixed, const std::string& moving, Spec& spec) {
  if (spec.fixed.empty() && spec.moving.empty()) {
    spec.fixed = fixed;
    spec.moving = moving;
  } else if (spec.fixed != fixed || spec.moving != moving) {
    failFlag(kInitialFlag, value, "images (" + fixed + ", " + moving + ") differ from the registered pair (" +
                                      spec.fixed + ", " + spec.moving + ")");
  }
}

// [fixed,moving,0|1|2], file.mat, [file.mat], [file.mat,0|1], identity
void applyInitial(const std::string& value, Spec& spec) {
  const std::vector<std::string> args = bracketedList(kInitialFlag, value);
  if (args.empty() || args[0].empty())
    failFlag(kInitialFlag, value, "missing the transform file or [fixed,moving,0|1|2]");
  InitialTransform initial;
  if (args.size() == 3) {
    if (args[1].empty()) failFlag(kInitialFlag, value, "missing the moving image");
    const int feature = parseInt(kInitialFlag, value, "initialization feature", args[2]);
    switch (feature) {
      case 0: initial.kind = InitKind::GeometricCentre; break;
      case 1: initial.kind = InitKind::CentreOfMass; break;
      case 2: initial.kind = InitKind::Origin; break;
      default:
        failFlag(kInitialFlag, value,
                 "initialization feature must be 0 (geometric centre), 1 (centre of mass) or 2 (origin)");
    }
    requireSamePair(value, args[0], args[1], spec);
  } else if (args.size() <= 2) {
    if (args.size() == 1 && equalsIgnoreCase(args[0], "identity")) {
      initial.kind = InitKind::Identity;
    } else {
      initial.kind = InitKind::File;
      initial.file = args[0];
      if (args.size() == 2 && !args[1].empty()) {
        const int useInverse = parseInt(kInitialFlag, value, "useInverse", args[1]);
        if (useInverse != 0 && useInverse != 1) failFlag(kInitialFlag, value, "useInverse must be 0 or 1");
        initial.invert = useInverse == 1;
      }
    }
  } else {
    failFlag(kInitialFlag, value, "too many arguments (expected [fixed,moving,0|1|2] or [file,0|1])");
  }
  spec.initial = initial;
}

// [fixedMask,movingMask] or fixedMask; ANTs writes NULL for "no mask".
void applyMasks(const std::string& value, Spec& spec) {
  const std::vector<std::string> args = bracketedList(kMasksFlag, value);
  if (args.empty() || args.size() > 2) failFlag(kMasksFlag, value, "expected [fixedMask,movingMask] or fixedMask");
  const auto maskOrNone = [](const std::string& text) { return equalsIgnoreCase(text, "NULL") ? std::string() : text; };
  spec.fixedMask = maskOrNone(args[0]);
  spec.movingMask = args.size() > 1 ? maskOrNone(args[1]) : std::string();
}

}  // namespace

void applyAntsFlags(const AntsFlags& flags, Spec& spec) {
  if (flags.dimension != 3)
    fail(ExitCode::Usage, "-d " + std::to_string(flags.dimension) + ": only 3-D registration is supported");
  applyStages(flags, spec);
  if (!flags.output.empty()) applyOutput(flags.output, spec);
  if (!flags.initialMovingTransform.empty()) applyInitial(flags.initialMovingTransform, spec);
  if (!flags.masks.empty()) applyMasks(flags.masks, spec);
  if (flags.useFloat) spec.floatPrecision = true;
  if (flags.verbose != 0) spec.verbose = flags.verbose;
}

}  // namespace ffdp
