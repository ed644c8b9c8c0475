// Deterministic reductions: every parallel loop writes one partial result per z-slice, and the
// partials are added here in slice order, so a sum does not depend on the thread count.
//
// Multi-rank runs (core/grid.hpp, SlabPlacement). A volume on the fixed grid is held by each rank as
// a slab buffer: its own slices plus halo slices copied from its neighbours. Ops compute every slice
// of the buffer (halo included), but a global reduction must count each voxel of the whole volume
// once, so it takes only the grid's owned slices [ownedBegin, ownedEnd) and then combines the ranks'
// results through the Comm. A volume every rank holds whole (the moving image) is reduced over all
// its slices and NOT combined across ranks: every rank already has the full result (a sum would be
// counted once per rank). The rule lives here only: sums go through sumSlicesInWholeOrder, which adds
// every rank's slices in whole-slice order, so a sum is the one-process sum bit for bit on any
// number of ranks; maxima and minima through maxOwnedSlices (or a loop over the owned slices) and
// acrossRanksMax / Min, each given the grid the reduction ran over.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/grid.hpp"
#include "dist/comm.hpp"

namespace ffdp::cpu {

// ---- Across ranks: combine only when the grid is a slab (each rank holds a part of the volume).
// Maxima and minima do not depend on the order. Sums do: the CPU's go through sumSlicesInWholeOrder;
// acrossRanksSum (rank partials added in rank order) serves the CUDA backend, whose partials are per
// thread block, not per slice.

inline void acrossRanksSum(const Grid& grid, Comm& comm, double* values, std::size_t count) {
  if (grid.isSlab()) comm.allreduceSum(values, count);
}
inline void acrossRanksMax(const Grid& grid, Comm& comm, double* values, std::size_t count) {
  if (grid.isSlab()) comm.allreduceMax(values, count);
}
inline void acrossRanksMin(const Grid& grid, Comm& comm, double* values, std::size_t count) {
  if (grid.isSlab()) comm.allreduceMin(values, count);
}

// ---- Across ranks in whole-slice order: the same sum on any number of ranks.

// The sum over the whole volume of per-slice partials of run-time width (local slice k at k * width),
// added in global slice order whatever the ranks: each rank places its own slices' partials in a
// whole-length table, zeros elsewhere, the ranks sum the tables (exact: each entry has one nonzero
// term), and every rank adds the slices in order. So the total is the whole grid's, bit for bit,
// wherever the per-slice partials are. Costs a reduction of wholeSlices * width doubles.
inline std::vector<double> sumSlicesInWholeOrder(const Grid& grid, Comm& comm, const double* partials,
                                                 std::size_t width) {
  std::vector<double> total(width, 0.0);
  if (!grid.isSlab()) {
    for (int64_t k = 0; k < grid.size[2]; ++k)
      for (std::size_t n = 0; n < width; ++n) total[n] += partials[size_t(k) * width + n];
    return total;
  }
  std::vector<double> table(size_t(grid.slab.wholeSlices) * width, 0.0);
  for (int64_t k = grid.ownedBegin(); k < grid.ownedEnd(); ++k)
    std::copy_n(partials + size_t(k) * width, width, table.data() + size_t(grid.slab.firstSlice + k) * width);
  comm.allreduceSum(table.data(), table.size());
  for (int64_t k = 0; k < grid.slab.wholeSlices; ++k)
    for (std::size_t n = 0; n < width; ++n) total[n] += table[size_t(k) * width + n];
  return total;
}

// ---- Within a rank: the owned slices of per-slice partials (partials[k] for local slice k).

// The largest per-slice value over the owned slices; `empty` when the rank owns no slice. NaN wins
// (a corrupt slice must not be skipped); otherwise the first of equal values is kept.
template <class T>
T maxOwnedSlices(const Grid& grid, const std::vector<T>& perSlice, T empty) {
  T result = empty;
  for (int64_t k = grid.ownedBegin(); k < grid.ownedEnd(); ++k) {
    const T s = perSlice[size_t(k)];
    if (s > result || std::isnan(s)) result = s;
  }
  return result;
}

}  // namespace ffdp::cpu
