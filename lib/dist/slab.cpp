#include "dist/slab.hpp"

#include <algorithm>
#include <string>

#include "core/error.hpp"

namespace ffdp {

SlabLayout::SlabLayout(const Grid& grid, int ranks) : grid_(grid), ranks_(ranks) {
  if (ranks < 1) fail(ExitCode::Internal, "SlabLayout: rank count " + std::to_string(ranks) + " must be at least 1");
  if (grid.voxels() <= 0) fail(ExitCode::Internal, "SlabLayout: the grid has no voxels");
}

SliceRange SlabLayout::own(int rank) const {
  if (rank < 0 || rank >= ranks_) {
    fail(ExitCode::Internal, "SlabLayout: rank " + std::to_string(rank) + " outside 0.." + std::to_string(ranks_ - 1));
  }
  const int64_t base = slices() / ranks_, extra = slices() % ranks_;
  const int64_t r = rank;
  const int64_t begin = r * base + std::min(r, extra);
  return {begin, begin + base + (r < extra ? 1 : 0)};
}

SliceRange SlabLayout::withHalo(int rank, int64_t halo) const {
  if (halo < 0) fail(ExitCode::Internal, "SlabLayout: halo width " + std::to_string(halo) + " is negative");
  const SliceRange o = own(rank);
  return {std::max<int64_t>(0, o.begin - halo), std::min(slices(), o.end + halo)};
}

int SlabLayout::ownerOf(int64_t k) const {
  if (k < 0 || k >= slices()) {
    fail(ExitCode::Internal, "SlabLayout: slice " + std::to_string(k) + " outside 0.." + std::to_string(slices() - 1));
  }
  const int64_t base = slices() / ranks_, extra = slices() % ranks_;
  const int64_t inLarger = extra * (base + 1);  // the first `extra` ranks hold base + 1 slices
  return k < inLarger ? int(k / (base + 1)) : int(extra + (k - inLarger) / base);
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
  return g;
}

Grid wholeGridOf(const Grid& grid) {
  if (!grid.isSlab()) return grid;
  Grid g = grid;
  g.origin = grid.indexToPhysical({0.0, 0.0, -double(grid.slab.firstSlice)});
  g.size[2] = grid.slab.wholeSlices;
  g.slab = SlabPlacement{};
  return g;
}

Grid shrunkGrid(const Grid& grid, const std::array<int, 3>& shrink, int ranks, int rank) {
  if (!grid.isSlab()) return grid.shrunk(shrink);
  return SlabLayout(wholeGridOf(grid).shrunk(shrink), ranks).haloSlabGrid(rank, grid.slab.halo);
}

}  // namespace ffdp
