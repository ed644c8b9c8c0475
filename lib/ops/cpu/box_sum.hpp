// Box sums over (2r+1)^3 windows truncated at the volume border, computed slice by slice so that a
// metric can stream through the volume with a ring of 2r+1 slices (metric_cc.cpp): first along i
// and j within each slice (here), then along k across the ring. Every output is a direct sum of
// the (up to) 2r+1 inputs along each axis, in index order, i then j then k: the result of every
// voxel is fixed by its neighbourhood alone, so it does not depend on the thread count or (for a
// slab-distributed run with halos) on where a slab starts.
#pragma once
#include <cstdint>
#include <vector>

namespace ffdp::cpu {

// Sums along i and then j of one nx-by-ny slice, in place; `scratch` is resized as needed.
void boxSumSliceInPlace(double* slice, int64_t nx, int64_t ny, int radius, std::vector<double>& scratch);

// First and last slice (inclusive) of the window around slice k in a volume of nz slices.
inline int64_t windowFirst(int64_t k, int radius) { return k - radius < 0 ? 0 : k - radius; }
inline int64_t windowLast(int64_t k, int radius, int64_t nz) { return k + radius > nz - 1 ? nz - 1 : k + radius; }

}  // namespace ffdp::cpu
