// Slab layouts with cuts (dist/slab.hpp) and the cuts that balance MI work (dist/slab_balance.hpp):
// the layout maths without MPI, the work profile and the re-layout with ranks as threads.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

#include "core/error.hpp"
#include "dist/slab.hpp"
#include "dist/slab_balance.hpp"
#include "dist/slab_volume.hpp"
#include "dist/slice_fetch.hpp"
#include "slab_test_grid.hpp"
#include "support/thread_comm.hpp"

using namespace ffdp;
using ffdp::test::gridWithSlices;

namespace {


SlabCuts cutsOf(std::vector<double> c) { return std::make_shared<const std::vector<double>>(std::move(c)); }

// Every rank's own range under `layout`, checked to tile [0, nz) in rank order.
void requireTiling(const SlabLayout& layout) {
  int64_t next = 0;
  for (int r = 0; r < layout.ranks(); ++r) {
    const SliceRange own = layout.own(r);
    REQUIRE(own.begin == next);
    REQUIRE(own.end >= own.begin);
    for (int64_t k = own.begin; k < own.end; ++k) REQUIRE(layout.ownerOf(k) == r);
    next = own.end;
  }
  REQUIRE(next == layout.slices());
}

}  // namespace

TEST_CASE("a layout with cuts begins each rank at round(cut x slices), empty ranks included", "[dist][slab]") {
  const SlabCuts cuts = cutsOf({0.0, 0.1, 0.5, 0.5, 1.0});  // rank 2 owns nothing
  for (int64_t nz : {1, 2, 5, 10, 37, 200}) {
    INFO("nz " << nz);
    const SlabLayout layout(gridWithSlices(nz), 4, cuts);
    requireTiling(layout);
    for (int r = 0; r < 4; ++r) CHECK(layout.own(r).begin == std::llround((*cuts)[size_t(r)] * double(nz)));
    CHECK(layout.own(2).empty());
  }
  const SlabLayout layout(gridWithSlices(10), 4, cuts);
  CHECK(layout.own(0) == SliceRange{0, 1});
  CHECK(layout.own(1) == SliceRange{1, 5});
  CHECK(layout.own(3) == SliceRange{5, 10});
  CHECK(layout.withHalo(3, 2) == SliceRange{3, 10});
}

TEST_CASE("a slab grid keeps its cuts: its layout, and every pyramid level's, split at the same heights",
          "[dist][slab]") {
  const SlabCuts cuts = cutsOf({0.0, 0.27, 0.61, 1.0});
  const Grid whole = gridWithSlices(101);
  const SlabLayout layout(whole, 3, cuts);
  for (int r = 0; r < 3; ++r) {
    const Grid slab = layout.haloSlabGrid(r, 4);
    REQUIRE(slab.slab.cuts);
    CHECK(*slab.slab.cuts == *cuts);
    const SlabLayout again = SlabLayout::of(slab, 3);
    for (int q = 0; q < 3; ++q) CHECK(again.own(q) == layout.own(q));
    for (int shrink : {2, 4, 8}) {
      const Grid level = shrunkGrid(slab, {shrink, shrink, shrink}, 3, r);
      const SlabLayout levelLayout = SlabLayout::of(level, 3);
      requireTiling(levelLayout);
      CHECK(level.slab.halo == 4);
      CHECK(levelLayout.own(r).begin == std::llround((*cuts)[size_t(r)] * double(levelLayout.slices())));
    }
  }
  // Placements with other cuts are other placements.
  CHECK_FALSE(layout.haloSlabGrid(1, 4).slab == SlabLayout(whole, 3).haloSlabGrid(1, 4).slab);
  CHECK(layout.haloSlabGrid(1, 4).slab == SlabLayout(whole, 3, cutsOf(*cuts)).haloSlabGrid(1, 4).slab);
}

TEST_CASE("a layout refuses cuts that are not ranks + 1 rising fractions from 0 to 1", "[dist][slab]") {
  const Grid g = gridWithSlices(10);
  CHECK_THROWS_AS(SlabLayout(g, 3, cutsOf({0.0, 0.5, 1.0})), Error);
  CHECK_THROWS_AS(SlabLayout(g, 2, cutsOf({0.1, 0.5, 1.0})), Error);
  CHECK_THROWS_AS(SlabLayout(g, 2, cutsOf({0.0, 0.5, 0.9})), Error);
  CHECK_THROWS_AS(SlabLayout(g, 3, cutsOf({0.0, 0.6, 0.4, 1.0})), Error);
  CHECK_THROWS_AS(SlabLayout(g, 2, cutsOf({0.0, NAN, 1.0})), Error);
  CHECK_NOTHROW(SlabLayout(g, 2, cutsOf({0.0, 0.0, 1.0})));
}

