// Any z-range of a volume split into z-slabs over the ranks (dist/slab.hpp), fetched from the ranks
// that own its slices. The sharded moving image needs it: a rank samples the moving image where its
// fixed slab maps to, which can be any part of the moving image, not only its own slab and halo.
//
// Every rank calls it together, each with the range it wants (an empty range: nothing); the wanted
// ranges are shared first (one reduction), then each rank sends every other rank the wanted slices it
// owns, all pairs at once (Comm::exchangeAll).
#pragma once
#include <cstddef>
#include <type_traits>

#include "core/error.hpp"
#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "dist/slab.hpp"

namespace ffdp {

// Fills `into` (want.count() slices of sliceBytes bytes, z slowest) with the global slices `want` of the
// volume laid out by `layout`. `ownSlices` points at this rank's own slices (layout.own(rank), host
// memory). Returns the bytes that came from other ranks (the copy of its own slices not counted).
std::size_t fetchSliceBytes(Comm& comm, const SlabLayout& layout, const void* ownSlices, std::size_t sliceBytes,
                            const SliceRange& want, void* into);

// The slices `want` of the volume whose rank slab buffer is `slab` (grid.isSlab(), values on the host), as
// a plain whole volume of want.count() slices: the whole grid's geometry with the origin moved to slice
// want.begin (SlabLayout::slabGrid), so every physical point keeps its value.
template <class T>
Volume<T> fetchSlices(Comm& comm, const Volume<T>& slab, const SliceRange& want, std::size_t* bytesReceived = nullptr) {
  static_assert(std::is_trivially_copyable<T>::value, "fetching copies voxel bytes");
  if (!slab.grid.isSlab() || !slab.onHost())
    fail(ExitCode::Internal, "fetchSlices: the volume is not a slab buffer with host values");
  const SlabLayout layout = SlabLayout::of(slab.grid, comm.size());
  Volume<T> out(layout.slabGrid(want));
  const int64_t plane = slab.grid.size[0] * slab.grid.size[1];
  const std::size_t got = fetchSliceBytes(comm, layout, slab.data.data() + slab.grid.ownedBegin() * plane,
                                          static_cast<std::size_t>(plane) * sizeof(T), want, out.data.data());
  if (bytesReceived) *bytesReceived = got;
  return out;
}

// This rank's slab of the same volume laid out with other cuts (dist/slab.hpp), same halo width: its
// slices fetched from the ranks that own them now. Every rank calls it together.
template <class T>
Volume<T> relaidOut(Comm& comm, const Volume<T>& slab, const SlabCuts& cuts) {
  const SlabLayout to(wholeGridOf(slab.grid), comm.size(), cuts);
  Volume<T> out = fetchSlices(comm, slab, to.withHalo(comm.rank(), slab.grid.slab.halo));
  out.grid = to.haloSlabGrid(comm.rank(), slab.grid.slab.halo);  // the same voxels, with their placement
  return out;
}

}  // namespace ffdp
