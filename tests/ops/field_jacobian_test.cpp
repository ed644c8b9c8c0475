// jacobianDeterminant: det(I + du/dx) with du/dx in physical space on oblique, anisotropic grids.
#include <catch2/catch.hpp>

#include "field_test_support.hpp"
#include "ops/backend.hpp"

using namespace ffdp;
using namespace ffdp::test;

TEST_CASE("a linear field u(x) = (B - I)(x - x0) has det B at every voxel, border included",
          "[ops][field][jacobian]") {
  auto rng = seededRng("jacobian linear");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  for (int trial = 0; trial < 4; ++trial) {
    const Grid g = randomObliqueGrid(rng, {9, 11, 7}, 0.6, 1.8, 0.8, {-4, 7, 2});
    Mat3 B = randomAffine(rng, g.centre(), 0.5, 0.3, 0).M;
    if (trial == 3)  // a folding map: the determinant is negative
      for (int r = 0; r < 3; ++r) B.m[r][0] = -0.5 * B.m[r][0];
    const Vec3 x0{uniform(rng, -5, 5), uniform(rng, -5, 5), uniform(rng, -5, 5)};
    Mat3 BminusI = B;
    for (int a = 0; a < 3; ++a) BminusI.m[a][a] -= 1;
    const Field u = sampleField(g, [&](const Vec3& x) { return BminusI * (x - x0); });
    const Image det = backend->jacobianDeterminant(u);
    REQUIRE(det.grid.sameAs(g));
    INFO("det B = " << B.determinant());
    for (float d : det.data) REQUIRE(d == Approx(B.determinant()).margin(2e-5));
  }
}

TEST_CASE("jacobianDeterminant of a smooth field matches finite differences", "[ops][field][jacobian]") {
  auto rng = seededRng("jacobian smooth");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {20, 17, 15}, 0.7, 1.6, 0.7, {2, 2, -3});
  const SmoothVectorField uMap(rng, g, 0.4);
  const Field u = sampleField(g, uMap);
  const Image det = backend->jacobianDeterminant(u);
  const Mat3 P = g.indexToPhysicalMatrix();
  double worstDiscrete = 0, worstAnalytic = 0, worstRatio = 0;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        // Difference quotients along each grid axis: central inside, one-sided on the outer voxels.
        // Along axis a they estimate (du/dx) e_a with e_a the physical step of one voxel, so the
        // physical Jacobian J solves J [e_0 e_1 e_2] = [d_0 d_1 d_2].
        const int64_t idx[3] = {i, j, k};
        Mat3 D, E;
        for (int a = 0; a < 3; ++a) {
          int64_t lo[3] = {i, j, k}, hi[3] = {i, j, k};
          lo[a] = std::max<int64_t>(idx[a] - 1, 0);
          hi[a] = std::min<int64_t>(idx[a] + 1, g.size[a] - 1);
          const double steps = double(hi[a] - lo[a]);
          const Vec3 du = asVec3(u.at(hi[0], hi[1], hi[2])) - asVec3(u.at(lo[0], lo[1], lo[2]));
          for (int c = 0; c < 3; ++c) {
            D.m[c][a] = du[c] / steps;
            E.m[c][a] = P[c][a];
          }
        }
        Mat3 F = D * E.inverse();
        for (int a = 0; a < 3; ++a) F.m[a][a] += 1;
        worstDiscrete = std::max(worstDiscrete, std::abs(double(det.at(i, j, k)) - F.determinant()));
        // Interior: against the analytic Jacobian. A central difference over one voxel step e_a
        // misses (d3u/ds_a^3)/6 of the index-space derivative; the test estimates that from third
        // differences of the analytic field, delta_a, and bounds the determinant's change to first
        // order: with M = (I + J) P (columns M_a), det(I + J) = det M / det P and moving column a by
        // delta_a changes det M by delta_a . (M_a+1 x M_a+2). Twice that covers the higher orders.
        bool interior = true;
        for (int a = 0; a < 3; ++a) interior &= idx[a] > 0 && idx[a] < g.size[a] - 1;
        if (interior) {
          const Vec3 x = voxelPoint(g, i, j, k);
          Mat3 Fa = uMap.jacobian(x);
          for (int a = 0; a < 3; ++a) Fa.m[a][a] += 1;
          const Mat3 M = Fa * P;
          double bound = 0;
          for (int a = 0; a < 3; ++a) {
            const Vec3 e{P[0][a], P[1][a], P[2][a]};
            const Vec3 delta = (1.0 / 12) * (uMap(x + 2.0 * e) - 2.0 * uMap(x + e) + 2.0 * uMap(x - e) -
                                             uMap(x - 2.0 * e));
            const int b = (a + 1) % 3, c = (a + 2) % 3;
            bound += norm(delta) * norm(cross({M[0][b], M[1][b], M[2][b]}, {M[0][c], M[1][c], M[2][c]}));
          }
          const double tolerance = 2 * bound / std::abs(P.determinant()) + 1e-4;
          const double error = std::abs(double(det.at(i, j, k)) - Fa.determinant());
          worstAnalytic = std::max(worstAnalytic, error);
          worstRatio = std::max(worstRatio, error / tolerance);
        }
      }
  INFO("against discrete differences " << worstDiscrete << ", against the analytic Jacobian " << worstAnalytic
                                         << " (" << worstRatio << " of the per-voxel bound)");
  REQUIRE(worstDiscrete < 1e-5);
  REQUIRE(worstRatio < 1.0);
  REQUIRE(worstAnalytic < 0.1);  // and the bound is tight enough to mean something
}

TEST_CASE("jacobianDeterminant of a field on a single slice differentiates within the slice",
          "[ops][field][jacobian]") {
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  Grid g;
  g.size = {5, 4, 1};
  g.spacing = {0.5, 2.0, 3.0};
  // u = (0.2 x, -0.1 y, 0): det = 1.2 * 0.9; no derivative along the single-voxel axis.
  const Field u = sampleField(g, [](const Vec3& x) { return Vec3{0.2 * x[0], -0.1 * x[1], 0.0}; });
  for (float d : backend->jacobianDeterminant(u).data) REQUIRE(d == Approx(1.2 * 0.9).epsilon(1e-6));
}
