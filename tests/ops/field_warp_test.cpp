// resampleWarp: moving(A(x + u(x))) on u's grid, with resampleAffine's inside rule and interpolants.
#include <catch2/catch.hpp>

#include "field_test_support.hpp"
#include "ops/backend.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

struct WarpSetup {
  Grid fieldGrid;
  Image moving, labels;
  Affine A;
};

// A moving image that the field grid, mapped through A, partly overlaps (inside and outside points).
WarpSetup randomWarpSetup(std::mt19937_64& rng) {
  WarpSetup s;
  const Vec3 centre{uniform(rng, -20, 20), uniform(rng, -20, 20), uniform(rng, -20, 20)};
  const Grid movingGrid = randomObliqueGrid(rng, {19, 17, 13}, 0.8, 1.7, 0.5, centre);
  s.fieldGrid = randomObliqueGrid(rng, {21, 20, 14}, 0.7, 1.5, 0.6, centre);
  s.moving = Image(movingGrid);
  std::uniform_real_distribution<float> value(-50, 50);
  for (float& v : s.moving.data) v = value(rng);
  s.labels = Image(movingGrid);
  std::uniform_int_distribution<int> label(0, 4);
  for (int64_t k = 0; k < movingGrid.size[2]; ++k)  // blocks of 2 voxels: mixed neighbourhoods
    for (int64_t j = 0; j < movingGrid.size[1]; ++j)
      for (int64_t i = 0; i < movingGrid.size[0]; ++i)
        s.labels.at(i, j, k) = (i % 2 == 0 && j % 2 == 0 && k % 2 == 0) ? float(label(rng)) : 0.0f;
  for (int64_t k = 0; k < movingGrid.size[2]; ++k)
    for (int64_t j = 0; j < movingGrid.size[1]; ++j)
      for (int64_t i = 0; i < movingGrid.size[0]; ++i)
        s.labels.at(i, j, k) = s.labels.at(i - i % 2, j - j % 2, k - k % 2);
  s.A = randomAffine(rng, centre, 0.4, 0.1, 2.0);
  Vec3 away{uniform(rng, -1, 1), uniform(rng, -1, 1), uniform(rng, -1, 1)};
  s.A.t = s.A.t + (6.0 / std::max(norm(away), 1e-9)) * away;
  return s;
}

const Interpolation kAll[] = {Interpolation::Linear, Interpolation::NearestNeighbor, Interpolation::Label};

}  // namespace

TEST_CASE("resampleWarp with u = 0 equals resampleAffine bit for bit", "[ops][field][warp]") {
  auto rng = seededRng("warp zero");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  for (int trial = 0; trial < 3; ++trial) {
    const WarpSetup s = randomWarpSetup(rng);
    const Field zero(s.fieldGrid);
    for (const Interpolation interp : kAll) {
      const Image& moving = interp == Interpolation::Linear ? s.moving : s.labels;
      const Image affine = backend->resampleAffine(moving, s.fieldGrid, s.A, interp, -7.0f);
      const Image warped = backend->resampleWarp(moving, s.A, zero, interp, -7.0f);
      REQUIRE(warped.grid.sameAs(s.fieldGrid));
      REQUIRE(warped.data == affine.data);
      REQUIRE(std::count(affine.data.begin(), affine.data.end(), -7.0f) > 50);  // some points fell outside
    }
  }
}

TEST_CASE("resampleWarp with a constant u = c equals resampleAffine with A after a translation by c",
          "[ops][field][warp]") {
  auto rng = seededRng("warp constant");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  for (int trial = 0; trial < 3; ++trial) {
    const WarpSetup s = randomWarpSetup(rng);
    const Vec3f c{float(uniform(rng, -4, 4)), float(uniform(rng, -4, 4)), float(uniform(rng, -4, 4))};
    Affine translation;
    translation.t = asVec3(c);
    const Affine shifted = s.A.compose(translation);  // x -> A(x + c)
    for (const Interpolation interp : kAll) {
      const Image& moving = interp == Interpolation::Linear ? s.moving : s.labels;
      const Image expected = backend->resampleAffine(moving, s.fieldGrid, shifted, interp, -7.0f);
      const Image warped = backend->resampleWarp(moving, s.A, Field(s.fieldGrid, c), interp, -7.0f);
      // The two index computations round differently (~1e-13 voxel): linear values agree to float
      // precision, and a rounded or voted value may flip only for a point on a decision boundary.
      int64_t differ = 0;
      for (size_t n = 0; n < expected.data.size(); ++n) {
        if (interp == Interpolation::Linear && expected.data[n] != -7.0f && warped.data[n] != -7.0f)
          REQUIRE(warped.data[n] == Approx(expected.data[n]).margin(1e-4));
        else if (warped.data[n] != expected.data[n])
          ++differ;
      }
      INFO("interpolation " << int(interp));
      REQUIRE(differ <= 2);
    }
  }
}

TEST_CASE("resampleWarp (linear) equals moving(A(x + u(x))) evaluated from first principles", "[ops][field][warp]") {
  auto rng = seededRng("warp general");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const WarpSetup s = randomWarpSetup(rng);
  const Field u = randomField(rng, s.fieldGrid, 3.0);
  const Image warped = backend->resampleWarp(s.moving, s.A, u, Interpolation::Linear, -7.0f);
  int64_t inside = 0;
  for (int64_t k = 0; k < s.fieldGrid.size[2]; ++k)
    for (int64_t j = 0; j < s.fieldGrid.size[1]; ++j)
      for (int64_t i = 0; i < s.fieldGrid.size[0]; ++i) {
        const Vec3 x = voxelPoint(s.fieldGrid, i, j, k);
        Vec3 q = s.moving.grid.physicalToIndex(s.A.apply(x + asVec3(u.at(i, j, k))));
        // ITK's rule: inside on [-0.5, n - 0.5), edge value in the half-voxel band.
        bool in = true, nearBoundary = false;
        for (int a = 0; a < 3; ++a) {
          const double n = double(s.moving.grid.size[a]);
          in &= q[a] >= -0.5 && q[a] < n - 0.5;
          nearBoundary |= std::abs(q[a] + 0.5) < 1e-6 || std::abs(q[a] - (n - 0.5)) < 1e-6;
          q[a] = std::clamp(q[a], 0.0, n - 1);
        }
        if (nearBoundary) continue;
        if (!in) {
          REQUIRE(warped.at(i, j, k) == -7.0f);
          continue;
        }
        ++inside;
        // The image as a one-component field: reuse the first-principles trilinear sum.
        double expected = 0;
        const int64_t b[3] = {int64_t(std::floor(q[0])), int64_t(std::floor(q[1])), int64_t(std::floor(q[2]))};
        for (int64_t cz = b[2]; cz <= b[2] + 1; ++cz)
          for (int64_t cy = b[1]; cy <= b[1] + 1; ++cy)
            for (int64_t cx = b[0]; cx <= b[0] + 1; ++cx) {
              if (cx >= s.moving.grid.size[0] || cy >= s.moving.grid.size[1] || cz >= s.moving.grid.size[2]) continue;
              expected += std::max(0.0, 1 - std::abs(q[0] - cx)) * std::max(0.0, 1 - std::abs(q[1] - cy)) *
                          std::max(0.0, 1 - std::abs(q[2] - cz)) * s.moving.at(cx, cy, cz);
            }
        REQUIRE(warped.at(i, j, k) == Approx(expected).margin(1e-4));
      }
  REQUIRE(inside > 500);
}
