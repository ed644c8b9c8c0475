// eval's field measures and the point-by-point transform chain, on fields whose answers are known
// in closed form (linear fields x -> x + Bx, their exact inverses, constant shifts).
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>

#include "eval/chain_difference.hpp"
#include "eval/field_sampling.hpp"
#include "eval/inverse_consistency.hpp"
#include "eval/jacobian_stats.hpp"
#include "eval/transform_chain.hpp"

using namespace ffdp;

namespace {

Grid fieldGrid() {
  Grid g;
  g.size = {12, 10, 8};
  g.spacing = {2.0, 1.5, 2.5};
  g.origin = {-11, -7, -9};
  return g;
}

// u(x) = B (x - centre), a linear field in physical coordinates.
Field linearField(const Grid& g, const Mat3& B, const Vec3& centre) {
  Field u(g);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Vec3 d = B * (g.indexToPhysical({double(i), double(j), double(k)}) - centre);
        u.at(i, j, k) = {float(d[0]), float(d[1]), float(d[2])};
      }
  return u;
}

const Mat3 kB{{{0.03, -0.02, 0.01}, {0.015, -0.025, 0.02}, {-0.01, 0.02, 0.035}}};

ChainStep fieldStep(Field u) {
  ChainStep s;
  s.field = std::make_shared<const Field>(std::move(u));
  return s;
}
ChainStep affineStep(const Affine& a) {
  ChainStep s;
  s.affine = a;
  return s;
}

// Voxels at least `margin` voxels away from every face.
Mask interiorMask(const Grid& g, int64_t margin) {
  Mask m(g);
  for (int64_t k = margin; k < g.size[2] - margin; ++k)
    for (int64_t j = margin; j < g.size[1] - margin; ++j)
      for (int64_t i = margin; i < g.size[0] - margin; ++i) m.at(i, j, k) = 1;
  return m;
}

}  // namespace

TEST_CASE("a field is sampled as ITK reads a field file: trilinear inside, edge value for half a voxel, zero beyond",
          "[eval][field]") {
  const Grid g = fieldGrid();
  const Vec3 c = g.centre();
  const Field u = linearField(g, kB, c);
  const FieldSampler s(u);
  const Vec3 inside = g.indexToPhysical({3.3, 4.7, 2.5});
  const Vec3 expected = kB * (inside - c);  // trilinear is exact for a linear field
  for (int a = 0; a < 3; ++a) CHECK(s.at(inside)[a] == Approx(expected[a]).margin(1e-5));
  // Within half a voxel beyond the +x face's centres: the value at the nearest voxel centre on that face.
  const Vec3 edge = kB * (g.indexToPhysical({11.0, 4.7, 2.5}) - c);
  const Vec3 halfBeyond = g.indexToPhysical({11.4, 4.7, 2.5});
  CHECK(s.covers(halfBeyond));
  for (int a = 0; a < 3; ++a) CHECK(s.at(halfBeyond)[a] == Approx(edge[a]).margin(1e-5));
  // Farther out, on either side (ITK's DisplacementFieldTransform leaves such points where they are).
  for (const Vec3& outside : {g.indexToPhysical({11.6, 4.7, 2.5}), g.indexToPhysical({40.0, 4.7, 2.5}),
                              g.indexToPhysical({3.0, -0.6, 2.5})}) {
    CHECK_FALSE(s.covers(outside));
    for (int a = 0; a < 3; ++a) CHECK(s.at(outside)[a] == 0);
  }
  CHECK(smallestSpacing(g) == 1.5);
}

// Slices [first, first + count) of `whole`'s grid as a slab buffer (a window fetched from other ranks):
// the origin moved to its first slice, the whole origin kept (dist/slab.hpp's haloSlabGrid does the same).
Grid windowOf(const Grid& whole, int64_t first, int64_t count) {
  Grid w = whole;
  w.size[2] = count;
  w.origin = whole.indexToPhysical({0.0, 0.0, double(first)});
  w.slab.wholeSlices = whole.size[2];
  w.slab.firstSlice = first;
  w.slab.ownBegin = 0;
  w.slab.ownEnd = count;
  w.slab.wholeOrigin = whole.origin;
  return w;
}

