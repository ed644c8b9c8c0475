// The linear optimiser reaches the level's optimum within its budget: directly on an ill-conditioned
// quadratic (what a quasi-Newton method must do and steepest descent cannot), on the blob scene
// (levels end by the convergence test, and two starts give one answer), and on two different real
// brains (the answer from a start moved by a known motion is that motion after the plain answer).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "io/image_io.hpp"
#include "ops/backend.hpp"
#include "reg/descent_optimizer.hpp"
#include "reg/linear_family.hpp"
#include "reg_fixtures.hpp"
#include "support/test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

// f(theta) = 1/2 (theta - theta*)^T H (theta - theta*) over the 12 affine parameters, with H built
// in physical-shift units (so the preconditioning alone cannot fix it): eigenvalues spread over 1e4.
struct Quadratic {
  std::vector<double> optimum;
  std::vector<std::vector<double>> H;

  std::vector<double> gradient(const std::vector<double>& theta) const {
    std::vector<double> g(theta.size(), 0.0);
    for (size_t a = 0; a < g.size(); ++a)
      for (size_t b = 0; b < g.size(); ++b) g[a] += H[a][b] * (theta[b] - optimum[b]);
    return g;
  }
  double curvatureAlong(const std::vector<double>& s) const {
    double c = 0;
    for (size_t a = 0; a < s.size(); ++a)
      for (size_t b = 0; b < s.size(); ++b) c += s[a] * H[a][b] * s[b];
    return c;
  }
};

std::vector<double> affineParameters(const Affine& A) {
  std::vector<double> p;
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) p.push_back(A.M.m[a][b]);
  for (int k = 0; k < 3; ++k) p.push_back(A.t[size_t(k)]);
  return p;
}

Quadratic illConditioned(const std::vector<double>& scales, const std::vector<double>& optimum) {
  const size_t n = scales.size();
  // H = D Q diag(lambda) Q^T D with D = sqrt(scales) and Q a fixed rotation mixing the parameters.
  std::vector<std::vector<double>> Q(n, std::vector<double>(n, 0.0));
  for (size_t i = 0; i < n; ++i)  // a deterministic orthogonal matrix: Householder of v = (1, 2, ..., n)
    for (size_t j = 0; j < n; ++j) {
      const double vi = double(i + 1), vj = double(j + 1), vv = double(n * (n + 1) * (2 * n + 1)) / 6.0;
      Q[i][j] = (i == j ? 1.0 : 0.0) - 2 * vi * vj / vv;
    }
  Quadratic q;
  q.optimum = optimum;
  q.H.assign(n, std::vector<double>(n, 0.0));
  for (size_t a = 0; a < n; ++a)
    for (size_t b = 0; b < n; ++b) {
      double h = 0;
      for (size_t k = 0; k < n; ++k) h += Q[a][k] * std::pow(1e4, double(k) / double(n - 1)) * 1e-4 * Q[b][k];
      q.H[a][b] = std::sqrt(scales[a]) * h * std::sqrt(scales[b]);
    }
  return q;
}

}  // namespace

TEST_CASE("optimizer: an ill-conditioned quadratic is solved in few steps, none beyond the reach",
          "[optimizer]") {
  const Grid grid = obliqueGrid(40, {2, 2, 2}, {1, 0, 1}, 20, {10, -5, 30});
  const Corners corners = domainCorners(grid);
  const Affine start = Affine::identity(grid.centre());
  LinearFamily family(TransformKind::Affine, start);
  Affine target = rigidMap({1, 2, -1}, 4, {3, -2, 2}, grid.centre());
  target.M = target.M * Mat3{{{1.04, 0.03, 0.0}, {0.0, 0.97, 0.02}, {0.01, 0.0, 1.02}}};
  const std::vector<double> scales = family.shiftScales(corners);
  const Quadratic f = illConditioned(scales, affineParameters(target));

  const double maxStep = 0.8;  // mm
  DescentOptimizer optimizer;
  optimizer.startLevel(maxStep, scales);
  int steps = 0;
  std::vector<double> g = f.gradient(affineParameters(family.current()));
  for (; steps < 200 && maxCornerDisplacement(family.current(), target, corners) > 1e-4; ++steps) {
    const double reach = optimizer.reach();
    const std::vector<double> s = optimizer.stepFrom(family, g, corners);
    REQUIRE(!s.empty());
    const double moved = maxCornerDisplacement(family.updated(s), family.current(), corners);
    if (steps == 0) CHECK(moved == Approx(maxStep).epsilon(1e-9));  // the spec's first step
    CHECK(moved <= reach * (1 + 1e-9));
    CHECK(reach >= maxStep);
    // The minimiser along s within the reach, as the level's line search finds it on a quadratic.
    double slope = 0;
    for (size_t p = 0; p < s.size(); ++p) slope += g[p] * s[p];
    REQUIRE(slope < 0);
    const double a = std::min(reach / moved, -slope / f.curvatureAlong(s));
    std::vector<double> taken = s;
    for (double& x : taken) x *= a;
    family.apply(taken);
    const std::vector<double> next = f.gradient(affineParameters(family.current()));
    optimizer.accepted(s, a, a * moved, g, next);
    g = next;
  }
  const double start2target = maxCornerDisplacement(start, target, corners);
  WARN("quadratic with condition 1e4: " << steps << " steps from " << start2target << " mm to 1e-4 mm");
  // Steepest descent needs thousands of steps on such a problem; a quasi-Newton method about one
  // per parameter once the reach has grown to the distance left.
  CHECK(steps < 30);
}

