// Z-slab decomposition of a Grid over the ranks of a run: rank r owns slices [begin, end).
// By default every rank gets the same slice count, to one (the first nz % ranks ranks get one more).
// Where slices cost unequal work (MI on a GPU: a background voxel is cheaper; dist/slab_balance.hpp)
// the layout takes cuts: where each rank's slabs begin, as fractions of the z extent, so that every
// pyramid level of the run splits the head at the same heights (rank r begins at slice
// round(cut_r * nz) of each level). With more ranks than slices, or a thin cut, a rank may own no
// slice; it still takes part in reductions and forwards halo slices.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

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

using SlabCuts = std::shared_ptr<const std::vector<double>>;

class SlabLayout {
 public:
  // Throws Error(Internal) when ranks < 1, the grid has no voxels, or the cuts are not ranks + 1
  // non-decreasing values from 0 to 1. Null cuts: equal slice counts.
  SlabLayout(const Grid& grid, int ranks, SlabCuts cuts = nullptr);
  // The layout a slab buffer's grid belongs to: its whole grid over `ranks`, with the buffer's cuts.
  static SlabLayout of(const Grid& slab, int ranks);

  int ranks() const { return ranks_; }
  const Grid& grid() const { return grid_; }
  const SlabCuts& cuts() const { return cuts_; }
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
  // with its SlabPlacement filled in (the slices it owns, where it sits in the whole grid, the cuts).
  Grid haloSlabGrid(int rank, int64_t halo) const;

 private:
  int64_t beginOf(int rank) const;  // the first slice of `rank` (rank == ranks: nz)

  Grid grid_;
  int ranks_;
  SlabCuts cuts_;
};

// The whole grid that a slab buffer's grid is part of (the grid itself when it is whole).
Grid wholeGridOf(const Grid& grid);
// Grid::shrunk for slabs too: a slab buffer's grid becomes `rank`'s slab (same halo width and cuts) of
// the shrunk whole grid laid out over `ranks` ranks; a whole grid is simply shrunk.
Grid shrunkGrid(const Grid& grid, const std::array<int, 3>& shrink, int ranks, int rank);

}  // namespace ffdp
