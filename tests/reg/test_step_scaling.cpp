// The spec's step is the largest displacement of any fixed-domain point per iteration, in voxels of
// the level: after one iteration the transform must have moved the farthest domain corner by exactly
// step x (smallest spacing of the level's fixed grid).
#include <catch2/catch.hpp>

#include "ops/backend.hpp"
#include "reg/linear_family.hpp"
#include "reg_fixtures.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

// The fixed image's corners at this level (the level grid's corner voxel centres).
double firstStepDisplacement(TransformKind kind, int shrink, double step, const Affine* start) {
  // Anisotropic spacing so that "smallest spacing" matters.
  BlobScene scene;
  Grid g = obliqueGrid(40, {2.0, 2.6, 3.1}, {0.3, 1, -0.4}, 25, scene.centre);
  const Image fixed = sampleField(g, scene.field);
  const Image moving = scene.movedBy(rigidMap({1, 1, 0}, 6, {3, -2, 1}, scene.centre), g);
  StageSpec stage = oneLevelStage(kind, MetricKind::MeanSquares, 1, step);
  stage.shrinkFactors = {shrink};
  Spec spec = specWith({stage}, start ? InitKind::File : InitKind::Identity);
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  RegistrationInputs in;
  in.fixed = &fixed;
  in.moving = &moving;
  if (start) in.initialFromFile = *start;
  const RegistrationResult r = runRegistration(spec, in, *backend, comm);
  REQUIRE(r.stages.at(0).levels.at(0).iterations == 1);
  const Grid level = g.shrunk({shrink, shrink, shrink});
  const double minSpacing = std::min({level.spacing[0], level.spacing[1], level.spacing[2]});
  return maxCornerError(r.transform, r.initial, level) / minSpacing;
}

}  // namespace

TEST_CASE("step: the first update moves the farthest corner by step x min spacing", "[step]") {
  for (TransformKind kind : {TransformKind::Rigid, TransformKind::Affine}) {
    INFO("transform " << toString(kind));
    CHECK(firstStepDisplacement(kind, 1, 0.7, nullptr) == Approx(0.7).margin(1e-6));
    CHECK(firstStepDisplacement(kind, 2, 0.25, nullptr) == Approx(0.25).margin(1e-6));
    // A large rotation step: the exact corner displacement, not its linearisation.
    CHECK(firstStepDisplacement(kind, 1, 5.0, nullptr) == Approx(5.0).margin(1e-6));
  }
}

TEST_CASE("step: a rigid stage starting from a sheared affine keeps the step size and the shear", "[step]") {
  Affine start;
  start.M = rotationFromVector({0.05, -0.02, 0.1}) * Mat3{{{1.04, 0.03, 0}, {0, 0.97, 0.02}, {0.01, 0, 1.02}}};
  start.t = {2, -1, 3};
  start.c = {5, 5, 5};
  CHECK(firstStepDisplacement(TransformKind::Rigid, 1, 0.5, &start) == Approx(0.5).margin(1e-6));
}

TEST_CASE("step: a rigid update of a non-rigid M leaves its symmetric (stretch) part unchanged", "[step]") {
  Affine start;
  const Mat3 S{{{1.04, 0.03, 0}, {0.03, 0.97, 0.02}, {0, 0.02, 1.02}}};  // symmetric positive definite
  start.M = rotationFromVector({0.05, -0.02, 0.1}) * S;
  LinearFamily family(TransformKind::Rigid, start);
  family.apply({0.02, -0.03, 0.01, 1, 2, 3});
  const Mat3 M = family.current().M;
  const Mat3 R = nearestRotation(M);
  const Mat3 stretch = R.transposed() * M;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) CHECK(stretch.m[a][b] == Approx(S.m[a][b]).margin(1e-12));
  CHECK(family.current().t[2] == Approx(start.t[2] + 3));
}
