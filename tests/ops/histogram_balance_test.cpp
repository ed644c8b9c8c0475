// HistogramBalance (lib/ops/histogram_balance.hpp): the split of MI's histogram pass over the ranks.
// Simulated here with a cost per slice (tissue slices dearer) standing in for the measured pass
// times; each rank keeps its own HistogramBalance, as the CUDA backend does, and gets the summed
// reports, as the histogram's reduction gives them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "dist/slab.hpp"
#include "ops/histogram_balance.hpp"
#include "ops/ops_test_support.hpp"

using namespace ffdp;

namespace {

struct Simulation {
  std::vector<Grid> slabs;                  // each rank's buffer
  std::vector<HistogramBalance> balances;   // each rank's state
  std::vector<double> cost;                 // seconds per whole slice
};

Simulation simulate(int64_t nz, int ranks, int64_t halo, std::vector<double> cost) {
  Grid whole;
  whole.size = {4, 3, nz};
  whole.spacing = {0.5, 0.7, 1.3};
  Simulation s;
  const SlabLayout layout(whole, ranks);
  for (int r = 0; r < ranks; ++r) s.slabs.push_back(layout.haloSlabGrid(r, halo));
  s.balances.resize(size_t(ranks));
  s.cost = std::move(cost);
  return s;
}

// One histogram pass: each rank counts its slices (checked: inside its buffer, and all ranks together
// count every whole slice once), the reports are summed, every rank updates. Returns the ranks' times.
std::vector<double> pass(Simulation& s) {
  const int ranks = int(s.slabs.size());
  const int64_t nz = s.slabs[0].slab.wholeSlices;
  std::vector<int> countedBy(size_t(nz), 0);
  std::vector<double> times(size_t(ranks), 0.0);
  std::vector<double> summed(size_t(ranks) * HistogramBalance::kReportWidth, 0.0);
  for (int r = 0; r < ranks; ++r) {
    const Grid& g = s.slabs[size_t(r)];
    const HistogramBalance::Slices c = s.balances[size_t(r)].slicesFor(g, r, ranks);
    REQUIRE(c.begin >= 0);
    REQUIRE(c.end <= g.size[2]);
    REQUIRE(c.begin < c.end);
    for (int64_t k = c.begin; k < c.end; ++k) {
      ++countedBy[size_t(k + g.slab.firstSlice)];
      times[size_t(r)] += s.cost[size_t(k + g.slab.firstSlice)];
    }
    std::vector<double> slots(summed.size(), 0.0);
    HistogramBalance::report(g, r, c, times[size_t(r)], slots.data());
    for (size_t n = 0; n < slots.size(); ++n) summed[n] += slots[n];
  }
  for (int64_t k = 0; k < nz; ++k) {
    INFO("whole slice " << k);
    REQUIRE(countedBy[size_t(k)] == 1);
  }
  for (HistogramBalance& b : s.balances) b.update(ranks, summed.data());
  return times;
}

double largest(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }

// A head in z, lower than the middle: background slices cost 0.6, tissue 1.6 to 2.
std::vector<double> headCost(int64_t nz, std::mt19937_64& rng) {
  std::vector<double> cost(static_cast<size_t>(nz));
  for (int64_t k = 0; k < nz; ++k) {
    const double t = (double(k) + 0.5) / double(nz);
    const double tissue = std::max(0.0, 1.0 - std::pow((t - 0.42) / 0.3, 2));
    cost[size_t(k)] = 0.6 + tissue * test::uniform(rng, 1.0, 1.4);
  }
  return cost;
}

}  // namespace

TEST_CASE("the MI histogram split counts every slice once and evens out the ranks' times", "[ops][slab]") {
  auto rng = test::seededRng("histogram balance: head");
  for (const int ranks : {2, 3, 4}) {
    INFO(ranks << " ranks");
    const int64_t nz = 240;
    Simulation s = simulate(nz, ranks, 40, headCost(nz, rng));  // halos wide enough for an even split
    const std::vector<double> first = pass(s);  // own slices
    std::vector<double> times = first;
    for (int n = 0; n < 30; ++n) times = pass(s);
    INFO("largest / mean time: " << largest(first) / mean(first) << " at first, " << largest(times) / mean(times)
                                 << " after");
    REQUIRE(largest(first) / mean(first) > 1.1);  // the own slices are uneven
    // Even to within the cost of two of the dearest slices (2.0 each): the split is whole slices.
    REQUIRE(largest(times) - mean(times) <= 4.0);
  }
}

TEST_CASE("the MI histogram split stays inside the halo when balance needs more", "[ops][slab]") {
  auto rng = test::seededRng("histogram balance: narrow halo");
  const int64_t nz = 120, halo = 2;
  Simulation s = simulate(nz, 3, halo, headCost(nz, rng));
  const std::vector<double> first = pass(s);
  std::vector<double> times = first;
  for (int n = 0; n < 10; ++n) times = pass(s);  // pass() checks every range against its buffer
  REQUIRE(largest(times) < largest(first));      // better, as far as two slices each way allow
  const HistogramBalance::Slices middle = s.balances[1].slicesFor(s.slabs[1], 1, 3);
  REQUIRE(middle.begin >= s.slabs[1].ownedBegin() - halo);
  REQUIRE(middle.end <= s.slabs[1].ownedEnd() + halo);
}

TEST_CASE("the MI histogram split: whole grids count every slice, thin slabs keep one each", "[ops][slab]") {
  Grid whole;
  whole.size = {4, 3, 9};
  HistogramBalance b;
  const HistogramBalance::Slices all = b.slicesFor(whole, 0, 1);
  REQUIRE(all.begin == 0);
  REQUIRE(all.end == 9);

  // Four ranks on five slices with a wide halo and one very dear slice: nobody's range empties.
  std::vector<double> cost(5, 1.0);
  cost[2] = 100;
  Simulation s = simulate(5, 4, 3, cost);
  for (int n = 0; n < 10; ++n) pass(s);
}

TEST_CASE("the MI histogram split carries its offsets to the next pyramid level", "[ops][slab]") {
  auto rng = test::seededRng("histogram balance: next level");
  Simulation coarse = simulate(120, 3, 10, headCost(120, rng));
  for (int n = 0; n < 20; ++n) pass(coarse);
  const HistogramBalance::Slices c = coarse.balances[1].slicesFor(coarse.slabs[1], 1, 3);
  const int64_t coarseShift = (c.begin + coarse.slabs[1].slab.firstSlice) - 40;
  REQUIRE(coarseShift != 0);

  // The finer level: own slices first (the other ranks' cuts are not known yet), then the coarse
  // offsets at twice the slices.
  Simulation fine = simulate(240, 3, 20, headCost(240, rng));
  fine.balances = coarse.balances;
  const HistogramBalance::Slices own = fine.balances[1].slicesFor(fine.slabs[1], 1, 3);
  REQUIRE(own.begin == fine.slabs[1].ownedBegin());
  pass(fine);
  const HistogramBalance::Slices carried = fine.balances[1].slicesFor(fine.slabs[1], 1, 3);
  REQUIRE(carried.begin + fine.slabs[1].slab.firstSlice - 80 == 2 * coarseShift);
}