TEST_CASE("a window of a field's slices placed as a slab samples as the whole field, bit for bit", "[eval][field]") {
  const Grid g = fieldGrid();
  Affine A = Affine::identity(g.centre());
  A.M = Mat3{{{1.02, 0.03, -0.01}, {-0.02, 0.99, 0.02}, {0.01, -0.03, 1.01}}};
  A.t = {0.7, -0.3, 0.45};
  // A field with no closed form (so that sums are not exact): the linear one plus a wobble.
  Field u = linearField(g, kB, g.centre());
  for (int64_t n = 0; n < g.voxels(); ++n) u.data[size_t(n)][n % 3] += float(0.1 * std::sin(0.7 * double(n)));
  const Grid w = windowOf(g, 2, 4);
  Field window(w);
  const int64_t plane = g.size[0] * g.size[1];
  for (int64_t n = 0; n < w.voxels(); ++n) window.data[size_t(n)] = u.data[size_t(n + 2 * plane)];
  const FieldSampler whole(u), part(window);
  int compared = 0;
  for (double z = 2.0; z <= 5.0; z += 0.37)
    for (double y = -0.3; y < 9.4; y += 1.3)
      for (double x = -0.4; x < 11.5; x += 1.7) {
        const Vec3 p = g.indexToPhysical({x, y, z});
        const Vec3 a = whole.at(p), b = part.at(p);
        CHECK(part.covers(p) == whole.covers(p));
        for (int c = 0; c < 3; ++c) CHECK(a[c] == b[c]);  // exactly: same index, same voxels
        ++compared;
      }
  CHECK(compared > 100);
  // The whole extent decides what is covered, not the window's slices.
  CHECK(part.covers(g.indexToPhysical({3.0, 4.0, -0.4})));
  CHECK_FALSE(part.covers(g.indexToPhysical({3.0, 4.0, 7.6})));

  // A chain's displacement on a slab of the grid: the whole grid's on those slices, bit for bit, also
  // when the field it reads is a window.
  const Field dWhole = chainDisplacement({affineStep(A), fieldStep(u)}, g);
  const Grid slab = windowOf(g, 3, 2);
  const Field dSlab = chainDisplacement({affineStep(A), fieldStep(window)}, slab);
  int64_t different = 0;
  for (int64_t k = 0; k < slab.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        const Vec3f& a = dWhole.at(i, j, k + 3);
        const Vec3f& b = dSlab.at(i, j, k);
        different += a[0] != b[0] || a[1] != b[1] || a[2] != b[2];
      }
  CHECK(different == 0);
}

TEST_CASE("a transform chain acts in ANTs order: the first listed acts first", "[eval][field]") {
  const Grid g = fieldGrid();
  const Vec3 c = g.centre();
  Affine A = Affine::identity(c);
  A.M = Mat3{{{1.05, 0.02, 0}, {-0.03, 0.97, 0.01}, {0, 0.02, 1.02}}};
  A.t = {1.5, -0.5, 0.75};
  const Field u = linearField(g, kB, c);
  const Vec3 x = g.indexToPhysical({5, 4, 3});

  // [field, affine]: A(x + u(x)), as antsApplyTransforms -t P1Warp -t P0GenericAffine.mat.
  const Vec3 fieldFirst = mapPoint({fieldStep(u), affineStep(A)}, x);
  const Vec3 expectFieldFirst = A.apply(x + kB * (x - c));
  // [affine, field]: A(x) + u(A(x)) (A(x) stays well inside the field's grid).
  const Vec3 affineFirst = mapPoint({affineStep(A), fieldStep(u)}, x);
  const Vec3 expectAffineFirst = A.apply(x) + kB * (A.apply(x) - c);
  for (int a = 0; a < 3; ++a) {
    CHECK(fieldFirst[a] == Approx(expectFieldFirst[a]).margin(1e-4));
    CHECK(affineFirst[a] == Approx(expectAffineFirst[a]).margin(1e-4));
  }
  CHECK(norm(fieldFirst - affineFirst) > 0.01);  // the test can tell the two orders apart

  // The whole chain as a field on a grid: p(x) - x at each voxel.
  const Field d = chainDisplacement({fieldStep(u), affineStep(A)}, g);
  const Vec3f& dx = d.at(5, 4, 3);
  for (int a = 0; a < 3; ++a) CHECK(dx[a] == Approx(expectFieldFirst[a] - x[a]).margin(1e-4));
}

