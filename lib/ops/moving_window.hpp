// Which z-slices of the moving image a rank reads when it samples moving(A(x + u(x))) at the voxels
// x of its fixed slab buffer: the geometry behind the sharded moving image (ops/moving_window_cache.hpp).
//
// The map x -> continuous moving index is affine, so over the box of the buffer's voxel centres its z
// range is spanned by the box's 8 corners; a displacement of at most |u| mm moves the moving z index
// by at most |row z of Pm^-1 M| |u| (Pm = Dm diag(sm)). A trilinear sample at index z reads slices
// floor(z) and floor(z) + 1 (its gradient the same two), and a margin covers rounding. Clamped to the
// whole moving image: a point outside it is outside whether the sampler sees the whole image or this
// window, as long as the window holds every slice a point inside the image reads.
#pragma once
#include <cstdint>

#include "core/affine.hpp"
#include "core/grid.hpp"
#include "dist/slab.hpp"

namespace ffdp {

// Slices beyond the trilinear pair that a window always includes on each side (rounding of the
// corner maps, the inside test's tolerance).
constexpr int64_t kWindowMarginSlices = 2;

// The moving slices (whole-grid indices, never empty) read when sampling at A(x + u) for every voxel x
// of `target` (all its slices: a slab buffer's halo too, since stencils at owned voxels read warped
// values there) with |u| <= maxDisplacementMm. `movingWhole` is the whole moving grid. When no voxel
// can map inside the moving image along z, one edge slice (every sample is outside either way).
// A non-finite displacement or affine gives every slice.
SliceRange movingSlicesRead(const Grid& target, const Grid& movingWhole, const Affine& A, double maxDisplacementMm,
                            int64_t marginSlices = kWindowMarginSlices);

// The slices [floor(lo) - margin, floor(hi) + 1 + margin] of a grid of `slices` z-slices, clamped to the
// grid and never empty: what trilinear samples at z indices in [lo, hi] read, with `margin` for rounding
// (lo, hi finite, lo <= hi; far outside the grid is clamped in double before converting).
SliceRange slicesAround(double lo, double hi, int64_t slices, int64_t marginSlices = kWindowMarginSlices);

// `range` widened by `spare` slices on each side, clamped to [0, slices): a cached window a little
// larger than needed survives small changes of A and u without another fetch.
SliceRange widenedRange(const SliceRange& range, int64_t spare, int64_t slices);

// The grid of a window holding the whole moving grid's slices `range`: a whole grid (no slab
// placement) whose origin is moved to slice range.begin, so physical sampling is unchanged.
Grid windowGrid(const Grid& movingWhole, const SliceRange& range);

}  // namespace ffdp
