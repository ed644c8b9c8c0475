// Failures a user can meet: images that do not overlap, a NaN metric, and skipped levels.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "ops/backend.hpp"
#include "reg_fixtures.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

RegistrationResult run(const Spec& spec, const Image& fixed, const Image& moving, std::optional<Affine> file = {}) {
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  RegistrationInputs in;
  in.fixed = &fixed;
  in.moving = &moving;
  in.initialFromFile = file;
  return runRegistration(spec, in, *backend, comm);
}

}  // namespace

TEST_CASE("failures: an initial transform that misses the moving image is an Internal error naming the fix",
          "[failures]") {
  BlobScene scene;
  const Image small = sampleField(obliqueGrid(20, {2, 2, 2}, {1, 0, 0}, 0, scene.centre), scene.field);
  Affine faraway = Affine::identity();
  faraway.t = {500, 0, 0};
  const Spec spec = specWith({oneLevelStage(TransformKind::Rigid, MetricKind::MeanSquares, 5, 1.0)}, InitKind::File);
  try {
    run(spec, small, small, faraway);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::Internal);
    const std::string what = e.what();
    CHECK(what.find("stage 1 level 1") != std::string::npos);
    CHECK(what.find("do not overlap") != std::string::npos);
    CHECK(what.find("initial transform") != std::string::npos);
  }
}

TEST_CASE("failures: NaN voxels that reach the metric are an Internal error, not a silent result", "[failures]") {
  BlobScene scene;
  Image fixed = sampleField(obliqueGrid(20, {2, 2, 2}, {1, 0, 0}, 0, scene.centre), scene.field);
  Image moving = fixed;
  for (size_t v = 0; v < moving.data.size(); v += 7) moving.data[v] = std::numeric_limits<float>::quiet_NaN();
  const Spec spec = specWith({oneLevelStage(TransformKind::Affine, MetricKind::MeanSquares, 5, 1.0)});
  try {
    run(spec, fixed, moving);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::Internal);
    CHECK(std::string(e.what()).find("stage 1 level 1: metric is not a number") != std::string::npos);
  }
}

TEST_CASE("failures: levels with 0 iterations are reported but not run", "[failures]") {
  BlobScene scene;
  StageSpec stage = oneLevelStage(TransformKind::Rigid, MetricKind::MeanSquares, 0, 1.0);
  stage.iterations = {0, 3};
  stage.shrinkFactors = {2, 1};
  stage.smoothingSigmas = {1, 0};
  const Image moving = scene.movedBy(rigidMap({0, 0, 1}, 2, {1, 0, 0}, scene.centre), scene.fixedGrid);
  const RegistrationResult r = run(specWith({stage}), scene.fixed, moving);
  REQUIRE(r.stages.size() == 1);
  REQUIRE(r.stages[0].levels.size() == 2);
  CHECK(r.stages[0].levels[0].iterations == 0);
  CHECK(std::isnan(r.stages[0].levels[0].firstMetric));
  CHECK(r.stages[0].levels[0].size == std::array<int64_t, 3>{24, 24, 24});
  CHECK(r.stages[0].levels[1].iterations == 3);
  CHECK(r.stages[0].levels[1].maxIterations == 3);
  CHECK(r.stages[0].levels[1].lastMetric < r.stages[0].levels[1].firstMetric);
}
