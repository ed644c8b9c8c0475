// Slab decomposition maths and the halo-round plan, checked for many (slices, ranks, halo)
// without MPI: the plan is simulated for all ranks in one process.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "core/error.hpp"
#include "dist/slab.hpp"
#include "dist/slab_halo.hpp"
#include "slab_test_grid.hpp"

using namespace ffdp;
using ffdp::test::gridWithSlices;

TEST_CASE("slab layout covers every slice exactly once, in rank order, balanced to one slice", "[dist][slab]") {
  for (int64_t nz : {1, 2, 3, 5, 7, 16, 31, 64, 257}) {
    for (int ranks : {1, 2, 3, 4, 5, 8, 13, 40}) {
      INFO("nz " << nz << ", ranks " << ranks);
      const SlabLayout layout(gridWithSlices(nz), ranks);
      std::vector<int> owners(static_cast<size_t>(nz), 0);
      int64_t smallest = nz, largest = 0, next = 0;
      for (int r = 0; r < ranks; ++r) {
        const SliceRange own = layout.own(r);
        REQUIRE(own.begin == next);  // contiguous and ascending with the rank
        next = own.end;
        smallest = std::min(smallest, own.count());
        largest = std::max(largest, own.count());
        for (int64_t k = own.begin; k < own.end; ++k) {
          ++owners[static_cast<size_t>(k)];
          REQUIRE(layout.ownerOf(k) == r);
        }
      }
      CHECK(next == nz);
      CHECK(std::count(owners.begin(), owners.end(), 1) == nz);
      CHECK(largest - smallest <= 1);
      CHECK(smallest == nz / ranks);  // nobody idles while others hold two extra slices
    }
  }
}

TEST_CASE("slab halo range widens by the halo and is clamped to the volume", "[dist][slab]") {
  const SlabLayout layout(gridWithSlices(10), 3);  // owns [0,4) [4,7) [7,10)
  CHECK(layout.own(1) == SliceRange{4, 7});
  CHECK(layout.withHalo(0, 2) == SliceRange{0, 6});
  CHECK(layout.withHalo(1, 2) == SliceRange{2, 9});
  CHECK(layout.withHalo(2, 2) == SliceRange{5, 10});
  CHECK(layout.withHalo(1, 0) == SliceRange{4, 7});
  CHECK(layout.withHalo(1, 50) == SliceRange{0, 10});
  CHECK_THROWS_AS(layout.own(3), Error);
  CHECK_THROWS_AS(layout.withHalo(0, -1), Error);
  CHECK_THROWS_AS(SlabLayout(gridWithSlices(10), 0), Error);
}

TEST_CASE("a slab grid places its voxels at the same physical points as the full grid", "[dist][slab]") {
  Grid g = gridWithSlices(12);
  g.direction = rotationFromVector({0.0, 1.5707963267948966, 0.0});  // slices stacked along x, not z
  const SlabLayout layout(g, 4);
  const SliceRange range = layout.withHalo(2, 1);  // [5, 10)
  const Grid slab = layout.slabGrid(range);
  CHECK(slab.size[2] == 5);
  for (int64_t k = 0; k < slab.size[2]; ++k) {
    const Vec3 inSlab = slab.indexToPhysical({2.0, 1.0, double(k)});
    const Vec3 inFull = g.indexToPhysical({2.0, 1.0, double(range.begin + k)});
    for (int a = 0; a < 3; ++a) CHECK(inSlab[a] == Approx(inFull[a]).margin(1e-12));
  }
}

// Runs every rank's plan in one process: slab buffers per rank, each round copied between
// neighbours from the state before the round (as simultaneous messages would be).
TEST_CASE("the halo plan fills every halo slice with its owner's value, thin slabs included", "[dist][slab]") {
  for (int64_t nz : {1, 2, 3, 4, 5, 7, 9, 20}) {
    for (int ranks : {1, 2, 3, 4, 6, 9}) {
      for (int64_t halo : {0, 1, 2, 3, 5}) {
        INFO("nz " << nz << ", ranks " << ranks << ", halo " << halo);
        const SlabLayout layout(gridWithSlices(nz), ranks);
        std::vector<std::vector<int64_t>> buffers(static_cast<size_t>(ranks));
        std::vector<std::vector<HaloRound>> plans;
        for (int r = 0; r < ranks; ++r) {
          const SliceRange held = layout.withHalo(r, halo), own = layout.own(r);
          auto& b = buffers[static_cast<size_t>(r)];
          b.assign(static_cast<size_t>(held.count()), -1);  // -1: not filled
          for (int64_t k = own.begin; k < own.end; ++k) b[static_cast<size_t>(k - held.begin)] = k;
          plans.push_back(planHaloRounds(layout, r, halo));
        }
        const size_t rounds = plans[0].size();
        for (int r = 0; r < ranks; ++r) REQUIRE(plans[static_cast<size_t>(r)].size() == rounds);
        if (ranks > 1 && halo > 0 && nz / ranks >= halo) CHECK(rounds == 1);  // thick slabs: one step
        for (size_t t = 0; t < rounds; ++t) {
          const auto before = buffers;
          for (int r = 0; r < ranks; ++r) {
            const HaloRound& step = plans[static_cast<size_t>(r)][t];
            const SliceRange held = layout.withHalo(r, halo);
            auto receive = [&](const SliceRange& want, int from, const SliceRange& sent) {
              if (want.empty()) return;
              REQUIRE((from >= 0 && from < ranks));
              REQUIRE(sent == want);  // the neighbour's plan sends exactly what this one receives
              const SliceRange fromHeld = layout.withHalo(from, halo);
              for (int64_t k = want.begin; k < want.end; ++k) {
                const int64_t v = before[static_cast<size_t>(from)][static_cast<size_t>(k - fromHeld.begin)];
                REQUIRE(v == k);  // forwarded only once it had arrived
                buffers[static_cast<size_t>(r)][static_cast<size_t>(k - held.begin)] = v;
              }
            };
            if (r > 0) receive(step.recvBelow, r - 1, plans[static_cast<size_t>(r - 1)][t].sendAbove);
            else CHECK(step.recvBelow.empty());
            if (r + 1 < ranks) receive(step.recvAbove, r + 1, plans[static_cast<size_t>(r + 1)][t].sendBelow);
            else CHECK(step.recvAbove.empty());
          }
        }
        for (int r = 0; r < ranks; ++r) {
          const SliceRange held = layout.withHalo(r, halo);
          for (int64_t k = held.begin; k < held.end; ++k) {
            CHECK(buffers[static_cast<size_t>(r)][static_cast<size_t>(k - held.begin)] == k);
          }
        }
      }
    }
  }
}
