#include "dist/slab.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "core/error.hpp"

namespace ffdp {

SlabLayout::SlabLayout(const Grid& grid, int ranks, SlabCuts cuts) : grid_(grid), ranks_(ranks), cuts_(std::move(cuts)) {
  if (ranks < 1) fail(ExitCode::Internal, "SlabLayout: rank count " + std::to_string(ranks) + " must be at least 1");
  if (grid.voxels() <= 0) fail(ExitCode::Internal, "SlabLayout: the grid has no voxels");
  if (!cuts_) return;
  const std::vector<double>& c = *cuts_;
  bool valid = c.size() == size_t(ranks) + 1 && c.front() == 0.0 && c.back() == 1.0;
  for (size_t r = 1; valid && r < c.size(); ++r) valid = c[r] >= c[r - 1];  // NaN fails too
  if (!valid) {
    fail(ExitCode::Internal, "SlabLayout: " + std::to_string(c.size()) + " cuts for " + std::to_string(ranks) +
                                 " ranks; they must be ranks + 1 non-decreasing fractions from 0 to 1");
  }
}

SlabLayout SlabLayout::of(const Grid& slab, int ranks) { return SlabLayout(wholeGridOf(slab), ranks, slab.slab.cuts); }

int64_t SlabLayout::beginOf(int rank) const {
  if (cuts_) return std::llround((*cuts_)[size_t(rank)] * double(slices()));
  const int64_t base = slices() / ranks_, extra = slices() % ranks_;
  const int64_t r = rank;
  return r * base + std::min(r, extra);
}

SliceRange SlabLayout::own(int rank) const {
  if (rank < 0 || rank >= ranks_) {
    fail(ExitCode::Internal, "SlabLayout: rank " + std::to_string(rank) + " outside 0.." + std::to_string(ranks_ - 1));
  }
  return {beginOf(rank), beginOf(rank + 1)};
}

SliceRange SlabLayout::withHalo(int rank, int64_t halo) const {
  if (halo < 0) fail(ExitCode::Internal, "SlabLayout: halo width " + std::to_string(halo) + " is negative");
  const SliceRange o = own(rank);
  return {std::max<int64_t>(0, o.begin - halo), std::min(slices(), o.end + halo)};
}

// The last rank whose slab begins at or before k: the owner, since ranks with no slice begin where
// the next one does.
int SlabLayout::ownerOf(int64_t k) const {
  if (k < 0 || k >= slices()) {
    fail(ExitCode::Internal, "SlabLayout: slice " + std::to_string(k) + " outside 0.." + std::to_string(slices() - 1));
  }
  int lo = 0, hi = ranks_ - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (beginOf(mid) <= k) lo = mid; else hi = mid - 1;
  }
  return lo;
}

Grid SlabLayout::slabGrid(const SliceRange& range) const {
  Grid g = grid_;
  g.size[2] = range.count();
  g.origin = grid_.indexToPhysical({0.0, 0.0, double(range.begin)});
  return g;
}

Grid SlabLayout::haloSlabGrid(int rank, int64_t halo) const {
  const SliceRange held = withHalo(rank, halo), owned = own(rank);
  Grid g = slabGrid(held);
  g.slab.wholeSlices = slices();
  g.slab.firstSlice = held.begin;
  g.slab.ownBegin = owned.begin - held.begin;
  g.slab.ownEnd = owned.end - held.begin;
  g.slab.halo = halo;
  g.slab.cuts = cuts_;
  g.slab.wholeOrigin = grid_.origin;
  return g;
}

Grid wholeGridOf(const Grid& grid) {
  if (!grid.isSlab()) return grid;
  Grid g = grid;
  g.origin = grid.slab.wholeOrigin;
  g.size[2] = grid.slab.wholeSlices;
  g.slab = SlabPlacement{};
  return g;
}

Grid shrunkGrid(const Grid& grid, const std::array<int, 3>& shrink, int ranks, int rank) {
  if (!grid.isSlab()) return grid.shrunk(shrink);
  return SlabLayout(wholeGridOf(grid).shrunk(shrink), ranks, grid.slab.cuts).haloSlabGrid(rank, grid.slab.halo);
}

}  // namespace ffdp
