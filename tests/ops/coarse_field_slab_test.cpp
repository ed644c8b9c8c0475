// A coarser field on slabs (ops/coarse_field_map.hpp restrictionHalo, ops/slab_backend.cpp): the metric's
// gradient per image voxel has one reader, the restriction onto the field's grid, so the slab decorator
// refreshes only the image halo slices that the restriction of the own field slices reads. Checked with
// the ranks as threads: the image buffers' halos start as NaN, only restrictionHalo slices are refreshed,
// and every rank's own field slices must equal the whole grid's restriction bit for bit; one slice fewer
// must leave a NaN in some rank's own slices (the depth is needed, not only enough).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "dist/slab.hpp"
#include "dist/slab_volume.hpp"
#include "field_test_support.hpp"
#include "ops/coarse_field_map.hpp"
#include "ops/cpu/field_ops.hpp"
#include "support/thread_comm.hpp"

using namespace ffdp;
using namespace ffdp::test;

namespace {

struct RankResult {
  bool equal = false;  // own field slices equal the whole restriction, bit for bit
  bool anyNan = false;
};

// Each rank: its image slab of g with a NaN halo, `depth` halo slices refreshed, restricted onto its field slab.
std::vector<RankResult> restrictOnSlabs(const Field& g, const Grid& fieldWhole, const Field& wholeRestricted,
                                        int ranks, SlabCuts cuts, int shrink, int64_t halo, int64_t depthChange,
                                        int64_t* depthUsed) {
  std::vector<RankResult> results(static_cast<size_t>(ranks));
  std::vector<int64_t> depths(static_cast<size_t>(ranks));
  runRanks(ranks, [&](int r, Comm& comm) {
    const SlabLayout layout(g.grid, ranks, cuts);
    const Grid imageSlab = layout.haloSlabGrid(r, halo);
    const Grid fieldSlab = shrunkGrid(imageSlab, {shrink, shrink, shrink}, ranks, r);
    Field slab(imageSlab);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const int64_t plane = imageSlab.size[0] * imageSlab.size[1];
    for (int64_t k = 0; k < imageSlab.size[2]; ++k)
      for (int64_t n = 0; n < plane; ++n) {
        const bool own = k >= imageSlab.ownedBegin() && k < imageSlab.ownedEnd();
        slab.data[size_t(k * plane + n)] =
            own ? g.data[size_t((k + imageSlab.slab.firstSlice) * plane + n)] : Vec3f{nan, nan, nan};
      }
    const int64_t depth = restrictionHalo(imageSlab, fieldSlab, ranks) + depthChange;
    depths[size_t(r)] = depth;
    refreshInnerHalo(comm, slab, depth);
    const Field restricted = cpu::restrictField(slab, fieldSlab);
    const int64_t fieldPlane = fieldSlab.size[0] * fieldSlab.size[1];
    RankResult& out = results[size_t(r)];
    out.equal = true;
    for (int64_t k = fieldSlab.ownedBegin(); k < fieldSlab.ownedEnd(); ++k)
      for (int64_t n = 0; n < fieldPlane; ++n) {
        const Vec3f& a = restricted.data[size_t(k * fieldPlane + n)];
        const Vec3f& b = wholeRestricted.data[size_t((k + fieldSlab.slab.firstSlice) * fieldPlane + n)];
        out.anyNan |= std::isnan(a[0]) || std::isnan(a[1]) || std::isnan(a[2]);
        out.equal &= std::memcmp(&a, &b, sizeof a) == 0;
      }
  });
  *depthUsed = depths[0];
  return results;
}

}  // namespace

TEST_CASE("slabs refresh only the image halo that restricting their own field slices reads", "[ops][coarse][slab]") {
  auto rng = seededRng("coarse field slab restriction halo");
  const int shrink = GENERATE(2, 3);
  const int ranks = GENERATE(3, 4);
  const bool uneven = GENERATE(false, true);
  const Grid whole = randomObliqueGrid(rng, {11, 9, 47}, 0.8, 1.3, 0.3, {1, -2, 0.5});
  const Field g = randomField(rng, whole, 1.0);
  const Grid fieldWhole = whole.shrunk({shrink, shrink, shrink});
  const Field wholeRestricted = cpu::restrictField(g, fieldWhole);
  SlabCuts cuts;
  if (uneven) {
    std::vector<double> c{0.0};
    for (int r = 1; r < ranks; ++r) c.push_back(double(r) / ranks + (r % 2 ? 0.037 : -0.029));
    c.push_back(1.0);
    cuts = std::make_shared<const std::vector<double>>(c);
  }
  const int64_t halo = 6;  // the buffers' halo: deeper than the restriction reads
  INFO("shrink " << shrink << ", ranks " << ranks << ", uneven cuts " << uneven);

  int64_t depth = 0;
  const std::vector<RankResult> exact =
      restrictOnSlabs(g, fieldWhole, wholeRestricted, ranks, cuts, shrink, halo, 0, &depth);
  INFO("restriction halo " << depth);
  REQUIRE(depth >= 1);
  CHECK(depth < halo);
  for (int r = 0; r < ranks; ++r) {
    CHECK(exact[size_t(r)].equal);
    CHECK_FALSE(exact[size_t(r)].anyNan);
  }
  int64_t fewer = 0;
  const std::vector<RankResult> short1 =
      restrictOnSlabs(g, fieldWhole, wholeRestricted, ranks, cuts, shrink, halo, -1, &fewer);
  bool someNan = false;
  for (const RankResult& r : short1) someNan |= r.anyNan;
  CHECK(someNan);
}
