#include "ops/coarse_field_map.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"

namespace ffdp {

CoarseFieldMap coarseFieldMap(const Grid& image, const Grid& field) {
  if (image.isSlab() || field.isSlab())
    fail(ExitCode::Internal, "a field on a coarser grid than its images needs whole grids (one rank)");
  // c = Pf^-1 (Pi i + Oi - Of): diagonal when both grids share the direction matrix.
  const Mat3 toField = field.indexToPhysicalMatrix().inverse();
  const Mat3 m = toField * image.indexToPhysicalMatrix();
  const Vec3 o = toField * (image.origin - field.origin);
  CoarseFieldMap map;
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b)
      if (a != b && std::abs(m.m[a][b]) > 1e-9 * std::abs(m.m[a][a]))
        fail(ExitCode::Internal, "a field grid must share its images' direction matrix");
    if (!(m.m[a][a] > 0))
      fail(ExitCode::Internal, "a field grid must run the same way as its images along axis " + std::to_string(a));
    map.axis[a].fieldSize = field.size[size_t(a)];
    map.axis[a].imageSize = image.size[size_t(a)];
    map.axis[a].scale = m.m[a][a];
    map.axis[a].offset = o[size_t(a)];
  }
  return map;
}

}  // namespace ffdp
