// resampleAffine against a slow reference written from first principles: every output voxel is
// mapped to physical space, through A, and back to a moving continuous index with
// Grid::physicalToIndex; the trilinear value is the sum over the 8 surrounding voxels of
// value * prod(1 - |q - corner|).
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "core/error.hpp"
#include "ops/backend.hpp"
#include "ops_test_support.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

struct Reference {
  bool inside;
  bool nearBoundary;  // within 1e-4 voxel of the inside/outside boundary: not compared
  Vec3 q;    // clamped to [0, n-1]: where the linear and label interpolants are evaluated
  Vec3 raw;  // before clamping: what nearest neighbour rounds
};

Reference movingIndex(const Grid& out, const Grid& moving, const Affine& A, int64_t i, int64_t j, int64_t k) {
  Reference r;
  r.q = moving.physicalToIndex(A.apply(out.indexToPhysical({double(i), double(j), double(k)})));
  r.raw = r.q;
  r.inside = true;
  r.nearBoundary = false;
  // ITK's resampler: inside when q lies in [-0.5, n-0.5); beyond the outer voxel centres the value
  // is the edge value, i.e. q is clamped to [0, n-1] before interpolating.
  for (int a = 0; a < 3; ++a) {
    const double n = double(moving.size[a]);
    if (r.q[a] < -0.5 || r.q[a] >= n - 0.5) r.inside = false;
    if (std::abs(r.q[a] + 0.5) < 1e-4 || std::abs(r.q[a] - (n - 0.5)) < 1e-4) r.nearBoundary = true;
    r.q[a] = std::clamp(r.q[a], 0.0, n - 1);
  }
  return r;
}

// Weights of the 8 corners around q (corners outside the image are dropped; they have ~0 weight
// for inside points).
template <class Visit>
void forEachCorner(const Image& m, const Vec3& q, Visit&& visit) {
  const int64_t b0 = int64_t(std::floor(q[0])), b1 = int64_t(std::floor(q[1])), b2 = int64_t(std::floor(q[2]));
  for (int64_t c = b2; c <= b2 + 1; ++c)
    for (int64_t b = b1; b <= b1 + 1; ++b)
      for (int64_t a = b0; a <= b0 + 1; ++a) {
        if (a < 0 || b < 0 || c < 0 || a >= m.grid.size[0] || b >= m.grid.size[1] || c >= m.grid.size[2]) continue;
        const double w = std::max(0.0, 1 - std::abs(q[0] - a)) * std::max(0.0, 1 - std::abs(q[1] - b)) *
                         std::max(0.0, 1 - std::abs(q[2] - c));
        visit(m.at(a, b, c), w);
      }
}

struct Setup {
  Grid outGrid;
  Image moving;
  Affine A;
};

// A moving image that the output grid, mapped through A, partly overlaps (so both inside and
// outside points occur).
Setup randomSetup(std::mt19937_64& rng) {
  Setup s;
  const Vec3 centre{uniform(rng, -20, 20), uniform(rng, -20, 20), uniform(rng, -20, 20)};
  const Grid movingGrid = randomObliqueGrid(rng, {19, 17, 13}, 0.8, 1.7, 0.5, centre);
  s.outGrid = randomObliqueGrid(rng, {23, 21, 15}, 0.7, 1.5, 0.6, centre);
  std::uniform_real_distribution<float> value(-50, 50);
  s.moving = Image(movingGrid);
  for (float& v : s.moving.data) v = value(rng);
  s.A = randomAffine(rng, centre + Vec3{uniform(rng, -3, 3), 0, 0}, 0.4, 0.1, 2.0);
  Vec3 away{uniform(rng, -1, 1), uniform(rng, -1, 1), uniform(rng, -1, 1)};
  s.A.t = s.A.t + (7.0 / std::max(norm(away), 1e-9)) * away;  // a partial overlap
  return s;
}

}  // namespace

