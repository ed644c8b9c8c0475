// Moving whole volumes between slab layouts: the halo refresh every stencil relies on, re-laying a
// slab out with another halo width, cutting a rank's slab out of a whole volume, and gathering the
// whole volume on every rank. All take the placement from the volume's grid (Grid::slab), so the
// caller never repeats the layout; on a whole grid they do nothing (or copy).
#pragma once
#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "core/error.hpp"
#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "dist/slab.hpp"
#include "dist/slab_halo.hpp"

namespace ffdp {

// The layout a slab grid belongs to.
inline SlabLayout layoutOf(const Grid& slab, const Comm& comm) { return SlabLayout::of(slab, comm.size()); }

// Fills the halo slices of a slab buffer with their owners' values (every rank calls it together).
template <class T>
void refreshHalo(Comm& comm, Volume<T>& v) {
  if (!v.grid.isSlab()) return;
  exchangeHalo(comm, layoutOf(v.grid, comm), v.grid.slab.halo, v);
}

// Fills only the `depth` halo slices next to the own ones on each side (at most the buffer's halo), for
// a reader that looks no further; the outer halo slices keep what they held. Every rank calls it with the
// same depth (the exchange pairs byte counts).
template <class T>
void refreshInnerHalo(Comm& comm, Volume<T>& v, int64_t depth) {
  if (!v.grid.isSlab()) return;
  const SlabLayout layout = layoutOf(v.grid, comm);
  const InnerHalo inner = innerHalo(layout, comm.rank(), v.grid.slab.halo, depth);
  const size_t plane = size_t(v.grid.size[0] * v.grid.size[1]);
  exchangeHaloBytes(comm, layout, inner.depth, v.data.data() + size_t(inner.firstSlice) * plane, plane * sizeof(T),
                    inner.slices);
}

// The same rank's slices in a buffer with `halo` slices on each side (wider or narrower), halos filled.
template <class T>
Volume<T> reslab(Comm& comm, const Volume<T>& v, int64_t halo) {
  if (!v.grid.isSlab()) return v;
  const SlabLayout layout = layoutOf(v.grid, comm);
  Volume<T> out(layout.haloSlabGrid(comm.rank(), halo));
  const int64_t plane = v.grid.size[0] * v.grid.size[1];
  const int64_t owned = v.grid.ownedEnd() - v.grid.ownedBegin();
  if (owned > 0)
    std::copy_n(v.data.begin() + v.grid.ownedBegin() * plane, owned * plane,
                out.data.begin() + out.grid.ownedBegin() * plane);
  refreshHalo(comm, out);
  return out;
}

// The slab buffer `slabGrid` (a grid from SlabLayout::haloSlabGrid) cut out of a whole volume that
// every rank holds; no communication.
template <class T>
Volume<T> cutSlab(const Volume<T>& whole, const Grid& slabGrid) {
  if (whole.grid.isSlab() || whole.grid.size[2] != slabGrid.slab.wholeSlices)
    fail(ExitCode::Internal, "cutSlab: the volume is not the whole grid of this slab");
  Volume<T> out(slabGrid);
  const int64_t plane = whole.grid.size[0] * whole.grid.size[1];
  std::copy_n(whole.data.begin() + slabGrid.slab.firstSlice * plane, slabGrid.voxels(), out.data.begin());
  return out;
}

// The whole volume on every rank, assembled from each rank's own slices (each rank broadcasts its
// slices in turn). Memory: the whole volume on every rank; for outputs that need all of it.
template <class T>
Volume<T> gatherWhole(Comm& comm, const Volume<T>& v) {
  static_assert(std::is_trivially_copyable<T>::value, "gathering copies voxel bytes");
  if (!v.grid.isSlab()) return v;
  const SlabLayout layout = layoutOf(v.grid, comm);
  Volume<T> whole(layout.grid());
  const int64_t plane = v.grid.size[0] * v.grid.size[1];
  for (int r = 0; r < comm.size(); ++r) {
    const SliceRange own = layout.own(r);
    if (own.empty()) continue;
    T* dst = whole.data.data() + own.begin * plane;
    if (r == comm.rank()) std::copy_n(v.data.data() + v.grid.ownedBegin() * plane, own.count() * plane, dst);
    comm.broadcastBytes(dst, static_cast<std::size_t>(own.count() * plane) * sizeof(T), r);
  }
  return whole;
}

// Nonzero voxels in this rank's own slices, summed over the ranks for a slab (every rank gets the
// total); for a whole volume, its own count.
template <class T>
int64_t countNonZero(Comm& comm, const Volume<T>& v) {
  const int64_t plane = v.grid.size[0] * v.grid.size[1];
  int64_t n = 0;
  for (int64_t i = v.grid.ownedBegin() * plane; i < v.grid.ownedEnd() * plane; ++i) n += v.data[size_t(i)] != T{};
  if (!v.grid.isSlab()) return n;
  double total = double(n);  // exact below 2^53 voxels
  comm.allreduceSum(&total, 1);
  return static_cast<int64_t>(total);
}

}  // namespace ffdp
