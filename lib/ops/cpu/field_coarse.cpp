// A field on a coarser grid than its images (ops/coarse_field_map.hpp): interpolated onto the image
// grid, and the image-grid gradient taken back to the field's grid by the interpolation's transpose.
#include "core/error.hpp"
#include "ops/coarse_field_map.hpp"
#include "ops/cpu/field_ops.hpp"

namespace ffdp::cpu {

Field upsampleField(const Field& u, const Grid& image) {
  const CoarseFieldMap map = coarseFieldMap(image, u.grid);
  Field out(image);
  const float* src = &u.data[0][0];
  const int64_t nx = image.size[0], ny = image.size[1], nz = image.size[2];
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k)
    for (int64_t j = 0; j < ny; ++j)
      for (int64_t i = 0; i < nx; ++i) {
        double d[3];
        map.interpolate(src, i, j, k, d);
        out.data[size_t(image.linear(i, j, k))] = {float(d[0]), float(d[1]), float(d[2])};
      }
  return out;
}

Field restrictField(const Field& g, const Grid& field) {
  const CoarseFieldMap map = coarseFieldMap(g.grid, field);
  Field out(field);
  const float* src = &g.data[0][0];
  const int64_t nx = field.size[0], ny = field.size[1], nz = field.size[2];
#pragma omp parallel for schedule(static)
  for (int64_t k = 0; k < nz; ++k)
    for (int64_t j = 0; j < ny; ++j)
      for (int64_t i = 0; i < nx; ++i) {
        double r[3];
        map.restrictAt(src, i, j, k, r);
        out.data[size_t(field.linear(i, j, k))] = {float(r[0]), float(r[1]), float(r[2])};
      }
  return out;
}

}  // namespace ffdp::cpu
