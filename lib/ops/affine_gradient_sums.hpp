// The last step of every affine metric gradient, on any backend: twelve index-space sums (per
// axis a of the moving index and b of the fixed index: s[3a + b] = sum g dw/dq_a idx_b, s[9 + a] =
// sum g dw/dq_a, with g = dvalue/dw per valid voxel) converted to the gradient w.r.t. the affine
// parameters in ITK's order (M row-major, then t), times `scale` (e.g. 1/N).
#pragma once
#include "core/affine.hpp"
#include "core/grid.hpp"
#include "ops/backend.hpp"

namespace ffdp {

AffineGradient affineGradientFromIndexSums(const double* sums, const Grid& fixed, const Grid& moving, const Affine& A,
                                           double scale);

}  // namespace ffdp
