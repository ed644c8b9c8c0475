// warped(x) = moving(A(x + u(x))) on u's grid. Since A is affine, A(x + u) = A(x) + M u, so the
// moving continuous index is the affine one (IndexAffine, as in resampleAffine) plus
// (Dm diag sm)^-1 M u(x): with u = 0 the index, and so the output, is resampleAffine's bit for bit.
// Sampling is PointResampler's (resample_point.hpp), shared with resampleAffine.
#include "core/error.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/field_sampling.hpp"
#include "ops/cpu/grid_index_map.hpp"
#include "ops/cpu/resample_point.hpp"

namespace ffdp::cpu {

Image resampleWarp(const Image& moving, const Affine& A, const Field& u, Interpolation interp, float outside) {
  if (moving.voxels() == 0) fail(ExitCode::Input, "resample: the moving image is empty");
  const Grid& grid = u.grid;
  const GridIndexMap map = gridIndexMap(grid, moving.grid, A);  // a slab maps as the whole grid does
  const Mat3 displacementToIndex = moving.grid.indexToPhysicalMatrix().inverse() * A.M;
  const PointResampler sample(moving, interp, outside);
  Image out(grid);
  const int64_t nx = grid.size[0], ny = grid.size[1], nz = grid.size[2];
#pragma omp parallel for schedule(dynamic)
  for (int64_t k = 0; k < nz; ++k)
    for (int64_t j = 0; j < ny; ++j) {
      const Vec3 row = map.rowStart(j, k);
      const int64_t first = grid.linear(0, j, k);
      float* dst = out.data.data() + first;
      for (int64_t i = 0; i < nx; ++i) {
        const Vec3 q = map.at(row, i) + displacementToIndex * toVec3(u.data[size_t(first + i)]);
        dst[i] = sample(q);
      }
    }
  return out;
}

}  // namespace ffdp::cpu
