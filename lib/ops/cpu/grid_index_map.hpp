// The index map from one grid's voxels to another's continuous index, through an affine: between
// pyramid levels, masks and fields moved to another level (identity), and from the fixed grid into
// the moving image (metrics, warped images). Shared by every CPU resampling.
#pragma once
#include <cstdint>

#include "core/affine.hpp"
#include "core/grid.hpp"
#include "dist/slab.hpp"
#include "ops/cpu/trilinear.hpp"

namespace ffdp::cpu {

// The index map from `target` voxels to `in` voxels. Slab buffers (multi-rank runs) map through their
// whole grids: a buffer's local slice k is whole slice k + firstSlice, and the input index is shifted
// back by the input's first slice. Both shifts are exact integers, so a slab's pyramid levels are the
// whole image's to the last bit, and a field moved to a slab of another level equals the whole
// field moved (composing the slabs' shifted origins in physical space rounds
// differently, and greedy MI amplified that past the multi-rank tests' bound). Whole grids: shifts 0.
struct GridIndexMap {
  IndexAffine map;
  int64_t targetFirstSlice = 0;
  double inFirstSlice = 0;
  Vec3 rowStart(int64_t j, int64_t k) const { return map.rowStart(j, k + targetFirstSlice); }
  Vec3 at(const Vec3& row, int64_t i) const {
    Vec3 q = map.at(row, i);
    q[2] -= inFirstSlice;
    return q;
  }
};

// `A` maps the target's physical points to the input's (the identity between levels; the current
// affine when sampling the moving image at A(x)).
inline GridIndexMap gridIndexMap(const Grid& target, const Grid& in, const Affine& A = Affine::identity()) {
  return {indexAffine(wholeGridOf(target), wholeGridOf(in), A), target.slab.firstSlice, double(in.slab.firstSlice)};
}

}  // namespace ffdp::cpu
