// validate(): each impossible value is a usage error that names its key the way a spec file
// spells it, so the user knows what to edit.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "spec/spec.hpp"
#include "spec_test_helpers.hpp"

using namespace ffdp;
using ffdp::test::validTwoStageSpec;

TEST_CASE("validate accepts a complete two-stage spec", "[spec][validate]") {
  CHECK_NOTHROW(validate(validTwoStageSpec()));
}

TEST_CASE("validate names the missing image or output", "[spec][validate]") {
  Spec spec = validTwoStageSpec();
  spec.fixed.clear();
  REQUIRE_USAGE_ERROR(validate(spec), "fixed: missing (give --fixed or a metric)");
  spec = validTwoStageSpec();
  spec.moving.clear();
  REQUIRE_USAGE_ERROR(validate(spec), "moving: missing");
  spec = validTwoStageSpec();
  spec.outputPrefix.clear();
  REQUIRE_USAGE_ERROR(validate(spec), "output.prefix: missing");
}

TEST_CASE("validate requires at least one stage", "[spec][validate]") {
  Spec spec = validTwoStageSpec();
  spec.stages.clear();
  REQUIRE_USAGE_ERROR(validate(spec), "stages: at least one stage");
}

TEST_CASE("validate rejects a step that is not positive", "[spec][validate]") {
  Spec spec = validTwoStageSpec();
  spec.stages[1].step = 0;
  REQUIRE_USAGE_ERROR(validate(spec), "stages[1].step: must be > 0 (got 0)");
  spec.stages[1].step = -0.5;
  REQUIRE_USAGE_ERROR(validate(spec), "stages[1].step: must be > 0 (got -0.5)");
  spec.stages[1].step = std::nan("");
  REQUIRE_USAGE_ERROR(validate(spec), "stages[1].step");
}

TEST_CASE("validate checks the per-level lists", "[spec][validate]") {
  Spec spec = validTwoStageSpec();
  SECTION("iterations must have a level") {
    spec.stages[0].iterations.clear();
    REQUIRE_USAGE_ERROR(validate(spec), "stages[0].levels.iterations: needs at least one level");
  }
  SECTION("iterations are >= 0") {
    spec.stages[0].iterations = {100, -1, 25};
    REQUIRE_USAGE_ERROR(validate(spec), "stages[0].levels.iterations[1]: must be >= 0 (got -1)");
  }
  SECTION("zero iterations at a level is allowed (the level is skipped)") {
    spec.stages[0].iterations = {100, 50, 0};
    CHECK_NOTHROW(validate(spec));
  }
  SECTION("shrink factors are >= 1") {
    spec.stages[1].shrinkFactors = {8, 4, 0, 1};
    REQUIRE_USAGE_ERROR(validate(spec), "stages[1].levels.shrinkFactors[2]: must be >= 1 (got 0)");
  }
  SECTION("increasing shrink factors are allowed, as in ANTs") {
    spec.stages[0].shrinkFactors = {1, 2, 4};
    CHECK_NOTHROW(validate(spec));
  }
  SECTION("sigmas are >= 0") {
    spec.stages[0].smoothingSigmas = {2, -1, 0};
    REQUIRE_USAGE_ERROR(validate(spec), "stages[0].levels.smoothingSigmas[1]: must be >= 0 (got -1)");
  }
  SECTION("shrink factors need as many levels as iterations") {
    spec.stages[1].iterations = {100, 50, 25};
    REQUIRE_USAGE_ERROR(validate(spec), "stages[1].levels.shrinkFactors: 4 levels but levels.iterations has 3");
  }
  SECTION("sigmas need as many levels as iterations") {
    spec.stages[0].smoothingSigmas = {2, 1};
    REQUIRE_USAGE_ERROR(validate(spec), "stages[0].levels.smoothingSigmas: 2 levels but levels.iterations has 3");
  }
}

TEST_CASE("validate checks convergence settings", "[spec][validate]") {
  Spec spec = validTwoStageSpec();
  spec.stages[0].convergenceWindow = 0;
  REQUIRE_USAGE_ERROR(validate(spec), "stages[0].convergence.window: must be >= 1 (got 0)");
  spec = validTwoStageSpec();
  spec.stages[1].convergenceThreshold = -1e-6;
  REQUIRE_USAGE_ERROR(validate(spec), "stages[1].convergence.threshold: must be >= 0 (got -1e-06)");
  spec.stages[1].convergenceThreshold = 0;  // 0 = run every iteration
  CHECK_NOTHROW(validate(spec));
}

