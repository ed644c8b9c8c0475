// Resampling between two grids that cover the same physical region (pyramid levels, masks):
// each target voxel centre is mapped through physical space to a continuous index of the input.
#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "ops/cpu/cpu_ops.hpp"
#include "ops/cpu/grid_index_map.hpp"
#include "ops/cpu/trilinear.hpp"

namespace ffdp::cpu {

Image resampleOntoGrid(const Image& in, const Grid& target) {
  if (in.voxels() == 0) fail(ExitCode::Input, "resample: the input image is empty");
  const GridIndexMap map = gridIndexMap(target, in.grid);
  const TrilinearSampler sampler(in);
  const double hi[3] = {double(in.grid.size[0] - 1), double(in.grid.size[1] - 1), double(in.grid.size[2] - 1)};
  Image out(target);
  const int64_t nx = target.size[0], ny = target.size[1], nz = target.size[2];
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k)
    for (int64_t j = 0; j < ny; ++j) {
      const Vec3 row = map.rowStart(j, k);
      float* dst = out.data.data() + target.linear(0, j, k);
      for (int64_t i = 0; i < nx; ++i) {
        Vec3 q = map.at(row, i);
        // Points beyond the input (a fraction of a voxel at the edges) take the edge value.
        for (int a = 0; a < 3; ++a) q[a] = std::clamp(q[a], 0.0, hi[a]);
        dst[i] = static_cast<float>(sampler.value(q));
      }
    }
  return out;
}

Mask resampleMaskNearest(const Mask& in, const Grid& target) {
  const GridIndexMap map = gridIndexMap(target, in.grid);
  Mask out(target, 0);
  const int64_t nx = target.size[0], ny = target.size[1], nz = target.size[2];
  const int64_t mx = in.grid.size[0], my = in.grid.size[1], mz = in.grid.size[2];
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k)
    for (int64_t j = 0; j < ny; ++j) {
      const Vec3 row = map.rowStart(j, k);
      uint8_t* dst = out.data.data() + target.linear(0, j, k);
      for (int64_t i = 0; i < nx; ++i) {
        const Vec3 q = map.at(row, i);
        if (!nearestInside(q, mx, my, mz)) continue;
        dst[i] =
            in.data[size_t(in.grid.linear(floorIndex(q[0] + 0.5), floorIndex(q[1] + 0.5), floorIndex(q[2] + 0.5)))];
      }
    }
  return out;
}

}  // namespace ffdp::cpu
