// r(x) = g(x) + u(x + g(x)): the map x + r is "first x + g, then x + u". Both fields share one
// grid, so the physical point x + g(x) is the continuous index idx + (D diag s)^-1 g(x) of u,
// which needs no origin arithmetic and is exact for g = 0.
#include "core/error.hpp"
#include "ops/cpu/field_ops.hpp"
#include "ops/cpu/field_sampling.hpp"

namespace ffdp::cpu {

Field composeFields(const Field& u, const Field& g) {
  if (!u.grid.sameAs(g.grid)) fail(ExitCode::Internal, "composeFields: the two fields are not on one grid");
  if (u.voxels() == 0) fail(ExitCode::Internal, "composeFields: the fields are empty");
  const Mat3 toIndex = u.grid.indexToPhysicalMatrix().inverse();
  const FieldSampler sampleU(u);
  Field r(g.grid);
  const int64_t nx = g.grid.size[0], ny = g.grid.size[1], nz = g.grid.size[2];
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k)
    for (int64_t j = 0; j < ny; ++j) {
      const int64_t row = g.grid.linear(0, j, k);
      for (int64_t i = 0; i < nx; ++i) {
        const Vec3 gx = toVec3(g.data[size_t(row + i)]);
        const Vec3 step = toIndex * gx;
        const Vec3 ux = sampleU.value({double(i) + step[0], double(j) + step[1], double(k) + step[2]});
        r.data[size_t(row + i)] = toVec3f(gx + ux);
      }
    }
  return r;
}

}  // namespace ffdp::cpu
