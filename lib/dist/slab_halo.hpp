// Halo exchange for z-slab buffers. A rank's slab buffer holds layout.withHalo(rank, halo): its own
// slices (filled by the caller) and up to `halo` slices on each side owned by other ranks, which
// exchangeHalo fills with the owners' values. Every rank calls it with the same layout and halo.
//
// When a neighbour owns fewer slices than the halo (thin slabs: many ranks, or a coarse pyramid
// level), the missing slices are forwarded hop by hop over several rounds, each a neighbour-only
// step (Comm::exchangeHalo), so the Comm never needs to talk to ranks further away.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/error.hpp"
#include "core/volume.hpp"
#include "dist/comm.hpp"
#include "dist/slab.hpp"

namespace ffdp {

// One neighbour step, in global slice indices. recvAbove is what rank + 1 sends as its sendBelow,
// recvBelow what rank - 1 sends as its sendAbove.
struct HaloRound {
  SliceRange sendBelow, recvBelow, sendAbove, recvAbove;
};

// The rounds `rank` runs. Every rank gets the same number of rounds (ranks with nothing to move
// in a round still take part, which keeps the chain in step); 0 rounds when halo is 0 or there is
// one rank; 1 round when every slab is at least `halo` slices thick.
std::vector<HaloRound> planHaloRounds(const SlabLayout& layout, int rank, int64_t halo);

// The part of a buffer with `bufferHalo` halo slices that a halo of `depth` slices spans: it starts at
// local slice firstSlice and has `slices` slices (depth is cut to bufferHalo). An exchange with halo
// `depth` on that part refreshes only the halo slices next to the own ones.
struct InnerHalo {
  int64_t depth = 0, firstSlice = 0, slices = 0;
};
InnerHalo innerHalo(const SlabLayout& layout, int rank, int64_t bufferHalo, int64_t depth);

// Byte-level exchange on a buffer of bufferSlices z-slices of sliceBytes each (z slowest).
void exchangeHaloBytes(Comm& comm, const SlabLayout& layout, int64_t halo, void* buffer, std::size_t sliceBytes,
                       int64_t bufferSlices);

// The same exchange for a buffer the Comm cannot address (accelerator memory): each round copies the
// slices it sends out to host staging with copyOut(firstLocalSlice, count, hostDestination), exchanges
// the staging buffers, and copies what arrived back in with copyIn(firstLocalSlice, count, hostSource).
// Local slice indices count from the buffer's first slice.
using SliceCopyOut = std::function<void(int64_t firstSlice, int64_t count, void* host)>;
using SliceCopyIn = std::function<void(int64_t firstSlice, int64_t count, const void* host)>;
void exchangeHaloStaged(Comm& comm, const SlabLayout& layout, int64_t halo, std::size_t sliceBytes,
                        int64_t bufferSlices, const SliceCopyOut& copyOut, const SliceCopyIn& copyIn);

template <class T>
void exchangeHalo(Comm& comm, const SlabLayout& layout, int64_t halo, Volume<T>& slab) {
  static_assert(std::is_trivially_copyable<T>::value, "halo exchange copies voxel bytes");
  const Grid& g = layout.grid();
  if (slab.grid.size[0] != g.size[0] || slab.grid.size[1] != g.size[1] || !slab.onHost()) {
    fail(ExitCode::Internal, "exchangeHalo: the slab buffer (" + std::to_string(slab.grid.size[0]) + "x" +
                                 std::to_string(slab.grid.size[1]) + "x" + std::to_string(slab.grid.size[2]) +
                                 (slab.onHost() ? "" : ", not on the host") + ") does not match the layout's " +
                                 std::to_string(g.size[0]) + "x" + std::to_string(g.size[1]) + " slices");
  }
  exchangeHaloBytes(comm, layout, halo, slab.data.data(), static_cast<std::size_t>(layout.sliceVoxels()) * sizeof(T),
                    slab.grid.size[2]);
}

}  // namespace ffdp
