// The small grid the slab-layout tests lay out: nx x ny voxels a slice, nz slices, off-unit spacing
// and origin so that a wrong slab origin shows.
#pragma once
#include <cstdint>

#include "core/grid.hpp"

namespace ffdp::test {

inline Grid gridWithSlices(int64_t nz, int64_t nx = 3, int64_t ny = 2) {
  Grid g;
  g.size = {nx, ny, nz};
  g.spacing = {0.5, 0.7, 1.3};
  g.origin = {10, -4, 2};
  return g;
}

}  // namespace ffdp::test