TEST_CASE("resampleAffine (linear) equals a first-principles trilinear evaluation", "[ops][resample]") {
  auto rng = seededRng("resample linear");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  for (int trial = 0; trial < 3; ++trial) {
    const Setup s = randomSetup(rng);
    const float outside = -1234.5f;
    const Image out = backend->resampleAffine(s.moving, s.outGrid, s.A, Interpolation::Linear, outside);
    REQUIRE(out.grid.sameAs(s.outGrid));
    int64_t inside = 0, outsideCount = 0;
    double worst = 0;
    for (int64_t k = 0; k < s.outGrid.size[2]; ++k)
      for (int64_t j = 0; j < s.outGrid.size[1]; ++j)
        for (int64_t i = 0; i < s.outGrid.size[0]; ++i) {
          const Reference r = movingIndex(s.outGrid, s.moving.grid, s.A, i, j, k);
          if (r.nearBoundary) continue;
          if (!r.inside) {
            ++outsideCount;
            REQUIRE(out.at(i, j, k) == outside);
            continue;
          }
          ++inside;
          double expected = 0;
          forEachCorner(s.moving, r.q, [&](float v, double w) { expected += w * v; });
          worst = std::max(worst, std::abs(double(out.at(i, j, k)) - expected));
        }
    INFO("inside " << inside << ", outside " << outsideCount);
    REQUIRE(inside > 500);
    REQUIRE(outsideCount > 100);
    REQUIRE(worst < 1e-4);  // values up to 50 stored as float
  }
}

TEST_CASE("resampleAffine nearest neighbour and label modes match their definitions", "[ops][resample]") {
  auto rng = seededRng("resample nn/label");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  for (int trial = 0; trial < 3; ++trial) {
    Setup s = randomSetup(rng);
    // Labels 0..5 in blocks of 3 voxels so that most neighbourhoods are mixed but not all distinct.
    std::uniform_int_distribution<int> label(0, 5);
    std::vector<int> blockLabel(7 * 7 * 5);
    for (int& l : blockLabel) l = label(rng);
    for (int64_t k = 0; k < s.moving.grid.size[2]; ++k)
      for (int64_t j = 0; j < s.moving.grid.size[1]; ++j)
        for (int64_t i = 0; i < s.moving.grid.size[0]; ++i)
          s.moving.at(i, j, k) = float(10 * blockLabel[size_t(i / 3 + 7 * (j / 3 + 7 * (k / 3)))]);

    const Image nn = backend->resampleAffine(s.moving, s.outGrid, s.A, Interpolation::NearestNeighbor, -1.0f);
    const Image lab = backend->resampleAffine(s.moving, s.outGrid, s.A, Interpolation::Label, -1.0f);
    int64_t mixed = 0, differsFromNN = 0;
    for (int64_t k = 0; k < s.outGrid.size[2]; ++k)
      for (int64_t j = 0; j < s.outGrid.size[1]; ++j)
        for (int64_t i = 0; i < s.outGrid.size[0]; ++i) {
          const Reference r = movingIndex(s.outGrid, s.moving.grid, s.A, i, j, k);
          // Nearest neighbour: round each index; inside when the rounded index exists.
          bool nearHalf = false, nnInside = true;
          int64_t idx[3];
          for (int a = 0; a < 3; ++a) {
            const double frac = r.raw[a] - std::floor(r.raw[a]);
            if (std::abs(frac - 0.5) < 1e-6) nearHalf = true;
            idx[a] = int64_t(std::lround(r.raw[a]));
            if (idx[a] < 0 || idx[a] >= s.moving.grid.size[a]) nnInside = false;
          }
          if (!nearHalf) {
            const float expected = nnInside ? s.moving.at(idx[0], idx[1], idx[2]) : -1.0f;
            REQUIRE(nn.at(i, j, k) == expected);
          }
          // Label: the label with the largest summed weight, ties to the smallest label.
          if (r.nearBoundary) continue;
          if (!r.inside) {
            REQUIRE(lab.at(i, j, k) == -1.0f);
            continue;
          }
          std::map<float, double> weight;
          forEachCorner(s.moving, r.q, [&](float v, double w) { weight[v] += w; });
          std::vector<std::pair<double, float>> ranked;
          for (auto& [l, w] : weight) ranked.push_back({w, l});
          std::sort(ranked.begin(), ranked.end(), [](auto& x, auto& y) { return x.first > y.first; });
          if (ranked.size() > 1) {
            ++mixed;
            if (ranked[0].first - ranked[1].first < 1e-9) continue;  // a near tie: decided by rounding
          }
          REQUIRE(lab.at(i, j, k) == ranked[0].second);
          if (!nearHalf && nnInside && lab.at(i, j, k) != nn.at(i, j, k)) ++differsFromNN;
        }
    REQUIRE(mixed > 200);
    REQUIRE(differsFromNN > 0);  // label voting is not nearest neighbour in disguise
  }
}

