// Helpers for the spec tests: catching an ffdp::Error to check its exit code and message, and
// comparing two Specs field by field (spec.hpp has no operator==, and the tests must not trust
// specToJson to compare what specToJson produced).
#pragma once
#include <functional>
#include <string>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "spec/spec.hpp"

namespace ffdp::test {

struct CaughtError {
  bool thrown = false;
  ExitCode code = ExitCode::Ok;
  std::string message;
};

inline CaughtError catchError(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return {true, e.code(), e.what()};
  }
  return {};
}

// Requires that `expression` throws ffdp::Error with `exitCode` and a message containing `needle`.
#define REQUIRE_FFDP_ERROR(expression, exitCode, needle)                              \
  do {                                                                                \
    const auto caught_ = ::ffdp::test::catchError([&] { (void)(expression); });      \
    INFO("message: " << caught_.message);                                             \
    REQUIRE(caught_.thrown);                                                          \
    CHECK(caught_.code == (exitCode));                                                \
    CHECK_THAT(caught_.message, Catch::Matchers::Contains(needle));                   \
  } while (0)

#define REQUIRE_USAGE_ERROR(expression, needle) REQUIRE_FFDP_ERROR(expression, ::ffdp::ExitCode::Usage, needle)

inline void requireSameMetric(const MetricSpec& a, const MetricSpec& b) {
  CHECK(a.kind == b.kind);
  CHECK(a.weight == b.weight);
  CHECK(a.radius == b.radius);
  CHECK(a.bins == b.bins);
  CHECK(a.samplingFraction == b.samplingFraction);
}

inline void requireSameStage(const StageSpec& a, const StageSpec& b) {
  CHECK(a.transform == b.transform);
  CHECK(a.step == b.step);
  requireSameMetric(a.metric, b.metric);
  CHECK(a.iterations == b.iterations);
  CHECK(a.convergenceThreshold == b.convergenceThreshold);
  CHECK(a.convergenceWindow == b.convergenceWindow);
  CHECK(a.shrinkFactors == b.shrinkFactors);
  CHECK(a.smoothingSigmas == b.smoothingSigmas);
  CHECK(a.sigmaUnit == b.sigmaUnit);
  if (isDeformable(a.transform)) {  // the field sigmas exist only for deformable stages
    CHECK(a.gradientSigma == b.gradientSigma);
    CHECK(a.warpSigma == b.warpSigma);
    CHECK(a.fieldShrink == b.fieldShrink);
  }
}

inline void requireSameSpec(const Spec& a, const Spec& b) {
  CHECK(a.fixed == b.fixed);
  CHECK(a.moving == b.moving);
  CHECK(a.fixedMask == b.fixedMask);
  CHECK(a.movingMask == b.movingMask);
  CHECK(a.outputPrefix == b.outputPrefix);
  CHECK(a.warped == b.warped);
  CHECK(a.inverseWarped == b.inverseWarped);
  CHECK(a.initial.kind == b.initial.kind);
  CHECK(a.initial.file == b.initial.file);
  CHECK(a.initial.invert == b.initial.invert);
  REQUIRE(a.stages.size() == b.stages.size());
  for (size_t s = 0; s < a.stages.size(); ++s) {
    INFO("stage " << s);
    requireSameStage(a.stages[s], b.stages[s]);
  }
  CHECK(a.floatPrecision == b.floatPrecision);
  CHECK(a.verbose == b.verbose);
  CHECK(a.threads == b.threads);
  CHECK(a.overwrite == b.overwrite);
}

// A runnable two-stage spec (rigid MI, affine CC) written out by hand.
inline Spec validTwoStageSpec() {
  Spec spec;
  spec.fixed = "F.nii.gz";
  spec.moving = "M.nii.gz";
  spec.outputPrefix = "out/P";
  StageSpec rigid;
  rigid.transform = TransformKind::Rigid;
  rigid.metric.kind = MetricKind::MI;
  rigid.iterations = {100, 50, 25};
  rigid.shrinkFactors = {4, 2, 1};
  rigid.smoothingSigmas = {2, 1, 0};
  StageSpec affine;
  affine.transform = TransformKind::Affine;
  affine.metric.kind = MetricKind::CC;
  affine.metric.radius = 2;
  affine.iterations = {100, 50, 25, 10};
  affine.shrinkFactors = {8, 4, 2, 1};
  affine.smoothingSigmas = {3, 2, 1, 0};
  spec.stages = {rigid, affine};
  return spec;
}

}  // namespace ffdp::test
