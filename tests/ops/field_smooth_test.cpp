// smoothField: each component smoothed exactly as an image is (the kernel is shared), and results
// that do not depend on the thread count for the iterative and smoothing field ops.
#include <catch2/catch.hpp>

#include "field_test_support.hpp"
#include "ops/backend.hpp"
#include "ops/cpu/cpu_ops.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("smoothField smooths each component exactly like the image smoothing", "[ops][field][smooth]") {
  auto rng = seededRng("smooth field");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {19, 15, 12}, 0.7, 1.6, 0.6, {0, 5, 0});
  const Field u = randomField(rng, g, 3.0);
  for (const Vec3 sigma : {Vec3{1.2, 0.7, 2.0}, Vec3{0.0, 1.5, 0.0}, Vec3{30.0, 0.0, 0.4}}) {
    Field s = u;
    backend->smoothField(s, sigma);
    REQUIRE(s.grid.sameAs(g));
    for (int c = 0; c < 3; ++c) {
      Image component(g);
      for (size_t n = 0; n < u.data.size(); ++n) component.data[n] = u.data[n][c];
      const Image expected = cpu::gaussianSmooth(component, sigma);
      for (size_t n = 0; n < u.data.size(); ++n) REQUIRE(s.data[n][c] == expected.data[n]);
    }
  }
  // A constant field stays constant, borders included.
  const Vec3f c{1.5f, -2.25f, 0.125f};
  Field constant(g, c);
  backend->smoothField(constant, {2.0, 1.0, 3.0});
  for (const Vec3f& v : constant.data)
    for (int a = 0; a < 3; ++a) REQUIRE(v[a] == Approx(c[a]).epsilon(1e-6));
}

TEST_CASE("invertField and smoothField are bit-identical for 1 and 2 threads", "[ops][field][determinism]") {
  auto rng = seededRng("field determinism");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {23, 19, 17}, 0.8, 1.4, 0.5, {1, 1, 1});
  const Field u = sampleField(g, SmoothVectorField(rng, g, 0.28, {1.0, -0.5, 0.5}));
  Field inverse[2], smooth[2];
  for (int t = 1; t <= 2; ++t) {
    ThreadCount threads(t);
    inverse[t - 1] = backend->invertField(u, 30, 1e-6);
    smooth[t - 1] = u;
    backend->smoothField(smooth[t - 1], {1.5, 2.0, 1.0});
  }
  REQUIRE(inverse[0].data == inverse[1].data);
  REQUIRE(smooth[0].data == smooth[1].data);
}
