// How many z-slices of LNCC's gradient coefficients the CUDA backend holds at once.
//
// The gradient of LNCC at a voxel is a box sum of three per-centre coefficients A, B, C (doubles: the
// sum cancels heavily, cuda/metric_cc.cu). Held for the whole grid they are 24 B per fixed voxel, the
// largest buffer of an LNCC iteration at gigavoxel scale. A voxel's gradient only reads the
// coefficients of centres within r slices, so the CUDA backend goes through the grid in groups of
// z-slices: the coefficients of one group and of r slices either side, then that group's gradient.
// Every value is computed exactly as without groups (box sums in a fixed order, per-block partial
// sums kept in the ungrouped block order), so the results do not change, bit for bit; the cost is the
// 2r slices of coefficients recomputed per group and one pass that counts the valid voxels first
// (the gradient's scale -1/N needs N before any group's gradient is written).
//
// The memory plan (lib/reg/memory_plan.cpp) uses the same rule. Plain header: g++ and nvcc include it.
#pragma once
#include <algorithm>
#include <cstdint>

namespace ffdp {

// Groups are whole multiples of the GPU tiles' 32 centre slices (cuda/box_sum_tile.cuh kChunkZ), so
// that a group's blocks are the ungrouped launch's blocks.
constexpr int64_t kCcGroupSliceMultiple = 32;
// A group has at least 128 slices: each group recomputes 2r slices of coefficients for its neighbours
// and samples 3r planes on each side for them, a few percent of 128 slices (9 % of the coefficient
// pass's planes at r = 2).
constexpr int64_t kCcMinGroupSlices = 128;
// Coefficient voxels a group holds by default when its planes are small enough for more than 128 slices:
// 64 M voxels, 1.5 GiB of doubles, small next to a gigavoxel problem.
constexpr int64_t kCcCoefficientBudgetVoxels = int64_t(1) << 26;

// Centre slices per group for a grid of nx x ny x nz voxels: nz (one group) when the whole grid's
// coefficients fit in `budgetVoxels`.
inline int64_t ccGroupSlices(int64_t nx, int64_t ny, int64_t nz, int64_t budgetVoxels = kCcCoefficientBudgetVoxels,
                             int64_t minSlices = kCcMinGroupSlices) {
  const int64_t plane = std::max<int64_t>(1, nx * ny);
  if (nz * plane <= budgetVoxels) return nz;
  const int64_t fit = budgetVoxels / plane / kCcGroupSliceMultiple * kCcGroupSliceMultiple;
  return std::min(nz, std::max(minSlices, fit));
}

// Slices of coefficients held at once for groups of `group` slices and radius r: a group and r slices
// either side, at most nz.
inline int64_t ccHeldSlices(int64_t group, int64_t nz, int r) {
  return group >= nz ? nz : std::min(nz, group + 2 * int64_t(r));
}
inline int64_t ccCoefficientSlices(int64_t nx, int64_t ny, int64_t nz, int r) {
  return ccHeldSlices(ccGroupSlices(nx, ny, nz), nz, r);
}

}  // namespace ffdp
