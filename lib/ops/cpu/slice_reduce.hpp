// Deterministic reductions: every parallel loop writes one partial result per z-slice, and the
// partials are added here in slice order, so a sum does not depend on the thread count.
//
// Multi-rank runs (core/grid.hpp, SlabPlacement). A volume on the fixed grid is held by each rank as
// a slab buffer: its own slices plus halo slices copied from its neighbours. Ops compute every slice
// of the buffer (halo included), but a global reduction must count each voxel of the whole volume
// once, so it takes only the grid's owned slices [ownedBegin, ownedEnd) and then combines the ranks'
// partial results through the Comm. A volume every rank holds whole (the moving image) is reduced
// over all its slices and NOT combined across ranks: every rank already has the full result (a sum
// would be counted once per rank). The rule lives here only: reduce with sumOwnedSlices /
// maxOwnedSlices (or a loop over [ownedBegin, ownedEnd)) and combine with acrossRanksSum / Max / Min, each given the grid
// the reduction ran over. On a whole grid the owned slices are all slices, so single-rank results
// are those of a plain sum in slice order, bit for bit.
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

inline void acrossRanksSum(const Grid& grid, Comm& comm, double* values, std::size_t count) {
  if (grid.isSlab()) comm.allreduceSum(values, count);
}
inline void acrossRanksMax(const Grid& grid, Comm& comm, double* values, std::size_t count) {
  if (grid.isSlab()) comm.allreduceMax(values, count);
}
inline void acrossRanksMin(const Grid& grid, Comm& comm, double* values, std::size_t count) {
  if (grid.isSlab()) comm.allreduceMin(values, count);
}

// ---- Within a rank: the owned slices of per-slice partials (partials[k] for local slice k).

template <std::size_t N>
std::array<double, N> sumOwnedSlices(const Grid& grid, const std::vector<std::array<double, N>>& partials) {
  std::array<double, N> total{};
  for (int64_t k = grid.ownedBegin(); k < grid.ownedEnd(); ++k)
    for (std::size_t n = 0; n < N; ++n) total[n] += partials[size_t(k)][n];
  return total;
}

// The same for partials of run-time length stored one after another (slice k at k * width).
inline std::vector<double> sumOwnedSlices(const Grid& grid, const std::vector<double>& partials, std::size_t width) {
  std::vector<double> total(width, 0.0);
  for (int64_t k = grid.ownedBegin(); k < grid.ownedEnd(); ++k)
    for (std::size_t n = 0; n < width; ++n) total[n] += partials[size_t(k) * width + n];
  return total;
}

// The sum of one scalar per slice over the owned slices (slice order).
inline double sumOwnedSlices(const Grid& grid, const std::vector<double>& perSlice) {
  double total = 0;
  for (int64_t k = grid.ownedBegin(); k < grid.ownedEnd(); ++k) total += perSlice[size_t(k)];
  return total;
}

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