TEST_CASE("label interpolation breaks exact ties towards the smallest label", "[ops][resample]") {
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  Grid mg;
  mg.size = {2, 1, 1};
  Image moving(mg);
  moving.at(0, 0, 0) = 7.0f;
  moving.at(1, 0, 0) = 3.0f;
  Grid out;
  out.size = {1, 1, 1};
  out.origin = {0.5, 0, 0};  // exactly half-way between the two voxels
  const Image lab = backend->resampleAffine(moving, out, Affine::identity(), Interpolation::Label, 0.0f);
  REQUIRE(lab.at(0, 0, 0) == 3.0f);
  out.origin = {0.25, 0, 0};
  REQUIRE(backend->resampleAffine(moving, out, Affine::identity(), Interpolation::Label, 0.0f).at(0, 0, 0) == 7.0f);
  REQUIRE(backend->resampleAffine(moving, out, Affine::identity(), Interpolation::Linear, 0.0f).at(0, 0, 0) ==
          Approx(6.0));
}

TEST_CASE("resampleAffine with a 2-voxel translation shifts the array", "[ops][resample]") {
  auto rng = seededRng("resample shift");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {20, 18, 12}, 0.6, 1.9, 0.7, {5, -3, 8});
  Image im(g);
  std::uniform_real_distribution<float> value(0, 100);
  for (float& v : im.data) v = value(rng);
  Affine A = Affine::identity(g.centre());
  A.t = g.indexToPhysicalMatrix() * Vec3{0, -2, 0};  // warped(j) = moving(j - 2)
  const Image out = backend->resampleAffine(im, g, A, Interpolation::Linear, -7.0f);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) {
        if (j >= 2)
          REQUIRE(out.at(i, j, k) == Approx(im.at(i, j - 2, k)).margin(1e-4));
        else
          REQUIRE(out.at(i, j, k) == -7.0f);
      }
}

TEST_CASE("resampleMask is nearest neighbour through physical space, zero outside", "[ops][resample]") {
  auto rng = seededRng("resample mask");
  SelfComm comm;
  auto backend = makeCpuBackend(comm);
  const Grid g = randomObliqueGrid(rng, {17, 14, 11}, 0.7, 1.6, 0.5, {1, 2, 3});
  Mask m(g, 0);
  std::bernoulli_distribution coin(0.5);
  for (auto& v : m.data) v = coin(rng) ? 1 : 0;
  Grid target = g;
  target.origin = g.indexToPhysical({0, 1, 0});  // target (i, j, k) sits on input (i, j + 1, k)
  const Mask out = backend->resampleMask(m, target);
  for (int64_t k = 0; k < g.size[2]; ++k)
    for (int64_t j = 0; j < g.size[1]; ++j)
      for (int64_t i = 0; i < g.size[0]; ++i) REQUIRE(out.at(i, j, k) == (j + 1 < g.size[1] ? m.at(i, j + 1, k) : 0));
  // A coarser grid over the same region: each target voxel takes the input voxel nearest its centre.
  const Grid coarse = g.shrunk({2, 3, 2});
  const Mask c = backend->resampleMask(m, coarse);
  int64_t compared = 0;
  for (int64_t k = 0; k < coarse.size[2]; ++k)
    for (int64_t j = 0; j < coarse.size[1]; ++j)
      for (int64_t i = 0; i < coarse.size[0]; ++i) {
        const Vec3 q = g.physicalToIndex(coarse.indexToPhysical({double(i), double(j), double(k)}));
        const int64_t a = std::lround(q[0]), b = std::lround(q[1]), d = std::lround(q[2]);
        const bool in = a >= 0 && b >= 0 && d >= 0 && a < g.size[0] && b < g.size[1] && d < g.size[2];
        bool nearHalf = false;
        for (int x = 0; x < 3; ++x) nearHalf |= std::abs(q[x] - std::floor(q[x]) - 0.5) < 1e-6;
        if (nearHalf) continue;
        ++compared;
        REQUIRE(c.at(i, j, k) == (in ? m.at(a, b, d) : 0));
      }
  REQUIRE(compared > coarse.voxels() / 2);
}
