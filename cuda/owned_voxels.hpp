// Which voxels of a buffer a global reduction counts (the CPU's rule, lib/ops/cpu/slice_reduce.hpp):
// on a rank's slab buffer only its own slices [ownedBegin, ownedEnd), then the ranks are combined
// (cpu::acrossRanksSum / Max / Min, reused here so the rule lives in one place); on a whole grid
// every voxel, not combined. Slices are contiguous (z slowest), so the own slices are one linear
// voxel range. Plain header: g++ can include it.
#pragma once
#include <cstdint>

#include "core/grid.hpp"
#include "ops/cpu/slice_reduce.hpp"

namespace ffdp::cuda {

using cpu::acrossRanksMax;
using cpu::acrossRanksMin;
using cpu::acrossRanksSum;

// Linear voxel indices [first, last) of the owned slices.
struct OwnedVoxels {
  int64_t first = 0, last = 0;
  int64_t count() const { return last > first ? last - first : 0; }
};
inline OwnedVoxels ownedVoxels(const Grid& g) {
  const int64_t plane = g.size[0] * g.size[1];
  return {g.ownedBegin() * plane, g.ownedEnd() * plane};
}
// Every voxel of a buffer of `voxels` (a whole volume).
inline OwnedVoxels allVoxels(int64_t voxels) { return {0, voxels}; }

// Voxels of the whole grid a buffer belongs to (the buffer itself when it is whole).
inline int64_t wholeVoxels(const Grid& g) {
  return g.size[0] * g.size[1] * (g.isSlab() ? g.slab.wholeSlices : g.size[2]);
}

}  // namespace ffdp::cuda