TEST_CASE("chain difference: a constant extra shift is its own mean and max; no rotation", "[eval][field]") {
  const Grid g = fieldGrid();
  const Field u = linearField(g, kB, g.centre());
  Field shifted = u;
  for (auto& v : shifted.data) v = {v[0] + 0.3f, v[1] - 0.4f, v[2]};
  const TransformDifference d = chainDifference({fieldStep(u)}, {fieldStep(shifted)}, g, nullptr);
  CHECK(d.points == g.voxels());
  CHECK(d.meanMm == Approx(0.5).margin(1e-5));
  CHECK(d.maxMm == Approx(0.5).margin(1e-5));
  CHECK(std::isnan(d.rotationDeg));
}

TEST_CASE("inverse consistency: exact inverse ~0, the wrong inverse -u gives |B^2 x|", "[eval][field]") {
  const Grid g = fieldGrid();
  const Vec3 c = g.centre();
  const Field u = linearField(g, kB, c);
  // x + B(x - c) inverted: y -> c + (I + B)^-1 (y - c), so v(y) = ((I + B)^-1 - I)(y - c).
  Mat3 identityPlusB = kB;
  for (int a = 0; a < 3; ++a) identityPlusB.m[a][a] += 1;
  Mat3 inverseMinusI = identityPlusB.inverse();
  for (int a = 0; a < 3; ++a) inverseMinusI.m[a][a] -= 1;
  const Field v = linearField(g, inverseMinusI, c);
  // Interior voxels: x + u(x) stays inside v's grid, where trilinear sampling is exact.
  const Mask interior = interiorMask(g, 1);
  const InverseConsistency exact = inverseConsistency(u, v, &interior);
  CHECK(exact.voxels == 10 * 8 * 6);
  CHECK(exact.maxMm < 1e-4);

  // v = -u: u(x) + v(x + u(x)) = B(x-c) - B(x - c + B(x-c)) = -B^2 (x - c).
  Field minusU = u;
  for (auto& e : minusU.data) e = {-e[0], -e[1], -e[2]};
  const InverseConsistency wrong = inverseConsistency(u, minusU, &interior);
  double sum = 0, worst = 0;
  for (int64_t k = 1; k < 7; ++k)
    for (int64_t j = 1; j < 9; ++j)
      for (int64_t i = 1; i < 11; ++i) {
        const double e = norm(kB * (kB * (g.indexToPhysical({double(i), double(j), double(k)}) - c)));
        sum += e;
        worst = std::max(worst, e);
      }
  CHECK(wrong.meanMm == Approx(sum / 480).epsilon(1e-4));
  CHECK(wrong.maxMm == Approx(worst).epsilon(1e-4));
  CHECK(wrong.meanVoxels == Approx(wrong.meanMm / 1.5));
  CHECK(wrong.maxVoxels == Approx(wrong.maxMm / 1.5));
}

TEST_CASE("Jacobian statistics count folds, respect the mask and report percentages", "[eval][field]") {
  Grid g;
  g.size = {5, 2, 1};
  Image det(g);
  det.data = {1.0f, 2.0f, 0.5f, 0.0f, -1.0f, 1.5f, 1.0f, 1.0f, 1.0f, 3.0f};
  const JacobianStats all = jacobianStats(det, nullptr);
  CHECK(all.voxels == 10);
  CHECK(all.min == -1.0);
  CHECK(all.max == 3.0);
  CHECK(all.mean == Approx(10.0 / 10));
  CHECK(all.nonPositive == 2);
  CHECK(all.nonPositivePercent == Approx(20.0));

  Mask m(g);
  for (int v : {0, 1, 2, 3}) m.data[size_t(v)] = 1;
  const JacobianStats masked = jacobianStats(det, &m);
  CHECK(masked.voxels == 4);
  CHECK(masked.min == 0.0);
  CHECK(masked.max == 2.0);
  CHECK(masked.mean == Approx(3.5 / 4));
  CHECK(masked.nonPositive == 1);
  CHECK(masked.nonPositivePercent == Approx(25.0));
}
