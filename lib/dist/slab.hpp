// Z-slab decomposition of a Grid over the ranks of a run. Every voxel of a z-slice costs the same,
// so balancing voxels is balancing slices: rank r owns slices [begin, end), counts differ by at
// most one (the first nz % ranks ranks get one more). With more ranks than slices the last ranks
// own no slice; they still take part in reductions and forward halo slices.
#pragma once
#include <cstdint>

#include "core/grid.hpp"

namespace ffdp {

// Half-open range of global z indices [begin, end).
struct SliceRange {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t count() const { return end > begin ? end - begin : 0; }
  bool empty() const { return end <= begin; }
  bool contains(int64_t k) const { return k >= begin && k < end; }
  bool operator==(const SliceRange& o) const { return begin == o.begin && end == o.end; }
  bool operator!=(const SliceRange& o) const { return !(*this == o); }
};

class SlabLayout {
 public:
  // Throws Error(Internal) when ranks < 1 or the grid has no voxels.
  SlabLayout(const Grid& grid, int ranks);

  int ranks() const { return ranks_; }
  const Grid& grid() const { return grid_; }
  int64_t slices() const { return grid_.size[2]; }
  int64_t sliceVoxels() const { return grid_.size[0] * grid_.size[1]; }

  // The slices this rank owns.
  SliceRange own(int rank) const;
  // Its own slices widened by `halo` on both sides, clamped to [0, nz): what a stencil of that
  // radius reads, and the z-extent of the rank's slab buffer.
  SliceRange withHalo(int rank, int64_t halo) const;
  // The rank owning global slice k (0 <= k < nz).
  int ownerOf(int64_t k) const;
  // The grid of a slab buffer holding `range`: same spacing and direction, size nz = range.count(),
  // origin moved to global index (0, 0, range.begin), so physical points are unchanged.
  Grid slabGrid(const SliceRange& range) const;
  // The grid of `rank`'s slab buffer with `halo` slices on each side: slabGrid(withHalo(rank, halo))
  // with its SlabPlacement filled in (the slices it owns, where it sits in the whole grid).
  Grid haloSlabGrid(int rank, int64_t halo) const;

 private:
  Grid grid_;
  int ranks_;
};

// The whole grid that a slab buffer's grid is part of (the grid itself when it is whole).
Grid wholeGridOf(const Grid& grid);
// Grid::shrunk for slabs too: a slab buffer's grid becomes `rank`'s slab (same halo width) of the
// shrunk whole grid laid out over `ranks` ranks; a whole grid is simply shrunk.
Grid shrunkGrid(const Grid& grid, const std::array<int, 3>& shrink, int ranks, int rank);

}  // namespace ffdp
