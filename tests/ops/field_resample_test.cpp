// resampleField (a field onto another grid over the same region) and maxNorm.
#include <catch2/catch.hpp>
#include <limits>

#include "field_test_support.hpp"
#include "slab_field_resample_check.hpp"
#include "ops/backend.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("resampleField reproduces a linear field on shrunk grids and clamps beyond the edge",
          "[ops][field][resample]") {
  auto rng = seededRng("resample field");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {21, 18, 15}, 0.7, 1.6, 0.7, {5, -2, 9});
  Mat3 L;
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 3; ++c) L.m[r][c] = uniform(rng, -0.3, 0.3);
  const Vec3 c0{uniform(rng, -3, 3), uniform(rng, -3, 3), uniform(rng, -3, 3)};
  const auto linear = [&](const Vec3& x) { return L * (x - g.centre()) + c0; };
  const Field u = sampleField(g, linear);
  REQUIRE(backend->resampleField(u, g).data == u.data);  // onto its own grid: a copy
  for (const std::array<int, 3> shrink : {std::array<int, 3>{2, 2, 2}, std::array<int, 3>{3, 2, 4}}) {
    const Grid coarse = g.shrunk(shrink);
    // Down: every coarse centre lies within the fine voxel-centre box.
    const Field down = backend->resampleField(u, coarse);
    REQUIRE(down.grid.sameAs(coarse));
    for (int64_t k = 0; k < coarse.size[2]; ++k)
      for (int64_t j = 0; j < coarse.size[1]; ++j)
        for (int64_t i = 0; i < coarse.size[0]; ++i) {
          const Vec3 p = voxelPoint(coarse, i, j, k);
          REQUIRE(insideBy(g, p, 0.0));
          REQUIRE(norm(asVec3(down.at(i, j, k)) - linear(p)) < 1e-5);
        }
    // Up (pyramid refinement): the linear field inside the coarse centres' box, the edge value in
    // the band between the coarse and the fine outer centres.
    const Field coarseField = sampleField(coarse, linear);
    const Field up = backend->resampleField(coarseField, g);
    REQUIRE(up.grid.sameAs(g));
    int64_t interior = 0, band = 0;
    for (int64_t k = 0; k < g.size[2]; ++k)
      for (int64_t j = 0; j < g.size[1]; ++j)
        for (int64_t i = 0; i < g.size[0]; ++i) {
          const Vec3 p = voxelPoint(g, i, j, k);
          const Vec3 got = asVec3(up.at(i, j, k));
          if (insideBy(coarse, p, 0.0)) {
            ++interior;
            REQUIRE(norm(got - linear(p)) < 1e-5);
          } else {
            ++band;
            Vec3 q = coarse.physicalToIndex(p);
            for (int a = 0; a < 3; ++a) q[a] = std::clamp(q[a], 0.0, double(coarse.size[a] - 1));
            REQUIRE(norm(got - linear(coarse.indexToPhysical(q))) < 1e-5);
          }
        }
    REQUIRE(interior > g.voxels() / 3);
    REQUIRE(band > 0);
  }
}

TEST_CASE("maxNorm is the largest vector length", "[ops][field][reduce]") {
  auto rng = seededRng("max norm");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {13, 9, 11}, 0.7, 1.6, 0.7, {0, 0, 0});
  Field u = randomField(rng, g, 2.0);  // |u| < 2 sqrt 3
  REQUIRE(backend->maxNorm(Field(g)) == 0.0);
  std::uniform_int_distribution<int64_t> voxel(0, g.voxels() - 1);
  const Vec3f spike{float(uniform(rng, -4, 4)), -4.5f, float(uniform(rng, -4, 4))};
  u.data[size_t(voxel(rng))] = spike;
  const double expected = std::sqrt(double(spike[0]) * spike[0] + double(spike[1]) * spike[1] +
                                    double(spike[2]) * spike[2]);
  REQUIRE(backend->maxNorm(u) == Approx(expected).epsilon(1e-12));
  u.data[size_t(voxel(rng))][1] = std::numeric_limits<float>::quiet_NaN();
  REQUIRE(std::isnan(backend->maxNorm(u)));  // a corrupt field is reported, not skipped
}

TEST_CASE("resampleField between slab buffers gives the whole field moved, bit for bit on own slices",
          "[ops][field][resample][slab]") {
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  requireSlabFieldResampleIsWhole(*backend, "slab field resample");
}