TEST_CASE("balanced cuts give every rank the same work, to a slice, within the growth limit", "[dist][slab]") {
  // A head: light slices at both ends, heavy in the middle.
  const int64_t nz = 400;
  std::vector<double> work(static_cast<size_t>(nz), 0.0);
  for (int64_t k = 0; k < nz; ++k) {
    const double x = (double(k) + 0.5) / double(nz) - 0.5;
    work[size_t(k)] = 0.64 + 0.36 * std::max(0.0, 1.0 - 4.0 * x * x);
  }
  const double total = std::accumulate(work.begin(), work.end(), 0.0);
  const double heaviest = *std::max_element(work.begin(), work.end());
  for (int ranks : {2, 3, 4, 8}) {
    INFO(ranks << " ranks");
    const SlabCuts cuts = balancedCuts(work, ranks);
    REQUIRE(cuts);
    const SlabLayout layout(gridWithSlices(nz), ranks, cuts);
    requireTiling(layout);
    for (int r = 0; r < ranks; ++r) {
      const SliceRange own = layout.own(r);
      const double mine = std::accumulate(work.begin() + own.begin, work.begin() + own.end, 0.0);
      CHECK(std::abs(mine - total / ranks) <= heaviest);
      CHECK(double(own.count()) <= kMaxBalancedSlabGrowth * double(nz) / ranks + 1);
    }
    // The edge ranks hold more slices than the middle ones (they are lighter); two halves stay equal.
    if (ranks > 2) CHECK(layout.own(0).count() > layout.own(ranks / 2).count());
  }
  CHECK_FALSE(balancedCuts(std::vector<double>(10, 2.0), 4));  // uniform: equal slabs
  CHECK_FALSE(balancedCuts(work, 1));
  CHECK_FALSE(balancedCuts({}, 3));
}

TEST_CASE("balanced cuts stop at the growth limit when the work is very uneven", "[dist][slab]") {
  std::vector<double> work(100, 0.01);
  for (int64_t k = 45; k < 55; ++k) work[size_t(k)] = 1.0;  // all the work in 10 % of the slices
  const SlabCuts cuts = balancedCuts(work, 4);
  REQUIRE(cuts);
  const SlabLayout layout(gridWithSlices(100), 4, cuts);
  requireTiling(layout);
  int64_t largest = 0;
  for (int r = 0; r < 4; ++r) largest = std::max(largest, layout.own(r).count());
  CHECK(largest <= 30 + 1);  // 1.2 x 25, to a slice of rounding
  CHECK(largest >= 29);      // and the limit is used, not a cruder blend
}

TEST_CASE("MI work per slice counts background voxels at their cost, the same from slabs as whole",
          "[dist][slab]") {
  const Grid whole = gridWithSlices(9, 4, 5);  // 20 voxels a slice
  Image image(whole, 0.0f);
  // Slice k holds 2k voxels at 100 (foreground), the rest at 0; 10 bins of 0..100: background is up to 10.
  for (int64_t k = 0; k < 9; ++k)
    for (int64_t n = 0; n < 2 * k; ++n) image.data[size_t(k * 20 + n)] = 100.0f;
  SelfComm self;
  const std::vector<double> work = miSliceWork(self, image, 10.0, 0.5);
  REQUIRE(work.size() == 9);
  for (int64_t k = 0; k < 9; ++k) CHECK(work[size_t(k)] == Approx(2.0 * k + 0.5 * (20 - 2 * k)));

  std::vector<std::vector<double>> fromSlabs(3);
  test::runRanks(3, [&](int r, Comm& comm) {
    const Image slab = cutSlab(image, SlabLayout(whole, 3).haloSlabGrid(r, 2));
    fromSlabs[size_t(r)] = miSliceWork(comm, slab, 10.0, 0.5);
  });
  for (int r = 0; r < 3; ++r) CHECK(fromSlabs[size_t(r)] == work);
}

TEST_CASE("re-laid-out slabs hold the whole volume's slices, halos included, and exchange halos",
          "[dist][slab]") {
  const Grid whole = gridWithSlices(23);
  Image image(whole);
  for (size_t n = 0; n < image.data.size(); ++n) image.data[n] = float(n);
  const SlabCuts cuts = cutsOf({0.0, 0.45, 0.5, 0.9, 1.0});
  std::vector<int64_t> wrong(4, -1);
  test::runRanks(4, [&](int r, Comm& comm) {
    const Image equal = cutSlab(image, SlabLayout(whole, 4).haloSlabGrid(r, 3));
    Image balanced = relaidOut(comm, equal, cuts);
    const Grid expected = SlabLayout(whole, 4, cuts).haloSlabGrid(r, 3);
    int64_t bad = balanced.grid.slab == expected.slab && balanced.grid.size == expected.size ? 0 : 1000;
    const Image truth = cutSlab(image, expected);
    for (size_t n = 0; n < truth.data.size() && !bad; ++n) bad += balanced.data[n] != truth.data[n];
    // A halo spoilt and refreshed through the new layout comes back.
    const int64_t plane = whole.size[0] * whole.size[1];
    for (int64_t k = 0; k < balanced.grid.size[2]; ++k)
      if (k < balanced.grid.ownedBegin() || k >= balanced.grid.ownedEnd())
        for (int64_t n = 0; n < plane; ++n) balanced.data[size_t(k * plane + n)] = -1.0f;
    refreshHalo(comm, balanced);
    for (size_t n = 0; n < truth.data.size(); ++n) bad += balanced.data[n] != truth.data[n];
    wrong[size_t(r)] = bad;
  });
  for (int r = 0; r < 4; ++r) {
    INFO("rank " << r);
    CHECK(wrong[size_t(r)] == 0);
  }
}
