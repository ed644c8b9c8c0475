// Initial transforms on blobs whose two grids differ in size, spacing, origin and direction. Expected
// points are computed here from the definitions (voxel sums, index-to-physical by hand).
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "ops/backend.hpp"
#include "reg_fixtures.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

struct InitScene {
  BlobScene scene;
  Grid movingGrid = [] {
    Grid g = obliqueGrid(36, {2.5, 2.2, 3.0}, {0, 1, 1}, -12, {30, -5, 20});
    g.size = {36, 40, 30};
    return g;
  }();
  // The moving blobs are the fixed ones shifted by (14, 9, -11) mm: a centre of mass to find.
  Image moving = sampleField(movingGrid, [this](const Vec3& y) { return scene.field(y - Vec3{14, 9, -11}); });

  RegistrationResult initialOnly(InitKind kind, std::optional<Affine> file = std::nullopt) {
    Spec spec = specWith({oneLevelStage(TransformKind::Rigid, MetricKind::MeanSquares, 0, 1.0)}, kind);
    SelfComm comm;
    auto backend = makeCpuBackend(comm);
    RegistrationInputs in;
    in.fixed = &scene.fixed;
    in.moving = &moving;
    in.initialFromFile = file;
    return runRegistration(spec, in, *backend, comm);
  }
};

Vec3 centreOfMassByHand(const Image& img) {
  Vec3 sum{0, 0, 0};
  double mass = 0;
  for (int64_t k = 0; k < img.grid.size[2]; ++k)
    for (int64_t j = 0; j < img.grid.size[1]; ++j)
      for (int64_t i = 0; i < img.grid.size[0]; ++i) {
        const double w = std::max(0.0f, img.at(i, j, k));
        const Vec3 p = img.grid.origin + img.grid.direction * Vec3{i * img.grid.spacing[0], j * img.grid.spacing[1],
                                                                    k * img.grid.spacing[2]};
        sum = sum + w * p;
        mass += w;
      }
  return (1.0 / mass) * sum;
}

Vec3 domainCentreByHand(const Grid& g) {
  const Vec3 half{0.5 * (g.size[0] - 1) * g.spacing[0], 0.5 * (g.size[1] - 1) * g.spacing[1],
                  0.5 * (g.size[2] - 1) * g.spacing[2]};
  return g.origin + g.direction * half;
}

void requireNear(const Vec3& a, const Vec3& b, double tol) {
  INFO("got [" << a[0] << ", " << a[1] << ", " << a[2] << "] expected [" << b[0] << ", " << b[1] << ", " << b[2]
               << "]");
  CHECK(norm(a - b) < tol);
}

void requireNoRotation(const Affine& a) {
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) CHECK(a.M.m[r][c] == (r == c ? 1.0 : 0.0));
}

}  // namespace

TEST_CASE("initial transform: centre of mass maps the fixed centre of mass onto the moving one", "[init]") {
  InitScene s;
  const RegistrationResult r = s.initialOnly(InitKind::CentreOfMass);
  const Vec3 comFixed = centreOfMassByHand(s.scene.fixed);
  const Vec3 comMoving = centreOfMassByHand(s.moving);
  requireNear(r.initial.apply(comFixed), comMoving, 1e-3);
  requireNear(r.initial.c, comFixed, 1e-3);  // rotations will pivot on the fixed centre of mass
  requireNoRotation(r.initial);
  // With 0 iterations in every level the result is the initial transform.
  requireNear(r.transform.apply({1, 2, 3}), r.initial.apply({1, 2, 3}), 1e-12);
}

TEST_CASE("initial transform: geometric centre maps the fixed domain centre onto the moving one", "[init]") {
  InitScene s;
  const RegistrationResult r = s.initialOnly(InitKind::GeometricCentre);
  requireNear(r.initial.apply(domainCentreByHand(s.scene.fixedGrid)), domainCentreByHand(s.movingGrid), 1e-9);
  requireNoRotation(r.initial);
}

TEST_CASE("initial transform: origin maps the fixed origin onto the moving origin", "[init]") {
  InitScene s;
  const RegistrationResult r = s.initialOnly(InitKind::Origin);
  requireNear(r.initial.apply(s.scene.fixedGrid.origin), s.movingGrid.origin, 1e-9);
  requireNoRotation(r.initial);
}

TEST_CASE("initial transform: identity and file", "[init]") {
  InitScene s;
  const RegistrationResult id = s.initialOnly(InitKind::Identity);
  requireNear(id.initial.apply({10, -4, 7}), {10, -4, 7}, 1e-12);

  Affine file = rigidMap({1, 0, 0}, 5, {1, 2, 3}, {100, 0, 0});
  file.M = file.M * Mat3::diagonal({1.1, 1, 0.9});
  const RegistrationResult fromFile = s.initialOnly(InitKind::File, file);
  for (const Vec3& p : {Vec3{0, 0, 0}, Vec3{50, -20, 10}, Vec3{-30, 40, 80}})
    requireNear(fromFile.initial.apply(p), file.apply(p), 1e-9);
  // Kind file with nothing loaded is a caller bug, reported as such.
  CHECK_THROWS_AS(s.initialOnly(InitKind::File), ffdp::Error);
}
