// A field moved onto another grid over the same region (pyramid levels): each target voxel centre
// goes through physical space to a continuous index of the source field (through the whole grids for
// slab buffers: grid_index_map.hpp), sampled trilinearly with edge clamping. The vectors are physical
// millimetres, so they are copied, not rescaled.
#include "core/error.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/field_sampling.hpp"
#include "ops/cpu/grid_index_map.hpp"

namespace ffdp::cpu {

Field resampleField(const Field& u, const Grid& target) {
  if (u.voxels() == 0) fail(ExitCode::Internal, "resampleField: the field is empty");
  const GridIndexMap map = gridIndexMap(target, u.grid);
  const FieldSampler sampleU(u);
  Field out(target);
  const int64_t nx = target.size[0], ny = target.size[1], nz = target.size[2];
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k)
    for (int64_t j = 0; j < ny; ++j) {
      const Vec3 row = map.rowStart(j, k);
      Vec3f* dst = out.data.data() + target.linear(0, j, k);
      for (int64_t i = 0; i < nx; ++i) dst[i] = toVec3f(sampleU.value(map.at(row, i)));
    }
  return out;
}

}  // namespace ffdp::cpu