TEST_CASE("validate checks metric parameters", "[spec][validate]") {
  Spec spec = validTwoStageSpec();
  SECTION("MI bins in [4, 256]") {
    spec.stages[0].metric.bins = 3;
    REQUIRE_USAGE_ERROR(validate(spec), "stages[0].metric.bins: must be in [4, 256] (got 3)");
    spec.stages[0].metric.bins = 257;
    REQUIRE_USAGE_ERROR(validate(spec), "stages[0].metric.bins: must be in [4, 256] (got 257)");
    spec.stages[0].metric.bins = 4;
    CHECK_NOTHROW(validate(spec));
    spec.stages[0].metric.bins = 256;
    CHECK_NOTHROW(validate(spec));
  }
  SECTION("CC radius in [1, 20]") {
    spec.stages[1].metric.radius = 0;
    REQUIRE_USAGE_ERROR(validate(spec), "stages[1].metric.radius: must be in [1, 20] (got 0)");
    spec.stages[1].metric.radius = 21;
    REQUIRE_USAGE_ERROR(validate(spec), "stages[1].metric.radius: must be in [1, 20] (got 21)");
    spec.stages[1].metric.radius = 1;
    CHECK_NOTHROW(validate(spec));
  }
  SECTION("a parameter the metric does not use is not checked") {
    spec.stages[1].metric.bins = 0;    // stage 1 is CC
    spec.stages[0].metric.radius = 0;  // stage 0 is MI
    CHECK_NOTHROW(validate(spec));
  }
  SECTION("sampling fraction in (0, 1]") {
    spec.stages[0].metric.samplingFraction = 0;
    REQUIRE_USAGE_ERROR(validate(spec), "stages[0].metric.samplingFraction: must be in (0, 1] (got 0");
    spec.stages[0].metric.samplingFraction = 1.5;
    REQUIRE_USAGE_ERROR(validate(spec), "stages[0].metric.samplingFraction: must be in (0, 1] (got 1.5");
    spec.stages[0].metric.samplingFraction = 0.25;
    CHECK_NOTHROW(validate(spec));
  }
  SECTION("weight > 0") {
    spec.stages[1].metric.weight = 0;
    REQUIRE_USAGE_ERROR(validate(spec), "stages[1].metric.weight: must be > 0 (got 0)");
    spec.stages[1].metric.weight = std::numeric_limits<double>::infinity();
    REQUIRE_USAGE_ERROR(validate(spec), "stages[1].metric.weight");
  }
}

TEST_CASE("validate checks the initial transform", "[spec][validate]") {
  Spec spec = validTwoStageSpec();
  spec.initial.kind = InitKind::File;
  REQUIRE_USAGE_ERROR(validate(spec), "initialTransform.file: missing");
  spec.initial.file = "init.mat";
  spec.initial.invert = true;
  CHECK_NOTHROW(validate(spec));

  spec.initial.kind = InitKind::CentreOfMass;  // a file next to another kind would be ignored
  REQUIRE_USAGE_ERROR(validate(spec), "initialTransform.file: given but initialTransform.kind is 'centreOfMass'");
  spec.initial.file.clear();
  REQUIRE_USAGE_ERROR(validate(spec), "initialTransform.invert: only applies to kind 'file'");
}

TEST_CASE("validate checks threads and verbose", "[spec][validate]") {
  Spec spec = validTwoStageSpec();
  spec.threads = -1;
  REQUIRE_USAGE_ERROR(validate(spec), "threads: must be >= 0 (got -1)");
  spec = validTwoStageSpec();
  spec.verbose = -2;
  REQUIRE_USAGE_ERROR(validate(spec), "verbose: must be >= 0 (got -2)");
}

TEST_CASE("enum names are the spec file's spellings", "[spec][validate]") {
  CHECK(std::string(toString(TransformKind::Rigid)) == "rigid");
  CHECK(std::string(toString(TransformKind::Affine)) == "affine");
  CHECK(std::string(toString(MetricKind::MeanSquares)) == "MeanSquares");
  CHECK(std::string(toString(MetricKind::CC)) == "CC");
  CHECK(std::string(toString(MetricKind::MI)) == "MI");
  CHECK(std::string(toString(InitKind::Identity)) == "identity");
  CHECK(std::string(toString(InitKind::GeometricCentre)) == "geometricCentre");
  CHECK(std::string(toString(InitKind::CentreOfMass)) == "centreOfMass");
  CHECK(std::string(toString(InitKind::Origin)) == "origin");
  CHECK(std::string(toString(InitKind::File)) == "file");
  CHECK(std::string(toString(SigmaUnit::Voxels)) == "vox");
  CHECK(std::string(toString(SigmaUnit::Millimetres)) == "mm");
}