TEST_CASE("optimizer: levels end by the convergence test, and two starts reach one answer", "[optimizer]") {
  BlobScene scene;
  const Affine truth = rigidMap({1, 2, 2}, 10, {4.8, -2.4, 2.4}, scene.centre + Vec3{5, -3, 4});
  const Grid movingGrid = obliqueGrid(56, {2.2, 2.2, 2.2}, {-1, 0, 2}, 10, scene.centre);
  const Image moving = scene.movedBy(truth, movingGrid);
  StageSpec stage = oneLevelStage(TransformKind::Rigid, MetricKind::MeanSquares, 300, 0.5);
  stage.iterations = {300, 200};
  stage.shrinkFactors = {2, 1};
  stage.smoothingSigmas = {1, 0};
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  RegistrationInputs in;
  in.fixed = &scene.fixed;
  in.moving = &moving;

  const RegistrationResult fromIdentity = runRegistration(specWith({stage}), in, *backend, comm);
  // A second start on the other side of the answer: the truth overshot by 3 degrees and 3 mm.
  in.initialFromFile = rigidMap({-1, 1, 0}, 3, {0, 0, 3}, scene.centre).compose(truth);
  const RegistrationResult fromOther = runRegistration(specWith({stage}, InitKind::File), in, *backend, comm);

  for (const RegistrationResult* r : {&fromIdentity, &fromOther})
    for (const LevelReport& l : r->stages.at(0).levels) {
      INFO("level " << l.level << ": " << l.iterations << "/" << l.maxIterations << " iterations");
      CHECK(l.converged);
      CHECK(l.iterations < l.maxIterations);
    }
  const double apart = maxCornerError(fromIdentity.transform, fromOther.transform, scene.fixedGrid);
  WARN("blob scene, rigid MeanSquares: the two starts end " << apart << " mm apart (corners of the 96 mm domain)");
  CHECK(apart < 0.05);
  CHECK(maxCornerError(fromIdentity.transform, truth, scene.fixedGrid) < 0.2);
}

namespace {

// The same voxels with the header moved by B: every voxel's physical position p becomes B(p).
Image movedHeader(const Image& in, const Affine& B) {
  Image out = in;
  out.grid.direction = B.M * in.grid.direction;
  out.grid.origin = B.apply(in.grid.origin);
  return out;
}

struct Distance {
  double maxMm = 0, rotationDeg = 0;
};

// Over the voxels of `image` above 0 (the brain): how far a and b map them apart.
Distance distanceOverBrain(const Affine& a, const Affine& b, const Image& image) {
  Distance d;
  const Grid& g = image.grid;
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i)
        if (image.at(i, j, k) > 0) {
          const Vec3 x = g.indexToPhysical({double(i), double(j), double(k)});
          d.maxMm = std::max(d.maxMm, norm(a.apply(x) - b.apply(x)));
        }
  d.rotationDeg = rotationErrorDegrees(a, b);
  return d;
}

}  // namespace

// Two different subjects: the rigid MI optimum is shallow, so a level that stops before reaching it
// leaves an answer that depends on where it started. With the optimum reached, a start moved by a
// known motion B gives B after the plain answer.
TEST_CASE("real data: LIA OASIS A -> B rigid (MI) is reproduced from a start moved by a known motion",
          "[integration][real]") {
  const std::string aPath = sharedData("headers/lia-oasis/image_A.nii.gz");
  const std::string bPath = sharedData("headers/lia-oasis/image_B.nii.gz");
  FFDP_REQUIRE_DATA(aPath);
  FFDP_REQUIRE_DATA(bPath);
  const Image a = readImage(aPath).image;
  const Image b = readImage(bPath).image;
  Affine motion = Affine::identity(b.grid.centre());
  motion.M = rotationFromVector({0.06, -0.09, 0.04});  // about 6.5 degrees about an oblique axis
  motion.t = {4.0, -3.0, 5.0};                          // 7 mm
  const Image moved = movedHeader(b, motion);

  // The rigid preset's schedule from centres of mass (ANTs: -r [A,B,1] -t Rigid[0.1] -m MI[A,B,1,32]
  // -c [100x50x25,1e-6,10] -f 4x2x1 -s 2x1x0vox).
  StageSpec stage = oneLevelStage(TransformKind::Rigid, MetricKind::MI, 100, 0.1);
  stage.metric.bins = 32;
  stage.iterations = {100, 50, 25};
  stage.shrinkFactors = {4, 2, 1};
  stage.smoothingSigmas = {2, 1, 0};
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  RegistrationInputs in;
  in.fixed = &a;
  in.moving = &b;
  const RegistrationResult plain = runRegistration(specWith({stage}, InitKind::CentreOfMass), in, *backend, comm);
  in.moving = &moved;
  const RegistrationResult shifted = runRegistration(specWith({stage}, InitKind::CentreOfMass), in, *backend, comm);

  const Distance d = distanceOverBrain(shifted.transform, motion.compose(plain.transform), a);
  WARN("LIA A -> B, plain vs known-motion start: " << d.maxMm << " mm max over the brain, " << d.rotationDeg
                                                    << " deg; " << plain.seconds << " s + " << shifted.seconds << " s");
  for (const RegistrationResult* r : {&plain, &shifted})
    for (const LevelReport& l : r->stages.at(0).levels) {
      WARN("  level " << l.level << ": " << l.iterations << "/" << l.maxIterations << " iterations"
                      << (l.converged ? " (converged)" : "") << ", MI " << l.firstMetric << " -> " << l.lastMetric);
      CHECK(l.converged);
    }
  CHECK(d.maxMm < 0.5);
  CHECK(d.rotationDeg < 0.5);
}
