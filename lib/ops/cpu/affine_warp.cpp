#include "ops/cpu/affine_warp.hpp"

#include "core/error.hpp"

namespace ffdp::cpu {

AffineWarp::AffineWarp(const Image& fixed, const Image& moving, const Mask* fixedMask, const Mask* movingMask,
                       const Affine& A, double samplingFraction)
    : fixed_(fixed),
      moving_(moving),
      fixedMask_(fixedMask),
      movingMask_(movingMask),
      map_(gridIndexMap(fixed.grid, moving.grid, A)),
      sampler_(moving),
      subset_(samplingFraction) {
  if (fixed.voxels() == 0 || moving.voxels() == 0) fail(ExitCode::Input, "affine metric: an input image is empty");
  if (fixed.data.size() != size_t(fixed.voxels()) || moving.data.size() != size_t(moving.voxels()))
    fail(ExitCode::Internal, "affine metric: image data size does not match its grid");
  if (fixedMask && fixedMask->grid.size != fixed.grid.size)
    fail(ExitCode::Input, "affine metric: the fixed mask does not lie on the fixed image's grid");
  if (movingMask && movingMask->grid.size != moving.grid.size)
    fail(ExitCode::Input, "affine metric: the moving mask does not lie on the moving image's grid");
}

Mat3 displacementToMovingIndex(const Grid& moving, const Affine& A) {
  return moving.indexToPhysicalMatrix().inverse() * A.M;
}

FieldWarp::FieldWarp(const Image& fixed, const Image& moving, const Mask* fixedMask, const Mask* movingMask,
                     const Affine& A, const Field& u, double samplingFraction)
    : AffineWarp(fixed, moving, fixedMask, movingMask, A, samplingFraction),
      displacement_{u.data.data(), displacementToMovingIndex(moving.grid, A)} {
  if (u.grid.size != fixed.grid.size || u.data.size() != size_t(fixed.voxels()))
    fail(ExitCode::Internal, "field metric: the displacement field does not lie on the fixed grid");
}

}  // namespace ffdp::cpu
