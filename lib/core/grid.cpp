#include "core/grid.hpp"

#include <cmath>

namespace ffdp {

Grid Grid::shrunk(const std::array<int, 3>& shrink) const {
  Grid g = *this;
  g.slab = SlabPlacement{};
  Vec3 halfShift{0, 0, 0};
  for (int d = 0; d < 3; ++d) {
    g.size[d] = (size[d] + shrink[d] - 1) / shrink[d];
    g.spacing[d] = spacing[d] * double(size[d]) / double(g.size[d]);
    // The first voxel's outer edge stays where it was: origin - s/2 = origin' - s'/2.
    halfShift[d] = 0.5 * (g.spacing[d] - spacing[d]);
  }
  g.origin = origin + direction * halfShift;
  return g;
}

bool Grid::sameAs(const Grid& o, double tol) const {
  if (size != o.size || !(slab == o.slab)) return false;
  for (int d = 0; d < 3; ++d) {
    if (std::abs(spacing[d] - o.spacing[d]) > tol * std::abs(spacing[d])) return false;
    if (std::abs(origin[d] - o.origin[d]) > tol * (1 + std::abs(origin[d]))) return false;
    for (int e = 0; e < 3; ++e)
      if (std::abs(direction.m[d][e] - o.direction.m[d][e]) > tol) return false;
  }
  return true;
}

}  // namespace ffdp
