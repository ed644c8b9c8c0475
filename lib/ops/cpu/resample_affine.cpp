// warped(x) = moving(A(x)) on the voxels of `grid`, for Linear, NearestNeighbor and Label
// interpolation; the inside rule and the interpolants are PointResampler's (resample_point.hpp).
#include "core/error.hpp"
#include "ops/cpu/cpu_ops.hpp"
#include "ops/cpu/grid_index_map.hpp"
#include "ops/cpu/resample_point.hpp"
#include "ops/cpu/trilinear.hpp"

namespace ffdp::cpu {

Image resampleAffine(const Image& moving, const Grid& grid, const Affine& A, Interpolation interp, float outside) {
  if (moving.voxels() == 0) fail(ExitCode::Input, "resample: the moving image is empty");
  const GridIndexMap map = gridIndexMap(grid, moving.grid, A);  // a slab maps as the whole grid does
  const PointResampler sample(moving, interp, outside);
  Image out(grid);
  const int64_t nx = grid.size[0], ny = grid.size[1], nz = grid.size[2];
#pragma omp parallel for schedule(dynamic)
  for (int64_t k = 0; k < nz; ++k)
    for (int64_t j = 0; j < ny; ++j) {
      const Vec3 row = map.rowStart(j, k);
      float* dst = out.data.data() + grid.linear(0, j, k);
      for (int64_t i = 0; i < nx; ++i) dst[i] = sample(map.at(row, i));
    }
  return out;
}

}  // namespace ffdp::cpu
