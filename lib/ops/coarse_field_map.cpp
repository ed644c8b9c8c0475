#include "ops/coarse_field_map.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"
#include "dist/slab.hpp"

namespace ffdp {

namespace {

// The field buffer holds the slices every image buffer voxel reads, and the image buffer every reader of
// the field's own slices (the restriction of those must be complete).
void requireCoverage(const CoarseFieldMap& map, const Grid& field) {
  const CoarseAxis& z = map.axis[2];
  const int64_t fieldEnd = map.fieldFirstSlice + map.fieldBufferSlices;
  for (int64_t k = map.imageFirstSlice; k < map.imageFirstSlice + map.imageBufferSlices; ++k) {
    int64_t lower;
    double w;
    z.weights(k, lower, w);
    if (lower < map.fieldFirstSlice || lower + (w > 0 ? 1 : 0) >= fieldEnd)
      fail(ExitCode::Internal, "a coarser field's slab buffer misses slices its image slab reads (image slice " +
                                   std::to_string(k) + "); widen the field's halo");
  }
  for (int64_t n = map.fieldFirstSlice + field.ownedBegin(); n < map.fieldFirstSlice + field.ownedEnd(); ++n) {
    int64_t first, last;
    z.readersOf(n, first, last);
    for (int64_t k = first; k <= last; ++k)
      if (z.weightOf(k, n) > 0 && (k < map.imageFirstSlice || k >= map.imageFirstSlice + map.imageBufferSlices))
        fail(ExitCode::Internal, "an image slab buffer misses readers of its coarser field's own slice " +
                                     std::to_string(n) + "; widen the image's halo");
  }
}

}  // namespace

CoarseFieldMap coarseFieldMap(const Grid& image, const Grid& field) {
  if (image.isSlab() != field.isSlab())
    fail(ExitCode::Internal, "a coarser field and its images must both be whole grids or both slab buffers");
  const Grid imageWhole = wholeGridOf(image), fieldWhole = wholeGridOf(field);
  // c = Pf^-1 (Pi i + Oi - Of): diagonal when both grids share the direction matrix.
  const Mat3 toField = fieldWhole.indexToPhysicalMatrix().inverse();
  const Mat3 m = toField * imageWhole.indexToPhysicalMatrix();
  const Vec3 o = toField * (imageWhole.origin - fieldWhole.origin);
  CoarseFieldMap map;
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b)
      if (a != b && std::abs(m.m[a][b]) > 1e-9 * std::abs(m.m[a][a]))
        fail(ExitCode::Internal, "a field grid must share its images' direction matrix");
    if (!(m.m[a][a] > 0))
      fail(ExitCode::Internal, "a field grid must run the same way as its images along axis " + std::to_string(a));
    map.axis[a].fieldSize = fieldWhole.size[size_t(a)];
    map.axis[a].imageSize = imageWhole.size[size_t(a)];
    map.axis[a].scale = m.m[a][a];
    map.axis[a].offset = o[size_t(a)];
  }
  map.imageFirstSlice = image.slab.firstSlice;
  map.fieldFirstSlice = field.slab.firstSlice;
  map.imageBufferSlices = image.size[2];
  map.fieldBufferSlices = field.size[2];
  if (image.isSlab()) requireCoverage(map, field);
  return map;
}

int64_t restrictionHalo(const Grid& image, const Grid& field, int ranks) {
  if (!image.isSlab() || !field.isSlab()) return 0;
  const CoarseAxis z = coarseFieldMap(image, field).axis[2];
  const SlabLayout imageLayout = SlabLayout::of(image, ranks), fieldLayout = SlabLayout::of(field, ranks);
  int64_t halo = 0;
  for (int r = 0; r < ranks; ++r) {
    const SliceRange own = imageLayout.own(r), fieldOwn = fieldLayout.own(r);
    for (int64_t n = fieldOwn.begin; n < fieldOwn.end; ++n) {
      int64_t first, last;
      z.readersOf(n, first, last);
      for (int64_t k = first; k <= last; ++k)
        if (z.weightOf(k, n) > 0) halo = std::max({halo, own.begin - k, k - (own.end - 1)});
    }
  }
  return halo;
}

}  // namespace ffdp
