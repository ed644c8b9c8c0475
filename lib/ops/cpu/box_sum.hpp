// Box sums over (2r+1)^3 windows truncated at the volume border, in place, separably along i, j
// and k. Each output is a direct sum of the (up to) 2r+1 inputs along an axis, in index order:
// the result of every voxel is fixed by its neighbourhood alone, so it does not depend on the
// thread count or (for a later slab-distributed version with halos) on where a slab starts.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace ffdp::cpu {

void boxSumInPlace(std::vector<double>& data, const std::array<int64_t, 3>& size, int radius);

}  // namespace ffdp::cpu
