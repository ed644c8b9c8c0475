// The sampling grid of an image in ITK's physical space (LPS millimetres):
//   p = origin + D * diag(spacing) * index,  index i fastest, k slowest.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/geometry.hpp"

namespace ffdp {

// Where a grid's z-slices sit when the grid is one rank's slab buffer of a larger "whole" grid in a
// multi-rank run (dist/slab.hpp). The buffer holds the rank's own slices plus up to `halo` slices on
// each side that belong to its neighbours: stencils read those, reductions count only own slices, and
// a halo exchange (dist/slab_volume.hpp) refreshes them. A whole grid (the default, and every
// single-rank run) owns all its slices.
struct SlabPlacement {
  int64_t wholeSlices = 0;  // z-size of the whole grid; 0 = this grid is whole, not a slab
  int64_t firstSlice = 0;   // global z index of this buffer's slice 0
  int64_t ownBegin = 0;     // this rank's slices, as local indices [ownBegin, ownEnd)
  int64_t ownEnd = 0;
  int64_t halo = 0;         // the halo width the buffer was laid out with
  // The whole grid's origin, kept as it was: recomputing it from the buffer's own origin rounds, and
  // index maps through the whole grids (pyramid levels, field resampling) must be the whole run's.
  Vec3 wholeOrigin{0, 0, 0};
  // Where the ranks' slabs begin, as fractions of the whole z extent (ranks + 1 values, 0 to 1): every
  // pyramid level of a run keeps them (dist/slab.hpp). Null: equal slice counts.
  std::shared_ptr<const std::vector<double>> cuts;
  bool operator==(const SlabPlacement& o) const {
    const bool sameCuts = cuts == o.cuts || (cuts && o.cuts && *cuts == *o.cuts);
    return wholeSlices == o.wholeSlices && firstSlice == o.firstSlice && ownBegin == o.ownBegin &&
           ownEnd == o.ownEnd && halo == o.halo && wholeOrigin == o.wholeOrigin && sameCuts;
  }
};

struct Grid {
  std::array<int64_t, 3> size{0, 0, 0};
  Vec3 spacing{1, 1, 1};
  Vec3 origin{0, 0, 0};
  Mat3 direction = Mat3::identity();
  SlabPlacement slab;  // whole unless this grid is a rank's slab buffer

  bool isSlab() const { return slab.wholeSlices > 0; }
  // The local z-slices this rank computes and reduces over: all of them for a whole grid.
  int64_t ownedBegin() const { return isSlab() ? slab.ownBegin : 0; }
  int64_t ownedEnd() const { return isSlab() ? slab.ownEnd : size[2]; }
  // The linear index of local voxel (i, j, k) in the whole grid (the same as linear() when whole):
  // anything that must not depend on the rank count (the metric's sampling subset) uses this.
  int64_t wholeLinear(int64_t i, int64_t j, int64_t k) const {
    return i + size[0] * (j + size[1] * (k + slab.firstSlice));
  }

  int64_t voxels() const { return size[0] * size[1] * size[2]; }
  int64_t linear(int64_t i, int64_t j, int64_t k) const { return i + size[0] * (j + size[1] * k); }

  // D * diag(spacing): maps an index offset to a physical offset.
  Mat3 indexToPhysicalMatrix() const { return direction * Mat3::diagonal(spacing); }
  Vec3 indexToPhysical(const Vec3& index) const { return origin + indexToPhysicalMatrix() * index; }
  // The same point placed through the whole grid, as the whole grid computes it bit for bit (a slab
  // buffer's own origin is rounded): local slice k is whole slice k + firstSlice.
  Vec3 wholeIndexToPhysical(const Vec3& index) const {
    if (!isSlab()) return indexToPhysical(index);
    return slab.wholeOrigin + indexToPhysicalMatrix() * Vec3{index[0], index[1], index[2] + double(slab.firstSlice)};
  }
  // Continuous index of a physical point (the inverse map).
  Vec3 physicalToIndex(const Vec3& p) const { return indexToPhysicalMatrix().inverse() * (p - origin); }

  // Physical centre of the voxel domain (the geometric centre ANTs uses for initialisation).
  Vec3 centre() const {
    return indexToPhysical({(size[0] - 1) / 2.0, (size[1] - 1) / 2.0, (size[2] - 1) / 2.0});
  }
  // Grid of ceil(size/shrink) voxels covering the same physical extent (voxel edges kept); always
  // whole (a slab's coarser level is laid out again by dist/slab.hpp).
  Grid shrunk(const std::array<int, 3>& shrink) const;
  // Same geometry and the same slab placement.
  bool sameAs(const Grid& other, double tolerance = 1e-6) const;
};

}  // namespace ffdp
